import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../telemetry/logger';
import { writeFileDurably } from '../wal/durable-file';
import { aeadOpen, aeadSeal, KEY_BYTES } from './aead';
import { deriveKey, hashKeyInfo } from './hkdf';
import { dekAad, KeyProviderError, type KekVersion, type KeyProvider, type WrappedKey } from './provider';

const FORMAT = 'ai-audit-keyring/1';

interface KeyringFile {
  format: string;
  warning: string;
  current: string;
  keks: { version: string; created: string; key: string }[];
  hash_key: { version: string; key: string };
}

/**
 * The `local` provider: KEKs in a keyring file next to the data, created on first start
 * with mode 0600. For development: the keys sit on the same disk as the data they
 * protect, so anyone who copies both can read everything. Production uses a KMS or Vault.
 */
/** Keyring files this process has already warned about. */
const warned = new Set<string>();

export class LocalKeyProvider implements KeyProvider {
  readonly kind = 'local';
  private keyring!: KeyringFile;
  private loadedMtime = 0;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {
    this.load();
  }

  async wrap(dek: Buffer, context: Record<string, string>): Promise<WrappedKey> {
    this.reloadIfChanged();
    return {
      ciphertext: aeadSeal(this.kek(this.keyring.current), dek, dekAad(context)),
      kekVersion: this.keyring.current,
    };
  }

  async unwrap(wrapped: WrappedKey, context: Record<string, string>): Promise<Buffer> {
    if (!this.keyring.keks.some((k) => k.version === wrapped.kekVersion)) this.reloadIfChanged();
    try {
      return aeadOpen(this.kek(wrapped.kekVersion), wrapped.ciphertext, dekAad(context));
    } catch (error) {
      if (error instanceof KeyProviderError) throw error;
      throw new KeyProviderError(
        `local keyring: a data key did not unwrap under KEK version ${wrapped.kekVersion} (wrong key or context)`,
      );
    }
  }

  async rewrap(wrapped: WrappedKey, context: Record<string, string>): Promise<WrappedKey> {
    return this.wrap(await this.unwrap(wrapped, context), context);
  }

  async rotate(): Promise<{ version: string; created: boolean }> {
    this.reloadIfChanged();
    const version = String(Math.max(...this.keyring.keks.map((k) => Number(k.version))) + 1);
    this.keyring = {
      ...this.keyring,
      current: version,
      keks: [
        ...this.keyring.keks,
        { version, created: new Date().toISOString(), key: randomBytes(KEY_BYTES).toString('base64') },
      ],
    };
    await writeFileDurably(this.path, `${JSON.stringify(this.keyring, null, 2)}\n`);
    this.loadedMtime = statSync(this.path).mtimeMs;
    return { version, created: true };
  }

  async versions(): Promise<KekVersion[]> {
    this.reloadIfChanged();
    return this.keyring.keks.map((k) => ({
      version: k.version,
      created: k.created,
      current: k.version === this.keyring.current,
    }));
  }

  async hashKey(tenantId: string): Promise<{ version: string; key: Buffer }> {
    return {
      version: this.keyring.hash_key.version,
      key: deriveKey(Buffer.from(this.keyring.hash_key.key, 'base64'), hashKeyInfo(tenantId)),
    };
  }

  private kek(version: string): Buffer {
    const entry = this.keyring.keks.find((k) => k.version === version);
    if (!entry) throw new KeyProviderError(`local keyring ${this.path} has no KEK version ${version}`);
    return Buffer.from(entry.key, 'base64');
  }

  private load(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new KeyProviderError(`cannot read keyring ${this.path}: ${(error as NodeJS.ErrnoException).code}`);
      this.create();
      return;
    }
    const mode = statSync(this.path).mode;
    if (mode & 0o077)
      this.logger.warn('the keyring file is readable by other users; chmod 600 it', { keyring: this.path });
    this.keyring = parseKeyring(text, this.path);
    this.loadedMtime = statSync(this.path).mtimeMs;
    this.warn();
  }

  private create(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    this.keyring = {
      format: FORMAT,
      warning: 'Development keyring: these keys decrypt every record. Use aws-kms or vault-transit in production.',
      current: '1',
      keks: [{ version: '1', created: new Date().toISOString(), key: randomBytes(KEY_BYTES).toString('base64') }],
      hash_key: { version: '1', key: randomBytes(KEY_BYTES).toString('base64') },
    };
    // Synchronous on purpose: once, at first start, before anything is sealed.
    writeFileSync(this.path, `${JSON.stringify(this.keyring, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    this.loadedMtime = statSync(this.path).mtimeMs;
    this.logger.warn('created a new local keyring', { keyring: this.path });
    this.warn();
  }

  /** Once per keyring file and process: several components may hold a provider for it (protect, join). */
  private warn(): void {
    if (warned.has(this.path)) return;
    warned.add(this.path);
    this.logger.warn(
      'DEVELOPMENT KEYS: content is sealed with keys from a local keyring file on the same machine as the data. Anyone with both can read every prompt. Configure processors.protect.keys.provider: aws-kms or vault-transit for production.',
      { keyring: this.path },
    );
  }

  /** Another process (ai-audit keys rotate with the collector stopped) may have rotated. */
  private reloadIfChanged(): void {
    const mtime = statSync(this.path).mtimeMs;
    if (mtime === this.loadedMtime) return;
    this.keyring = parseKeyring(readFileSync(this.path, 'utf8'), this.path);
    this.loadedMtime = mtime;
  }
}

function parseKeyring(text: string, path: string): KeyringFile {
  let data: KeyringFile;
  try {
    data = JSON.parse(text) as KeyringFile;
  } catch {
    throw new KeyProviderError(`keyring ${path} is not valid JSON`);
  }
  const isKey = (value: unknown): boolean =>
    typeof value === 'string' && Buffer.from(value, 'base64').length === KEY_BYTES;
  if (
    data?.format !== FORMAT ||
    !Array.isArray(data.keks) ||
    !data.keks.every((k) => typeof k.version === 'string' && isKey(k.key)) ||
    !data.keks.some((k) => k.version === data.current) ||
    !isKey(data.hash_key?.key)
  ) {
    throw new KeyProviderError(`keyring ${path} is not an ${FORMAT} keyring`);
  }
  return data;
}
