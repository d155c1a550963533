import type { VaultTransitConfig } from '../config/types';
import { hashKeyInfo } from './hkdf';
import { dekAad, KeyProviderError, type KekVersion, type KeyProvider, type WrappedKey } from './provider';
import { cachedPerTenant, remoteError } from './remote';

/** `vault:v3:<base64>`: transit's ciphertexts and HMACs name the key version that made them. */
const VERSIONED = /^vault:v(\d+):(.*)$/s;
const HASH_KEY_BYTES = 32;

export type VaultData = Record<string, unknown>;

/**
 * The `vault-transit` provider: DEKs are wrapped by a transit key (an AEAD type such as
 * aes256-gcm96) with the context as `associated_data`, and hash keys are transit HMACs, so
 * no KEK ever leaves Vault. Plain HTTP through fetch: the API is a handful of JSON calls.
 * Needs Vault 1.13 or later, the first with `associated_data`.
 */
export class VaultTransitKeyProvider implements KeyProvider {
  readonly kind = 'vault-transit';
  private readonly client: TransitClient;
  private readonly key: string;
  private readonly hmacKey: string;
  private readonly hashKeys = cachedPerTenant((tenantId) => this.generateHashKey(tenantId));

  constructor(config: VaultTransitConfig, env: NodeJS.ProcessEnv) {
    this.client = new TransitClient(this.kind, config, env);
    this.key = encodeURIComponent(config.key);
    this.hmacKey = encodeURIComponent(config.hmac_key ?? config.key);
  }

  async wrap(dek: Buffer, context: Record<string, string>): Promise<WrappedKey> {
    const data = await this.call('encrypt', 'POST', `encrypt/${this.key}`, {
      plaintext: dek.toString('base64'),
      associated_data: associatedData(context),
    });
    const ciphertext = stringField(data.ciphertext, 'encrypt', 'ciphertext');
    return { ciphertext: Buffer.from(ciphertext, 'utf8'), kekVersion: versioned(ciphertext, 'encrypt').version };
  }

  async unwrap(wrapped: WrappedKey, context: Record<string, string>): Promise<Buffer> {
    const data = await this.call('decrypt', 'POST', `decrypt/${this.key}`, {
      ciphertext: wrapped.ciphertext.toString('utf8'),
      associated_data: associatedData(context),
    });
    return Buffer.from(stringField(data.plaintext, 'decrypt', 'plaintext'), 'base64');
  }

  /**
   * Decrypt, then encrypt under the latest version: transit's own rewrap endpoint takes no
   * `associated_data`, so it cannot open a bound ciphertext (hashicorp/vault#29532). The DEK
   * is in this process for that moment, as it is whenever it seals or opens a record.
   */
  async rewrap(wrapped: WrappedKey, context: Record<string, string>): Promise<WrappedKey> {
    return this.wrap(await this.unwrap(wrapped, context), context);
  }

  /** Rotates only the wrapping key: rotating the HMAC key would change every new hash. */
  async rotate(): Promise<{ version: string; created: boolean }> {
    // Vault answers 204 or, in newer versions, the key; reading it afterwards works with both.
    await this.call('rotate', 'POST', `keys/${this.key}/rotate`, {});
    return { version: String(latestOf(await this.readKey('rotate'), 'rotate')), created: true };
  }

  async versions(): Promise<KekVersion[]> {
    const data = await this.readKey('read key');
    const latest = latestOf(data, 'read key');
    const keys = (data.keys ?? {}) as Record<string, unknown>;
    return Object.keys(keys)
      .sort((a, b) => Number(a) - Number(b))
      .map((version) => {
        const created = keys[version];
        // Seconds since the epoch for symmetric keys.
        return {
          version,
          current: Number(version) === latest,
          ...(typeof created === 'number' ? { created: new Date(created * 1000).toISOString() } : {}),
        };
      });
  }

  async hashKey(tenantId: string): Promise<{ version: string; key: Buffer }> {
    return this.hashKeys(tenantId);
  }

  /** The HMAC of the tenant's label under the hash key: its 32 bytes are the tenant's key. */
  private async generateHashKey(tenantId: string): Promise<{ version: string; key: Buffer }> {
    const data = await this.call('hmac', 'POST', `hmac/${this.hmacKey}/sha2-256`, {
      input: Buffer.from(hashKeyInfo(tenantId)).toString('base64'),
    });
    const { version, body } = versioned(stringField(data.hmac, 'hmac', 'hmac'), 'hmac');
    const key = Buffer.from(body, 'base64');
    if (key.length !== HASH_KEY_BYTES)
      throw remoteError(this.kind, 'hmac', `expected a ${HASH_KEY_BYTES}-byte HMAC, got ${key.length} bytes`);
    return { version, key };
  }

  /** The wrapping key's versions, with their creation times (no key material). */
  private async readKey(operation: string): Promise<VaultData> {
    return this.call(operation, 'GET', `keys/${this.key}`);
  }

  private call(operation: string, method: 'GET' | 'POST', path: string, body?: object): Promise<VaultData> {
    return this.client.call(operation, method, path, body);
  }
}

/**
 * Transit's HTTP API through fetch, for the key provider and the ledger's signer
 * (keys/signing-vault.ts): the address, token and namespace, and one error shape.
 */
export class TransitClient {
  private readonly address: string;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(
    private readonly kind: string,
    config: VaultTransitConfig,
    env: NodeJS.ProcessEnv,
  ) {
    this.address = (config.address || env.VAULT_ADDR || '').replace(/\/+$/, '');
    if (!this.address)
      throw new KeyProviderError('vault-transit needs an address: set keys.vault_transit.address or VAULT_ADDR');
    if (!URL.canParse(this.address) || !['http:', 'https:'].includes(new URL(this.address).protocol)) {
      throw new KeyProviderError(`vault-transit: address ${this.address} is not an http(s) URL`);
    }
    const token = config.token || env.VAULT_TOKEN;
    if (!token) throw new KeyProviderError('vault-transit needs a token: set keys.vault_transit.token or VAULT_TOKEN');
    this.timeoutMs = config.timeout;
    const namespace = config.namespace || env.VAULT_NAMESPACE;
    this.headers = {
      'Content-Type': 'application/json',
      'X-Vault-Token': token,
      // What Vault's own clients send; Vault Agent and Proxy can be set to require it.
      'X-Vault-Request': 'true',
      ...(namespace ? { 'X-Vault-Namespace': namespace } : {}),
    };
    this.base = `${this.address}/v1/${config.mount.split('/').filter(Boolean).map(encodeURIComponent).join('/')}`;
  }

  /** One transit call; resolves to the response's `data`. */
  async call(operation: string, method: 'GET' | 'POST', path: string, body?: object): Promise<VaultData> {
    let status: number;
    let raw: string;
    try {
      const response = await fetch(`${this.base}/${path}`, {
        method,
        headers: this.headers,
        body: body && JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      raw = await response.text();
    } catch (error) {
      throw remoteError(this.kind, operation, this.transportFailure(error));
    }
    const parsed = parseJson(raw);
    if (status < 200 || status > 299) {
      // Vault's `errors` are its own words; any other body (a proxy's page) is not repeated.
      const errors = Array.isArray(parsed?.errors)
        ? parsed.errors.filter((e): e is string => typeof e === 'string').map(stripMultiError)
        : [];
      throw remoteError(this.kind, operation, `HTTP ${status}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);
    }
    // Vault 1.10 to 1.12 accept associated_data with only a warning and bind nothing.
    const ignored =
      Array.isArray(parsed?.warnings) &&
      parsed.warnings.some((w) => typeof w === 'string' && w.includes('unrecognized parameters'));
    if (ignored)
      throw remoteError(
        this.kind,
        operation,
        'Vault ignored associated_data (the context binding needs Vault 1.13 or later)',
      );
    if (raw !== '' && !parsed) throw remoteError(this.kind, operation, `HTTP ${status} with a body that is not JSON`);
    return (parsed?.data ?? {}) as VaultData;
  }

  private transportFailure(error: unknown): string {
    const e = error as { name?: string; cause?: { code?: string } };
    if (e.name === 'TimeoutError') return `no answer from ${this.address} within ${this.timeoutMs} ms`;
    return `cannot reach ${this.address} (${e.cause?.code ?? e.name ?? 'error'})`;
  }
}

/** The same bytes the local providers bind, base64 for transit. */
function associatedData(context: Record<string, string>): string {
  return dekAad(context).toString('base64');
}

function parseJson(raw: string): { data?: unknown; errors?: unknown[]; warnings?: unknown[] } | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Vault wraps errors as "1 error occurred:\n\t* permission denied\n\n". */
function stripMultiError(error: string): string {
  return error.replace(/^\d+ errors? occurred:\s*/, '').replace(/^\s*\*\s*/gm, '');
}

export function versioned(value: string, operation: string): { version: string; body: string } {
  const match = VERSIONED.exec(value);
  if (!match) throw remoteError('vault-transit', operation, 'the response is not a vault:v<N>: value');
  return { version: String(Number(match[1])), body: match[2] };
}

export function stringField(value: unknown, operation: string, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw remoteError('vault-transit', operation, `the response has no ${field}`);
  return value;
}

export function latestOf(data: VaultData, operation: string): number {
  if (typeof data.latest_version !== 'number')
    throw remoteError('vault-transit', operation, 'the response has no latest_version');
  return data.latest_version;
}
