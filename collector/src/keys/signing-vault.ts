import { createPublicKey } from 'node:crypto';
import type { VaultTransitConfig } from '../config/types';
import { remoteError } from './remote';
import { keyIdOf, type PublicSigningKey, type Signature, type Signer } from './signing';
import { latestOf, stringField, TransitClient, versioned, type VaultData } from './vault-transit';

/** An Ed25519 public key's 32 raw bytes as SPKI DER: this fixed prefix, then the key. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Ledger signatures made by a Vault transit key of type ed25519 (`transit/sign`): the
 * private key never leaves Vault, and `keys/<name>` lists the public key of every version,
 * so signatures by rotated-out versions still verify. `ai-audit keys rotate-signing` rotates
 * it like any transit key.
 */
export class VaultSigner implements Signer {
  readonly kind = 'vault-transit';
  private readonly client: TransitClient;
  private readonly key: string;
  /** Key ids by transit version, learnt from `keys/<name>`. */
  private versions = new Map<number, PublicSigningKey>();

  constructor(key: string, connection: VaultTransitConfig, env: NodeJS.ProcessEnv) {
    this.client = new TransitClient(this.kind, connection, env);
    this.key = encodeURIComponent(key);
  }

  async sign(message: Buffer): Promise<Signature> {
    const data = await this.client.call('sign', 'POST', `sign/${this.key}`, { input: message.toString('base64') });
    const { version, body } = versioned(stringField(data.signature, 'sign', 'signature'), 'sign');
    let key = this.versions.get(Number(version));
    if (!key) {
      await this.publicKeys();
      key = this.versions.get(Number(version));
    }
    if (!key) throw remoteError(this.kind, 'sign', `Vault signed with version ${version}, which it does not list`);
    return { key_id: key.key_id, algorithm: 'ed25519', signature: body };
  }

  async publicKeys(): Promise<PublicSigningKey[]> {
    const data = await this.client.call('read key', 'GET', `keys/${this.key}`);
    this.versions = publicKeysOf(data);
    return [...this.versions.values()];
  }

  async rotate(): Promise<PublicSigningKey> {
    await this.client.call('rotate', 'POST', `keys/${this.key}/rotate`, {});
    const keys = await this.publicKeys();
    return keys.find((k) => k.current) as PublicSigningKey;
  }
}

function publicKeysOf(data: VaultData): Map<number, PublicSigningKey> {
  if (data.type !== 'ed25519')
    throw remoteError('vault-transit', 'read key', `the signing key is of type ${String(data.type)}, not ed25519`);
  const latest = latestOf(data, 'read key');
  const keys = (data.keys ?? {}) as Record<string, { public_key?: unknown; creation_time?: unknown }>;
  const out = new Map<number, PublicSigningKey>();
  for (const [version, entry] of Object.entries(keys)) {
    if (typeof entry?.public_key !== 'string') continue;
    const raw = Buffer.from(entry.public_key, 'base64');
    const publicKey = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    out.set(Number(version), {
      key_id: keyIdOf('ed25519', publicKey),
      algorithm: 'ed25519',
      public_key: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      ...(typeof entry.creation_time === 'string' ? { created: entry.creation_time } : {}),
      current: Number(version) === latest,
    });
  }
  return out;
}
