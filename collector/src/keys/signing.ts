import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resolveConfigPath } from '../config/load';
import type { LoadedConfig, SigningConfig } from '../config/types';
import { ConfigError } from '../config/errors';
import { writeFileDurably } from '../wal/durable-file';
import { KeyProviderError } from './provider';

/**
 * Signing keys of the ledger (docs/architecture.md, "Ledger"), apart from the keys that
 * seal content: a signature proves who wrote the ledger, and an auditor holding only the
 * public keys checks it. Keys rotate; old public keys stay listed so old signatures verify.
 */

export type SignatureAlgorithm = 'ed25519' | 'ecdsa-p256-sha256';

export interface PublicSigningKey {
  key_id: string;
  algorithm: SignatureAlgorithm;
  /** SPKI, PEM. */
  public_key: string;
  created?: string;
  current: boolean;
}

export interface Signature {
  key_id: string;
  algorithm: SignatureAlgorithm;
  /** base64 */
  signature: string;
}

export interface Signer {
  /** `local`, `aws-kms` or `vault-transit`. */
  readonly kind: string;
  sign(message: Buffer): Promise<Signature>;
  publicKeys(): Promise<PublicSigningKey[]>;
  /** A new current key where the provider can make one; old keys stay for verifying. */
  rotate(): Promise<PublicSigningKey>;
}

/** A key id that says what the key is: its algorithm and a digest of its public key. */
export function keyIdOf(algorithm: SignatureAlgorithm, publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `${algorithm}:${createHash('sha256').update(der).digest('hex').slice(0, 24)}`;
}

/** Whether `signature` is a valid signature of `message` by one of `keys` (of the algorithm it names). */
export function verifySignature(
  keys: readonly PublicSigningKey[],
  message: Buffer,
  signature: { key_id: string; algorithm: string; signature: string },
): boolean {
  const key = keys.find((k) => k.key_id === signature.key_id && k.algorithm === signature.algorithm);
  if (!key) return false;
  try {
    const publicKey = createPublicKey(key.public_key);
    const bytes = Buffer.from(signature.signature, 'base64');
    return key.algorithm === 'ed25519'
      ? verify(null, message, publicKey, bytes)
      : verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, bytes);
  } catch {
    return false;
  }
}

/** Public keys as `ai-audit keys public` prints them and `verify-export --public-keys` reads them. */
export interface PublicKeysFile {
  format: 'ai-audit-public-keys/1';
  keys: PublicSigningKey[];
}

export function parsePublicKeys(text: string, source: string): PublicSigningKey[] {
  let parsed: Partial<PublicKeysFile>;
  try {
    parsed = JSON.parse(text) as Partial<PublicKeysFile>;
  } catch {
    throw new KeyProviderError(`${source} is not JSON (expected the output of \`ai-audit keys public\`)`);
  }
  if (parsed.format !== 'ai-audit-public-keys/1' || !Array.isArray(parsed.keys))
    throw new KeyProviderError(`${source} is not an ai-audit public key file (format ai-audit-public-keys/1)`);
  return parsed.keys.filter(
    (k): k is PublicSigningKey =>
      typeof k?.key_id === 'string' && typeof k.public_key === 'string' && typeof k.algorithm === 'string',
  );
}

interface LocalKeyFile {
  format: 'ai-audit-signing-keys/1';
  warning: string;
  current: string;
  keys: { key_id: string; algorithm: 'ed25519'; created: string; private_key: string; public_key: string }[];
}

/**
 * Ed25519 keys in a file (mode 0600), created on first use: for development, like the
 * local keyring. Production signs in a KMS or Vault, where the private key never leaves.
 */
export class LocalSigner implements Signer {
  readonly kind = 'local';
  private file: LocalKeyFile | undefined;
  private mtime = 0;

  constructor(private readonly path: string) {}

  async sign(message: Buffer): Promise<Signature> {
    const file = await this.load();
    const key = file.keys.find((k) => k.key_id === file.current) as LocalKeyFile['keys'][number];
    return {
      key_id: key.key_id,
      algorithm: 'ed25519',
      signature: sign(null, message, key.private_key).toString('base64'),
    };
  }

  /** No key file yet, no keys: reading (verify, keys public) never creates one. */
  async publicKeys(): Promise<PublicSigningKey[]> {
    if (!existsSync(this.path)) return [];
    const file = await this.load();
    return file.keys.map((k) => ({
      key_id: k.key_id,
      algorithm: k.algorithm,
      public_key: k.public_key,
      created: k.created,
      current: k.key_id === file.current,
    }));
  }

  async rotate(): Promise<PublicSigningKey> {
    const file = await this.load();
    const key = newEd25519Key();
    await this.save({ ...file, current: key.key_id, keys: [...file.keys, key] });
    return {
      key_id: key.key_id,
      algorithm: 'ed25519',
      public_key: key.public_key,
      created: key.created,
      current: true,
    };
  }

  /** The file as it is on disk now (another process may have rotated), created when missing. */
  private async load(): Promise<LocalKeyFile> {
    let mtime: number;
    try {
      mtime = statSync(this.path).mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const key = newEd25519Key();
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      await this.save({
        format: 'ai-audit-signing-keys/1',
        warning:
          'Development signing keys: whoever holds this file can sign ledger entries. Use a KMS or Vault in production.',
        current: key.key_id,
        keys: [key],
      });
      return this.file as LocalKeyFile;
    }
    if (this.file && mtime === this.mtime) return this.file;
    const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as LocalKeyFile;
    if (parsed.format !== 'ai-audit-signing-keys/1' || !parsed.keys?.some((k) => k.key_id === parsed.current))
      throw new KeyProviderError(`${this.path} is not an ai-audit signing key file`);
    this.file = parsed;
    this.mtime = mtime;
    return parsed;
  }

  private async save(file: LocalKeyFile): Promise<void> {
    await writeFileDurably(this.path, `${JSON.stringify(file, null, 2)}\n`);
    this.file = file;
    this.mtime = statSync(this.path).mtimeMs;
  }
}

function newEd25519Key(): LocalKeyFile['keys'][number] {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    key_id: keyIdOf('ed25519', publicKey),
    algorithm: 'ed25519',
    created: new Date().toISOString(),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    public_key: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** The signer `keys.signing` names. */
export function createSigner(
  config: SigningConfig,
  keys: { aws_kms?: { region?: string; endpoint?: string }; vault_transit?: unknown },
  loaded: Pick<LoadedConfig, 'dir'>,
  env: NodeJS.ProcessEnv = process.env,
): Signer {
  switch (config.provider) {
    case 'local':
      return new LocalSigner(resolveConfigPath(loaded, config.local.key_file));
    case 'aws-kms': {
      if (!config.aws_kms?.key_id)
        throw new ConfigError(
          'processors.protect.keys.signing.aws_kms.key_id',
          'is required when signing.provider is aws-kms',
        );
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the AWS SDK loads on demand (keys/index.ts)
      const { KmsSigner } = require('./signing-kms') as typeof import('./signing-kms');
      return new KmsSigner(config.aws_kms.key_id, keys.aws_kms ?? {});
    }
    case 'vault-transit': {
      if (!config.vault_transit?.key || !keys.vault_transit)
        throw new ConfigError(
          'processors.protect.keys.signing.vault_transit.key',
          'is required, with keys.vault_transit for the address, when signing.provider is vault-transit',
        );
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand, as above
      const { VaultSigner } = require('./signing-vault') as typeof import('./signing-vault');
      return new VaultSigner(config.vault_transit.key, keys.vault_transit as never, env);
    }
  }
}
