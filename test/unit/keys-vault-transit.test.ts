import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VaultTransitConfig } from '../../collector/src/config/types';
import { hashKeyInfo } from '../../collector/src/keys/hkdf';
import { dekAad, KeyProviderError } from '../../collector/src/keys/provider';
import { VaultTransitKeyProvider } from '../../collector/src/keys/vault-transit';

/**
 * The provider's real HTTP path (fetch, headers, timeouts) against a transit engine on
 * loopback that encrypts for real: AES-256-GCM per key version, `associated_data` as the
 * AAD, `vault:vN:base64(nonce|ciphertext|tag)` ciphertexts, HMAC keys per version.
 */

const TOKEN = 'hvs.test-token-not-a-secret';

interface TransitKey {
  /** Index 0 is version 1. */
  versions: { aes: Buffer; hmac: Buffer; created: number }[];
}

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, string>;
}

class FakeVault {
  readonly requests: Recorded[] = [];
  readonly keys = new Map<string, TransitKey>();
  /** Vault before 1.13: associated_data is an unknown parameter, ignored with a warning. */
  legacy = false;
  hang = false;
  forced?: { status: number; body: string };
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.serve(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  createKey(name: string): void {
    this.keys.set(name, { versions: [] });
    this.rotate(name);
  }

  rotate(name: string): void {
    const key = this.keys.get(name) as TransitKey;
    key.versions.push({
      aes: randomBytes(32),
      hmac: randomBytes(32),
      created: 1_760_000_000 + key.versions.length * 86_400,
    });
  }

  paths(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const path = request.url ?? '';
    this.requests.push({
      method: request.method ?? '',
      path,
      headers: request.headers,
      body: raw ? JSON.parse(raw) : {},
    });
    if (this.hang) return;
    if (this.forced) return void response.writeHead(this.forced.status).end(this.forced.body);
    if (request.headers['x-vault-token'] !== TOKEN)
      return reply(response, 403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] });
    const route = /^\/v1\/transit\/(encrypt|decrypt|hmac|keys)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    const key = route && this.keys.get(decodeURIComponent(route[2]));
    if (!route || !key)
      return reply(response, route ? 400 : 404, {
        errors: [route ? 'encryption key not found' : '1 error occurred:\n\t* unsupported path\n\n'],
      });
    const body = this.requests[this.requests.length - 1].body;
    try {
      reply(response, ...this.operate(request.method ?? '', route[1], route[3], key, body));
    } catch (error) {
      reply(response, 400, { errors: [(error as Error).message] });
    }
  }

  private operate(
    method: string,
    operation: string,
    suffix: string | undefined,
    key: TransitKey,
    body: Record<string, string>,
  ): [number, object?] {
    const latest = key.versions.length;
    const warnings =
      this.legacy && body.associated_data !== undefined
        ? ['Endpoint ignored these unrecognized parameters: [associated_data]']
        : null;
    const aad = this.legacy ? Buffer.alloc(0) : Buffer.from(body.associated_data ?? '', 'base64');
    if (operation === 'encrypt') {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key.versions[latest - 1].aes, nonce);
      cipher.setAAD(aad);
      const sealed = Buffer.concat([
        nonce,
        cipher.update(Buffer.from(body.plaintext, 'base64')),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return [
        200,
        { data: { ciphertext: `vault:v${latest}:${sealed.toString('base64')}`, key_version: latest }, warnings },
      ];
    }
    if (operation === 'decrypt') {
      const [, version, encoded] = /^vault:v(\d+):(.*)$/.exec(body.ciphertext) ?? [];
      const material = key.versions[Number(version) - 1];
      if (!material) throw new Error('invalid ciphertext: no prefix');
      const sealed = Buffer.from(encoded, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', material.aes, sealed.subarray(0, 12));
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      try {
        const plaintext = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
        return [200, { data: { plaintext: plaintext.toString('base64') }, warnings }];
      } catch {
        throw new Error('cipher: message authentication failed');
      }
    }
    if (operation === 'hmac' && method === 'POST' && suffix === 'sha2-256') {
      const mac = createHmac('sha256', key.versions[latest - 1].hmac)
        .update(Buffer.from(body.input, 'base64'))
        .digest('base64');
      return [200, { data: { hmac: `vault:v${latest}:${mac}` } }];
    }
    if (operation === 'keys' && method === 'POST' && suffix === 'rotate') {
      key.versions.push({ aes: randomBytes(32), hmac: randomBytes(32), created: 1_760_000_000 + latest * 86_400 });
      return [204];
    }
    if (operation === 'keys' && method === 'GET' && suffix === undefined) {
      const keys = Object.fromEntries(key.versions.map((v, i) => [String(i + 1), v.created]));
      return [
        200,
        {
          data: {
            type: 'aes256-gcm96',
            latest_version: latest,
            min_decryption_version: 1,
            keys,
            supports_encryption: true,
          },
        },
      ];
    }
    return [405, { errors: [] }];
  }
}

function reply(response: ServerResponse, status: number, body?: object): void {
  response
    .writeHead(status, body ? { 'Content-Type': 'application/json' } : {})
    .end(body ? JSON.stringify(body) : undefined);
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyProviderError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  expect(message).not.toContain(TOKEN);
  return message;
}

const CONTEXT = { tenant: 'acme', subject: 'user-1', key_id: 'dek_01' };

describe('vault-transit key provider', () => {
  let vault: FakeVault;

  beforeEach(async () => {
    vault = new FakeVault();
    vault.createKey('ai-audit');
    vault.createKey('ai-audit-hash');
    await vault.start();
  });

  afterEach(async () => {
    await vault.stop();
  });

  const config = (overrides: Partial<VaultTransitConfig> = {}): VaultTransitConfig => ({
    address: vault.url,
    token: TOKEN,
    mount: 'transit',
    key: 'ai-audit',
    hmac_key: 'ai-audit-hash',
    timeout: 5_000,
    ...overrides,
  });
  const provider = (overrides: Partial<VaultTransitConfig> = {}) => new VaultTransitKeyProvider(config(overrides), {});

  it('refuses a missing address or token at construction, and takes VAULT_ADDR, VAULT_TOKEN and VAULT_NAMESPACE', async () => {
    const bare = { mount: 'transit', key: 'ai-audit', timeout: 10_000 };
    expect(() => new VaultTransitKeyProvider(bare, { VAULT_TOKEN: TOKEN })).toThrow(
      new KeyProviderError('vault-transit needs an address: set keys.vault_transit.address or VAULT_ADDR'),
    );
    expect(() => new VaultTransitKeyProvider(bare, { VAULT_ADDR: vault.url })).toThrow(
      new KeyProviderError('vault-transit needs a token: set keys.vault_transit.token or VAULT_TOKEN'),
    );
    expect(
      () => new VaultTransitKeyProvider({ ...bare, address: 'vault.internal:8200' }, { VAULT_TOKEN: TOKEN }),
    ).toThrow(/is not an http\(s\) URL/);
    expect(vault.requests).toEqual([]);

    const fromEnv = new VaultTransitKeyProvider(bare, {
      VAULT_ADDR: `${vault.url}/`,
      VAULT_TOKEN: TOKEN,
      VAULT_NAMESPACE: 'team-a',
    });
    await fromEnv.wrap(randomBytes(32), CONTEXT);
    expect(vault.requests[0].headers['x-vault-namespace']).toBe('team-a');
  });

  it('wraps with encrypt and unwraps with decrypt, binding the context as associated_data', async () => {
    const keys = provider({ namespace: 'team-a' });
    const dek = randomBytes(32);
    const wrapped = await keys.wrap(dek, CONTEXT);

    expect(wrapped.kekVersion).toBe('1');
    expect(wrapped.ciphertext.toString('utf8')).toMatch(/^vault:v1:[A-Za-z0-9+/]+=*$/);
    const [encrypt] = vault.requests;
    expect(`${encrypt.method} ${encrypt.path}`).toBe('POST /v1/transit/encrypt/ai-audit');
    expect(encrypt.body).toEqual({
      plaintext: dek.toString('base64'),
      associated_data: dekAad(CONTEXT).toString('base64'),
    });
    expect(encrypt.headers).toMatchObject({
      'x-vault-token': TOKEN,
      'x-vault-namespace': 'team-a',
      'x-vault-request': 'true',
      'content-type': 'application/json',
    });

    expect(await keys.unwrap(wrapped, { key_id: 'dek_01', tenant: 'acme', subject: 'user-1' })).toEqual(dek);
    expect(vault.requests[1].body.associated_data).toBe(encrypt.body.associated_data);
  });

  it('does not open a wrapped key under another tenant, subject or key id', async () => {
    const keys = provider();
    const dek = randomBytes(32);
    const wrapped = await keys.wrap(dek, CONTEXT);
    for (const moved of [{ tenant: 'other' }, { subject: '' }, { key_id: 'dek_02' }]) {
      const message = await failure(keys.unwrap(wrapped, { ...CONTEXT, ...moved }));
      expect(message).toBe('vault-transit: decrypt failed: HTTP 400: cipher: message authentication failed');
      expect(message).not.toContain(dek.toString('base64'));
    }
  });

  it('rotates to a new version, rewraps onto it by decrypt + encrypt, and still opens the old ciphertext', async () => {
    const keys = provider();
    const dek = randomBytes(32);
    const old = await keys.wrap(dek, CONTEXT);

    expect(await keys.rotate()).toEqual({ version: '2', created: true });
    expect(await keys.versions()).toEqual([
      { version: '1', current: false, created: new Date(1_760_000_000 * 1000).toISOString() },
      { version: '2', current: true, created: new Date((1_760_000_000 + 86_400) * 1000).toISOString() },
    ]);
    const before = vault.requests.length;
    const rewrapped = await keys.rewrap(old, CONTEXT);
    expect(rewrapped.kekVersion).toBe('2');
    expect(rewrapped.ciphertext.toString()).toMatch(/^vault:v2:/);
    // transit/rewrap takes no associated_data, so it could not open a bound ciphertext.
    expect(vault.paths().slice(before)).toEqual([
      'POST /v1/transit/decrypt/ai-audit',
      'POST /v1/transit/encrypt/ai-audit',
    ]);
    expect(await keys.unwrap(rewrapped, CONTEXT)).toEqual(dek);
    expect(await keys.unwrap(old, CONTEXT)).toEqual(dek);
    expect((await keys.wrap(randomBytes(32), CONTEXT)).kekVersion).toBe('2');
    await failure(keys.rewrap(old, { ...CONTEXT, tenant: 'other' }));
  });

  it('derives hash keys from transit HMACs of the tenant label: deterministic, per tenant, fetched once', async () => {
    const keys = provider();
    const acme = await keys.hashKey('acme');
    const material = (vault.keys.get('ai-audit-hash') as TransitKey).versions[0].hmac;
    expect(acme).toEqual({ version: '1', key: createHmac('sha256', material).update(hashKeyInfo('acme')).digest() });
    expect(vault.paths()).toEqual(['POST /v1/transit/hmac/ai-audit-hash/sha2-256']);
    expect(vault.requests[0].body).toEqual({ input: Buffer.from(hashKeyInfo('acme')).toString('base64') });

    await Promise.all([keys.hashKey('acme'), keys.hashKey('acme')]);
    expect(vault.requests).toHaveLength(1);
    expect((await keys.hashKey('globex')).key).not.toEqual(acme.key);
    // Another process, after a KEK rotation: the same key, the same version.
    await keys.rotate();
    expect(await provider().hashKey('acme')).toEqual(acme);
    // Without hmac_key, the wrapping key's HMAC key (and its versions) are used.
    const shared = await provider({ hmac_key: undefined }).hashKey('acme');
    expect(vault.paths().at(-1)).toBe('POST /v1/transit/hmac/ai-audit/sha2-256');
    expect(shared.version).toBe('2');
  });

  it('reports Vault errors on one line with the HTTP status, never echoing what was sent or a foreign body', async () => {
    const dek = randomBytes(32);
    const denied = await failure(provider({ token: 'hvs.revoked' }).wrap(dek, CONTEXT));
    expect(denied).toBe('vault-transit: encrypt failed: HTTP 403: permission denied');
    expect(vault.requests[0].headers['x-vault-token']).toBe('hvs.revoked');
    expect(denied).not.toContain(dek.toString('base64'));

    expect(await failure(provider({ key: 'missing' }).versions())).toBe(
      'vault-transit: read key failed: HTTP 400: encryption key not found',
    );
    expect(await failure(provider({ mount: 'nothing-here' }).rotate())).toBe(
      'vault-transit: rotate failed: HTTP 404: unsupported path',
    );

    vault.forced = { status: 502, body: `<html>bad gateway for {"plaintext":"${dek.toString('base64')}"}</html>` };
    const proxied = await failure(provider().wrap(dek, CONTEXT));
    expect(proxied).toBe('vault-transit: encrypt failed: HTTP 502');
    vault.forced = { status: 200, body: '<html>login</html>' };
    expect(
      await failure(provider().unwrap({ ciphertext: Buffer.from('vault:v1:AAAA'), kekVersion: '1' }, CONTEXT)),
    ).toBe('vault-transit: decrypt failed: HTTP 200 with a body that is not JSON');
  });

  it('refuses a Vault that ignores associated_data instead of wrapping without the binding', async () => {
    vault.legacy = true;
    expect(await failure(provider().wrap(randomBytes(32), CONTEXT))).toBe(
      'vault-transit: encrypt failed: Vault ignored associated_data (the context binding needs Vault 1.13 or later)',
    );
  });

  it('gives up after the configured timeout, and names an unreachable address', async () => {
    vault.hang = true;
    const started = Date.now();
    expect(await failure(provider({ timeout: 200 }).wrap(randomBytes(32), CONTEXT))).toBe(
      `vault-transit: encrypt failed: no answer from ${vault.url} within 200 ms`,
    );
    expect(Date.now() - started).toBeLessThan(3_000);

    const closed = new FakeVault();
    await closed.start();
    await closed.stop();
    expect(await failure(provider({ address: closed.url }).hashKey('acme'))).toBe(
      `vault-transit: hmac failed: cannot reach ${closed.url} (ECONNREFUSED)`,
    );
  });
});
