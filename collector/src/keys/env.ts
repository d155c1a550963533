import { aeadOpen, aeadSeal, KEY_BYTES } from './aead';
import { deriveKey, hashKeyInfo } from './hkdf';
import { dekAad, KeyProviderError, type KekVersion, type KeyProvider, type WrappedKey } from './provider';

/**
 * The `env` provider: KEK material from an environment variable (a Kubernetes Secret, a
 * systemd credential), as base64 of 32 bytes, or several versions as
 * `1:<base64>,2:<base64>` (the highest is current). Rotation: add a version to the
 * variable, restart, run `ai-audit keys rotate` to re-wrap data keys under it.
 * The hash key comes from its own variable when set, else it is derived from the lowest
 * KEK version (so it survives KEK rotation as long as that version is kept).
 */
export class EnvKeyProvider implements KeyProvider {
  readonly kind = 'env';
  private readonly keks: Map<string, Buffer>;
  private readonly current: string;
  private readonly hashSecret: Buffer;

  constructor(variable: string, hashVariable: string, env: NodeJS.ProcessEnv) {
    const raw = env[variable];
    if (!raw)
      throw new KeyProviderError(
        `the env key provider needs ${variable} (base64 of 32 random bytes, e.g. from: openssl rand -base64 32)`,
      );
    this.keks = parseVersions(raw, variable);
    const versions = [...this.keks.keys()].map(Number).sort((a, b) => a - b);
    this.current = String(versions[versions.length - 1]);
    const hashRaw = env[hashVariable];
    this.hashSecret = hashRaw
      ? decodeKey(hashRaw, hashVariable)
      : deriveKey(this.keks.get(String(versions[0])) as Buffer, 'ai-audit/hash-secret/v1');
  }

  async wrap(dek: Buffer, context: Record<string, string>): Promise<WrappedKey> {
    return { ciphertext: aeadSeal(this.kek(this.current), dek, dekAad(context)), kekVersion: this.current };
  }

  async unwrap(wrapped: WrappedKey, context: Record<string, string>): Promise<Buffer> {
    const kek = this.kek(wrapped.kekVersion);
    try {
      return aeadOpen(kek, wrapped.ciphertext, dekAad(context));
    } catch {
      throw new KeyProviderError(
        `env provider: a data key did not unwrap under KEK version ${wrapped.kekVersion} (wrong key or context)`,
      );
    }
  }

  async rewrap(wrapped: WrappedKey, context: Record<string, string>): Promise<WrappedKey> {
    return this.wrap(await this.unwrap(wrapped, context), context);
  }

  async rotate(): Promise<{ version: string; created: boolean }> {
    return { version: this.current, created: false };
  }

  async versions(): Promise<KekVersion[]> {
    return [...this.keks.keys()].map((version) => ({ version, current: version === this.current }));
  }

  async hashKey(tenantId: string): Promise<{ version: string; key: Buffer }> {
    return { version: '1', key: deriveKey(this.hashSecret, hashKeyInfo(tenantId)) };
  }

  private kek(version: string): Buffer {
    const kek = this.keks.get(version);
    if (!kek) throw new KeyProviderError(`env provider: KEK version ${version} is not in the variable any more`);
    return kek;
  }
}

function parseVersions(raw: string, variable: string): Map<string, Buffer> {
  const entries = raw.includes(':')
    ? raw.split(',').map((part) => part.trim().split(':', 2) as [string, string])
    : [['1', raw] as [string, string]];
  const keks = new Map<string, Buffer>();
  for (const [version, material] of entries) {
    if (!/^\d+$/.test(version))
      throw new KeyProviderError(`${variable}: versions must be numbers ("1:<base64>,2:<base64>")`);
    keks.set(String(Number(version)), decodeKey(material ?? '', variable));
  }
  return keks;
}

function decodeKey(material: string, variable: string): Buffer {
  const key = Buffer.from(material.trim(), 'base64');
  if (key.length !== KEY_BYTES)
    throw new KeyProviderError(`${variable} must hold base64 of exactly ${KEY_BYTES} bytes`);
  return key;
}
