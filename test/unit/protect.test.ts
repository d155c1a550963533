import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataKeyManager } from '../../collector/src/keys/data-keys';
import { EnvKeyProvider } from '../../collector/src/keys/env';
import { LocalKeyProvider } from '../../collector/src/keys/local';
import { contentHash } from '../../collector/src/keys/content-hash';
import { envelopeKeyId, open, openRecord, recordKeyId, sealRecord } from '../../collector/src/keys/envelope';
import { receivedDocument } from '../../collector/src/model/content';
import { canonical, promptText, responseText } from '../../collector/src/model/hashed-text';
import { silentLogger } from '../../collector/src/telemetry/logger';
import { sealV1 } from '../helpers/envelope-v1';

const KEY = Buffer.alloc(32, 7);
const target = { tenantId: 'acme', recordId: '0b7c2f5e-3c1d-8a4b-9e2f-1a2b3c4d5e6f', column: 'input_sealed' };

describe('sealed-value envelopes', () => {
  const record = { tenantId: target.tenantId, recordId: target.recordId };
  const fields = { input: 'héllo wörld', system: '', extra: '{"attributes":{"a":"\\n\\n"}}' };

  it('seal a record in one envelope that names its key and opens into the same fields', () => {
    const sealed = sealRecord(KEY, 'dek_abc', fields, record);
    expect(recordKeyId(sealed)).toBe('dek_abc');
    expect(openRecord(KEY, sealed, record)).toEqual(fields);
    expect(sealed.toString('latin1')).not.toContain('wörld');
  });

  it('open into the same fields whatever came before them, large or small, in any script', () => {
    // Fields are written into a buffer reused from record to record: a long record before a
    // short one must leave nothing of itself in the short one's envelope.
    const long = { input: '😀 '.repeat(200_000), output: 'x'.repeat(2_000_000), tools: '\ud800 lone' };
    const short = { input: 'ß', output: '' };
    for (const each of [long, short, fields, long, short] as Record<string, string>[]) {
      const sealed = sealRecord(KEY, 'k', each, record);
      expect(openRecord(KEY, sealed, record)).toEqual({ ...each, tools: each.tools?.replace('\ud800', '\ufffd') });
    }
    expect(sealRecord(KEY, 'k', short, record).length).toBeLessThan(100);
  });

  it('use a fresh nonce each time', () => {
    expect(sealRecord(KEY, 'k', fields, record).equals(sealRecord(KEY, 'k', fields, record))).toBe(false);
  });

  it.each([
    ['another record', { ...record, recordId: '11111111-3c1d-8a4b-9e2f-1a2b3c4d5e6f' }],
    ['another tenant', { ...record, tenantId: 'other' }],
  ])('do not open when moved to %s', (_what, moved) => {
    const sealed = sealRecord(KEY, 'k', fields, record);
    expect(() => openRecord(KEY, sealed, moved)).toThrow('does not open');
  });

  it('do not open with another key, a flipped bit, or a field table that says otherwise', () => {
    const sealed = sealRecord(KEY, 'k', { input: 'prompt', output: 'answer' }, record);
    expect(() => openRecord(Buffer.alloc(32, 8), sealed, record)).toThrow('does not open');
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] ^= 1;
    expect(() => openRecord(KEY, flipped, record)).toThrow('does not open');
    // The table: u8 2 | u8 1 | u8 1 | 'k' | u8 2 | (code, u32 length) x 2. Swapping the codes
    // would hand the prompt to `output` and the answer to `input`.
    const swapped = Buffer.from(sealed);
    const table = 5;
    [swapped[table], swapped[table + 5]] = [swapped[table + 5], swapped[table]];
    expect(() => openRecord(KEY, swapped, record)).toThrow('does not open');
    // A length moved from one field to the other: the same bytes split differently.
    const split = Buffer.from(sealed);
    split.writeUInt32LE(3, table + 1);
    split.writeUInt32LE(9, table + 6);
    expect(() => openRecord(KEY, split, record)).toThrow('does not open');
  });

  it('open version-1 envelopes (one per column) of records written before content_sealed', () => {
    const sealed = sealV1(KEY, 'dek_old', 'old prompt', target);
    expect(envelopeKeyId(sealed)).toBe('dek_old');
    expect(open(KEY, sealed, target)).toBe('old prompt');
    expect(() => open(KEY, sealed, { ...target, column: 'output_sealed' })).toThrow('does not open');
    expect(() => recordKeyId(Buffer.from(sealed, 'base64'))).toThrow('unknown format');
  });
});

describe('content hashes', () => {
  const input = JSON.stringify([
    { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
    { role: 'user', parts: [{ type: 'text', content: 'first question' }] },
    { role: 'assistant', parts: [{ type: 'text', content: 'answer' }] },
    { role: 'user', parts: [{ type: 'text', content: '  What is my balance?\n' }] },
  ]);

  it('hashes the last user message of the prompt, canonicalized', () => {
    expect(promptText(receivedDocument(input))).toBe('What is my balance?');
    expect(promptText(receivedDocument('  raw text  '))).toBe('raw text');
    // Content attributes normalize appends as a last user message of attribute parts are not the prompt.
    const withLeftovers = [
      ...JSON.parse(input),
      { role: 'user', parts: [{ type: 'attribute', key: 'exception.message', value: 'x' }] },
    ];
    expect(promptText(receivedDocument(JSON.stringify(withLeftovers)))).toBe('What is my balance?');
    expect(
      responseText(
        receivedDocument(
          JSON.stringify([
            {
              role: 'assistant',
              parts: [
                { type: 'text', content: 'a' },
                { type: 'tool_call', name: 'f' },
                { type: 'text', content: 'b' },
              ],
            },
          ]),
        ),
      ),
    ).toBe('a\nb');
  });

  it('writes hmac-sha256:v<version>:<hex> under the tenant key, or plain sha256', () => {
    const key = { version: '3', key: Buffer.alloc(32, 1) };
    expect(contentHash('hmac-sha256', 'x', key)).toMatch(/^hmac-sha256:v3:[0-9a-f]{64}$/);
    expect(contentHash('hmac-sha256', 'x', key)).not.toBe(
      contentHash('hmac-sha256', 'x', { version: '3', key: Buffer.alloc(32, 2) }),
    );
    expect(contentHash('sha256', 'x')).toBe('sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
  });

  it('NFC-normalizes, so composed and decomposed accents hash alike', () => {
    const key = { version: '1', key: KEY };
    expect(contentHash('hmac-sha256', promptText(receivedDocument('caf\u00e9')), key)).toBe(
      contentHash('hmac-sha256', promptText(receivedDocument('cafe\u0301')), key),
    );
  });

  it('canonicalizes exactly as NFC and trim would, with or without the pass it skips', () => {
    // Text below U+0300 skips normalization: every such character, alone, before a
    // combining mark, a Hangul vowel or another script, must come out as NFC makes it.
    const after = ['', '\u0301', '\u0327\u0301', '\u0344', '\u1161', '\u212b', ' \u00a0', 'x', '\ud83d\ude00'];
    for (let code = 0; code < 0x300; code++)
      for (const tail of after) {
        for (const text of [` ${String.fromCharCode(code)}${tail} `, `${String.fromCharCode(code)}${tail}A\u030a`])
          expect(canonical(text)).toBe(text.normalize('NFC').trim());
      }
    expect(canonical('\u1100\u1161')).toBe('\uac00');
    expect(canonical('\t cafe\u0301 \n')).toBe('caf\u00e9');
  });
});

describe('local keyring provider', () => {
  it('creates a 0600 keyring, wraps with context binding, rotates while old wraps still open', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kr-')), 'keys', 'keyring.json');
    const provider = new LocalKeyProvider(path, silentLogger);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const dek = Buffer.alloc(32, 9);
    const ctx = { tenant: 'acme', subject: 'alice', key_id: 'dek_1' };
    const wrapped = await provider.wrap(dek, ctx);
    expect(wrapped.kekVersion).toBe('1');
    expect(await provider.unwrap(wrapped, ctx)).toEqual(dek);
    await expect(provider.unwrap(wrapped, { ...ctx, subject: 'bob' })).rejects.toThrow('did not unwrap');
    expect(await provider.rotate()).toEqual({ version: '2', created: true });
    expect(await provider.unwrap(wrapped, ctx)).toEqual(dek);
    const rewrapped = await provider.rewrap(wrapped, ctx);
    expect(rewrapped.kekVersion).toBe('2');
    expect(await new LocalKeyProvider(path, silentLogger).unwrap(rewrapped, ctx)).toEqual(dek);
    expect((await provider.versions()).map((v) => [v.version, v.current])).toEqual([
      ['1', false],
      ['2', true],
    ]);
    expect(readFileSync(path, 'utf8')).not.toContain(dek.toString('base64'));
  });

  it('derives a stable, per-tenant hash key', async () => {
    const provider = new LocalKeyProvider(join(mkdtempSync(join(tmpdir(), 'kr-')), 'keyring.json'), silentLogger);
    const a = await provider.hashKey('acme');
    expect((await provider.hashKey('acme')).key).toEqual(a.key);
    expect((await provider.hashKey('other')).key).not.toEqual(a.key);
  });
});

describe('env provider', () => {
  const b64 = (fill: number): string => Buffer.alloc(32, fill).toString('base64');

  it('reads one key or versioned keys, highest current, and refuses bad material', async () => {
    const provider = new EnvKeyProvider('KEK', 'HASH', { KEK: `1:${b64(1)},2:${b64(2)}` });
    const ctx = { tenant: 't', subject: 's', key_id: 'k' };
    const wrapped = await provider.wrap(Buffer.alloc(32, 5), ctx);
    expect(wrapped.kekVersion).toBe('2');
    expect(await new EnvKeyProvider('KEK', 'HASH', { KEK: `1:${b64(1)},2:${b64(2)}` }).unwrap(wrapped, ctx)).toEqual(
      Buffer.alloc(32, 5),
    );
    expect(() => new EnvKeyProvider('KEK', 'HASH', {})).toThrow('needs KEK');
    expect(() => new EnvKeyProvider('KEK', 'HASH', { KEK: 'c2hvcnQ=' })).toThrow('exactly 32 bytes');
    expect((await provider.rotate()).created).toBe(false);
  });
});

describe('data key manager', () => {
  const provider = new EnvKeyProvider('KEK', 'HASH', { KEK: Buffer.alloc(32, 3).toString('base64') });
  const store = { queryRows: async () => [] as never[] };

  it('one key per tenant and subject, shared by concurrent callers, rotated by use count', async () => {
    const keys = new DataKeyManager(provider, { maxAgeMs: 3_600_000, maxUses: 5, cacheSize: 100 });
    const [a, b] = await Promise.all([keys.sealingKey('acme', 'alice', 1), keys.sealingKey('acme', 'alice', 1)]);
    expect(a.keyId).toBe(b.keyId);
    expect((await keys.sealingKey('acme', 'bob', 1)).keyId).not.toBe(a.keyId);
    expect((await keys.sealingKey('other', 'alice', 1)).keyId).not.toBe(a.keyId);
    expect((await keys.sealingKey('acme', 'alice', 3)).keyId).toBe(a.keyId);
    const rotated = await keys.sealingKey('acme', 'alice', 1);
    expect(rotated.keyId).not.toBe(a.keyId);
    const rows = keys.pendingRows();
    const retired = rows.find((row) => row.key_id === a.keyId);
    expect(retired).toMatchObject({ seals: 5, tenant_id: 'acme', subject: 'alice', provider: 'env', kek_version: '1' });
    expect(retired?.retired_at).not.toBeNull();
    expect(JSON.stringify(rows)).not.toContain(a.key.toString('base64'));
    keys.persisted(rows);
    expect(keys.pendingRows()).toEqual([]);
  });

  it('opens keys from memory, and refuses forgotten ones (erasure)', async () => {
    const keys = new DataKeyManager(provider, { maxAgeMs: 3_600_000, maxUses: 100, cacheSize: 100 });
    const { keyId, key } = await keys.sealingKey('acme', 'alice', 1);
    expect(await keys.openingKey(keyId, 'acme', store, 'ai_audit')).toEqual(key);
    keys.forget('acme', 'alice', [keyId]);
    await expect(keys.openingKey(keyId, 'acme', store, 'ai_audit')).rejects.toThrow('does not exist');
    expect((await keys.sealingKey('acme', 'alice', 1)).keyId).not.toBe(keyId);
  });

  it('unwraps a stored key row when it is not in memory', async () => {
    const writer = new DataKeyManager(provider, { maxAgeMs: 3_600_000, maxUses: 100, cacheSize: 100 });
    const { keyId, key } = await writer.sealingKey('acme', 'carol', 1);
    const [row] = writer.pendingRows();
    const reader = new DataKeyManager(provider, { maxAgeMs: 3_600_000, maxUses: 100, cacheSize: 100 });
    const fromStore = { queryRows: async () => [row] as never[] };
    expect(await reader.openingKey(keyId, 'acme', fromStore, 'ai_audit')).toEqual(key);
  });
});
