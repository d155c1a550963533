import { request } from 'node:http';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import {
  ClickHouseError,
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
} from '@clickhouse/client';
import { Store, StoreError } from '../../collector/src/store/client';
import { ClickHouseServer } from '../helpers/clickhouse-server';

/**
 * The ClickHouse test server (test/helpers/clickhouse-server) is faithful enough to test
 * the collector's server path against: the real @clickhouse/client talks to it, the real
 * engine answers, and each fault mode looks to the client like the outage it stands for.
 */

let server: ClickHouseServer;
const clients: ClickHouseClient[] = [];

function client(config: ClickHouseClientConfigOptions = {}): ClickHouseClient {
  // Expected failures are what these tests are about: no client error logs.
  const created = createClient({ url: server.url, log: { level: ClickHouseLogLevel.OFF }, ...config });
  clients.push(created);
  return created;
}

/** Rejection of a promise, for assertions on its fields. */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; type?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; type?: string };
  }
  throw new Error('expected a failure');
}

async function count(table: string): Promise<number> {
  const [row] = await server.query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
  return Number(row.n);
}

/** A raw HTTP exchange, for what the client hides (status, headers, bodies). */
function http(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; auth?: boolean } = {},
) {
  const headers = { ...options.headers };
  if (options.auth !== false)
    headers.Authorization = `Basic ${Buffer.from(`${server.user}:${server.password}`).toString('base64')}`;
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path, method: options.method ?? 'POST', headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end(options.body);
    },
  );
}

beforeAll(async () => {
  server = await ClickHouseServer.start();
  await client().command({ query: 'CREATE DATABASE shim' });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.stop();
});

describe('the HTTP interface, through @clickhouse/client', () => {
  it('answers pings and queries', async () => {
    const ch = client();
    expect(await ch.ping()).toEqual({ success: true });
    expect(await ch.ping({ select: true })).toEqual({ success: true });
    const result = await ch.query({ query: 'SELECT 1 AS one, version() AS v', format: 'JSONEachRow' });
    expect(await result.json()).toEqual([{ one: 1, v: server.version }]);
    expect((await http('/ping', { method: 'GET', auth: false })).body.toString()).toBe('Ok.\n');
  });

  it('creates a MergeTree table with a deduplication window', async () => {
    await client().command({
      query: `CREATE TABLE shim.events (id UInt32, body String)
              ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100`,
    });
    const [table] = await server.query<{ engine: string; create_table_query: string }>(
      "SELECT engine, create_table_query FROM system.tables WHERE database = 'shim' AND name = 'events'",
    );
    expect(table.engine).toBe('MergeTree');
    expect(table.create_table_query).toContain('non_replicated_deduplication_window = 100');
  });

  it('inserts JSONEachRow through exec with a stream and through insert', async () => {
    const ch = client();
    const exec = await ch.exec({
      query: 'INSERT INTO shim.events FORMAT JSONEachRow',
      values: Readable.from([Buffer.from('{"id":1,"body":"one"}\n{"id":2,"body":"two"}\n')], { objectMode: false }),
    });
    exec.stream.resume();
    expect(exec.summary?.written_rows).toBe('2');

    const insert = await ch.insert({ table: 'shim.events', values: [{ id: 3, body: 'three' }], format: 'JSONEachRow' });
    expect(insert.summary?.written_rows).toBe('1');
    expect(await server.query('SELECT id, body FROM shim.events ORDER BY id')).toEqual([
      { id: 1, body: 'one' },
      { id: 2, body: 'two' },
      { id: 3, body: 'three' },
    ]);
  });

  it('deduplicates by insert_deduplication_token, and a token never outlives its request', async () => {
    const ch = client();
    await ch.command({
      query:
        'CREATE TABLE shim.dedup (id UInt32) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100',
    });
    const insert = (ids: number[], token?: string) =>
      ch.insert({
        table: 'shim.dedup',
        values: ids.map((id) => ({ id })),
        format: 'JSONEachRow',
        clickhouse_settings: token === undefined ? {} : { insert_deduplication_token: token },
      });

    await insert([1, 2], 'batch-1');
    await insert([1, 2], 'batch-1'); // a retry of the same batch
    expect(await count('shim.dedup')).toBe(2);
    await insert([1, 2], 'batch-2'); // same rows, another batch: stored
    expect(await count('shim.dedup')).toBe(4);
    // No token: had 'batch-2' stuck to the connection, this would be dropped as its duplicate.
    await insert([3]);
    expect(await count('shim.dedup')).toBe(5);

    // Concurrent requests on pooled keep-alive sockets, tokens interleaved with none.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => insert([100 + i], i % 2 === 0 ? `parallel-${i}` : undefined)),
    );
    expect(await count('shim.dedup')).toBe(25);
  });

  it('binds query_params as the server does, each request its own', async () => {
    const ch = client();
    const text = "it's a\ttab, a\nnewline, a \\ backslash, ünïcode";
    const result = await ch.query({
      query:
        'SELECT {s:String} AS s, {n:UInt64} AS n, {a:Array(String)} AS a, {z:Nullable(String)} AS z, {t:DateTime} AS t',
      format: 'JSONEachRow',
      query_params: { s: text, n: 42, a: ["o'neil", 'x'], z: null, t: new Date('2026-01-02T03:04:05Z') },
      clickhouse_settings: { date_time_output_format: 'iso' },
    });
    // 64-bit integers are JSON numbers: output_format_json_quote_64bit_integers defaults to 0 in this
    // engine's ClickHouse version (older servers quote them).
    expect(await result.json()).toEqual([{ s: text, n: 42, a: ["o'neil", 'x'], z: null, t: '2026-01-02T03:04:05Z' }]);

    const values = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const rs = await ch.query({
          query: 'SELECT {v:String} AS v',
          format: 'JSONEachRow',
          query_params: { v: `value-${i}` },
        });
        return ((await rs.json()) as { v: string }[])[0].v;
      }),
    );
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `value-${i}`));
  });

  it("refuses writes under readonly: '2' (164) and lets the next request write", async () => {
    const ch = client();
    const readonly = { readonly: '2' } as const;
    const insert = await failure(
      ch.insert({
        table: 'shim.events',
        values: [{ id: 10, body: 'no' }],
        format: 'JSONEachRow',
        clickhouse_settings: readonly,
      }),
    );
    expect(insert).toBeInstanceOf(ClickHouseError);
    expect(insert.code).toBe('164');
    expect(insert.type).toBe('READONLY');
    expect((await failure(ch.command({ query: 'DROP TABLE shim.events', clickhouse_settings: readonly }))).code).toBe(
      '164',
    );
    // Reading is fine under readonly, and so is changing other settings (2 allows it).
    const rs = await ch.query({
      query: 'SELECT count() AS n FROM shim.events',
      format: 'JSONEachRow',
      clickhouse_settings: { ...readonly, max_threads: 1 },
    });
    expect(await rs.json()).toEqual([{ n: 3 }]);

    await ch.insert({ table: 'shim.events', values: [{ id: 4, body: 'four' }], format: 'JSONEachRow' });
    expect(await count('shim.events')).toBe(4);
    // GET requests are read-only, as on a server.
    const get = await http(`/?query=${encodeURIComponent('CREATE TABLE shim.nope (a UInt8) ENGINE = Memory')}`, {
      method: 'GET',
    });
    expect(get.status).toBe(500);
    expect(get.headers['x-clickhouse-exception-code']).toBe('164');
  });

  it('reports errors with their code and name', async () => {
    const ch = client();
    const syntax = await failure(ch.command({ query: 'SELECT 1 FROM' }));
    expect(syntax).toBeInstanceOf(ClickHouseError);
    expect([syntax.code, syntax.type]).toEqual(['62', 'SYNTAX_ERROR']);
    // "failed at position 1 (SELEC)": clickhouse-js takes "SELEC" for the type, as with a server.
    expect((await failure(ch.query({ query: 'SELEC 1' }))).code).toBe('62');
    expect([(await failure(ch.query({ query: 'SELECT * FROM shim.missing' }))).code]).toEqual(['60']);
    expect((await failure(ch.command({ query: 'SELECT 1; SELECT 2' }))).message).toContain(
      'Multi-statements are not allowed',
    );
    // The embedded engine's own defaults (implicit_select=1, ...) are not a server's.
    expect((await failure(ch.exec({ query: '1 + 1' }))).code).toBe('62');
    expect(
      (await failure(ch.query({ query: 'SELECT 1', clickhouse_settings: { no_such_setting: 1 } as never }))).code,
    ).toBe('115');
    const data = await failure(ch.insert({ table: 'shim.events', values: [{ id: 'x' }], format: 'JSONEachRow' }));
    expect(data.code).toBe('27');

    const raw = await http('/', { body: 'SELEC 1' });
    expect(raw.status).toBe(400);
    expect(raw.headers['x-clickhouse-exception-code']).toBe('62');
    expect(raw.body.toString()).toMatch(
      /^Code: 62\. DB::Exception: Syntax error: .*\(SYNTAX_ERROR\) \(version [^)]+\)\n$/s,
    );
  });

  it('authenticates: one user, Basic or X-ClickHouse headers, 516 otherwise', async () => {
    const wrong = client({ url: server.url.replace(`:${server.password}@`, ':wrong@') });
    const error = await failure(wrong.query({ query: 'SELECT 1' }));
    expect(error).toBeInstanceOf(ClickHouseError);
    expect([error.code, error.type]).toEqual(['516', 'AUTHENTICATION_FAILED']);

    const denied = await http('/', {
      body: 'SELECT 1',
      auth: false,
      headers: { 'X-ClickHouse-User': server.user, 'X-ClickHouse-Key': 'wrong' },
    });
    expect([denied.status, denied.headers['x-clickhouse-exception-code']]).toEqual([403, '516']);
    const allowed = await http('/', {
      body: "SELECT currentUser() != ''",
      auth: false,
      headers: { 'X-ClickHouse-User': server.user, 'X-ClickHouse-Key': server.password },
    });
    expect([allowed.status, allowed.body.toString()]).toEqual([200, '1\n']);
    const mixed = await http('/', {
      body: 'SELECT 1',
      headers: { 'X-ClickHouse-User': server.user, 'X-ClickHouse-Key': server.password },
    });
    expect(mixed.body.toString()).toContain(
      'not allowed to use X-ClickHouse HTTP headers and Authorization HTTP header simultaneously',
    );
  });

  it('sends the response headers clients read', async () => {
    const select = await http('/?query_id=q-1&default_format=JSONEachRow', { body: 'SELECT 1 AS a' });
    expect(select.headers['x-clickhouse-query-id']).toBe('q-1');
    expect(select.headers['x-clickhouse-format']).toBe('JSONEachRow');
    expect(select.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(String(select.headers['x-clickhouse-summary']))).toMatchObject({
      result_rows: '1',
      written_rows: '0',
    });
    expect(select.body.toString()).toBe('{"a":1}\n');

    const insert = await http(`/?query=${encodeURIComponent('INSERT INTO shim.events FORMAT JSONEachRow')}`, {
      body: '{"id":5,"body":"five"}\n{"id":6,"body":"six"}',
    });
    expect(insert.status).toBe(200);
    expect(JSON.parse(String(insert.headers['x-clickhouse-summary']))).toMatchObject({ written_rows: '2' });
  });

  it('compresses both ways when asked', async () => {
    const ch = client({ compression: { request: true, response: true } });
    await ch.insert({ table: 'shim.events', values: [{ id: 7, body: 'seven' }], format: 'JSONEachRow' });
    const rs = await ch.query({ query: 'SELECT body FROM shim.events WHERE id = 7', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ body: 'seven' }]);

    const raw = await http('/?enable_http_compression=1', {
      body: 'SELECT 42',
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toBe('42\n');
    const plain = await http('/?enable_http_compression=0', {
      body: 'SELECT 42',
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect([plain.headers['content-encoding'], plain.body.toString()]).toEqual([undefined, '42\n']);
  });
});

describe('fault modes, as the client sees them', () => {
  afterEach(async () => {
    await server.setMode('ok');
  });

  it('refuse: connections refused, then the same client recovers', async () => {
    const ch = client();
    await ch.ping();
    await server.setMode('refuse');
    expect((await failure(ch.query({ query: 'SELECT 1' }))).code).toBe('ECONNREFUSED');
    expect((await ch.ping()).success).toBe(false);
    await server.setMode('ok');
    expect(await (await ch.query({ query: 'SELECT 1 AS x', format: 'JSONEachRow' })).json()).toEqual([{ x: 1 }]);
  });

  it('error: every query fails with a retryable server error; /ping still answers', async () => {
    const ch = client();
    await server.setMode('error');
    const error = await failure(ch.query({ query: 'SELECT 1' }));
    expect(error).toBeInstanceOf(ClickHouseError);
    expect([error.code, error.type]).toEqual(['202', 'TOO_MANY_SIMULTANEOUS_QUERIES']);
    expect(
      (await failure(ch.insert({ table: 'shim.events', values: [{ id: 8, body: 'x' }], format: 'JSONEachRow' }))).code,
    ).toBe('202');
    expect((await ch.ping()).success).toBe(true);
  });

  it('reject-inserts: inserts fail (242), reads work', async () => {
    const ch = client();
    await server.setMode('reject-inserts');
    const before = await count('shim.events');
    const error = await failure(
      ch.insert({ table: 'shim.events', values: [{ id: 9, body: 'x' }], format: 'JSONEachRow' }),
    );
    expect([error.code, error.type]).toEqual(['242', 'TABLE_IS_READ_ONLY']);
    expect(
      await (await ch.query({ query: 'SELECT count() AS n FROM shim.events', format: 'JSONEachRow' })).json(),
    ).toEqual([{ n: before }]);
    expect(await count('shim.events')).toBe(before);
  });

  it('hang: requests are never answered, the client times out', async () => {
    const ch = client({ request_timeout: 300 });
    await server.setMode('hang');
    const started = Date.now();
    expect((await failure(ch.query({ query: 'SELECT 1' }))).message).toMatch(/Timeout error/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await server.stats()).faulted).toBeGreaterThan(0);
  });

  it('reset: connections are reset mid-request', async () => {
    const ch = client();
    await server.setMode('reset');
    expect(
      (await failure(ch.insert({ table: 'shim.events', values: [{ id: 9, body: 'x' }], format: 'JSONEachRow' }))).code,
    ).toBe('ECONNRESET');
    expect((await failure(ch.query({ query: 'SELECT 1' }))).code).toBe('ECONNRESET');
  });
});

describe("the collector's Store against a server", () => {
  let store: Store;

  beforeAll(async () => {
    store = await Store.open({ kind: 'server', url: new URL(server.url) }, { database: 'ai_audit', timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('runs commands, inserts JSON rows with deduplication, reads rows and text', async () => {
    expect(await store.ping()).toBe(true);
    await store.command('CREATE DATABASE IF NOT EXISTS ai_audit');
    await store.command(
      'CREATE TABLE ai_audit.records (id UInt32, note String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 1000',
    );
    const batch = '{"id":1,"note":"a"}\n{"id":2,"note":"b"}\n';
    await store.insertJsonRows('ai_audit.records', batch, { insert_deduplication_token: 'wal-0-2' });
    await store.insertJsonRows('ai_audit.records', batch, { insert_deduplication_token: 'wal-0-2' });
    await store.insertJsonRows('ai_audit.records', '{"id":3,"note":"c"}\n');

    expect(
      await store.queryRows<{ id: number; note: string }>(
        'SELECT id, note FROM ai_audit.records WHERE id >= {from:UInt32} ORDER BY id',
        { from: 2 },
      ),
    ).toEqual([
      { id: 2, note: 'b' },
      { id: 3, note: 'c' },
    ]);
    expect(await store.queryText('SELECT id, note FROM ai_audit.records ORDER BY id', 'CSV')).toBe(
      '1,"a"\n2,"b"\n3,"c"\n',
    );
  });

  it('maps server errors and outages to StoreError', async () => {
    const syntax = await failure(store.command('CREAT TABLE x'));
    expect(syntax).toBeInstanceOf(StoreError);
    expect((syntax as StoreError).code).toBe(62);

    const readOnly = await Store.open(
      { kind: 'server', url: new URL(server.url) },
      { database: 'ai_audit', readOnly: true, timeoutMs: 5_000 },
    );
    try {
      expect(
        ((await failure(readOnly.insertJsonRows('ai_audit.records', '{"id":9,"note":"z"}\n'))) as StoreError).code,
      ).toBe(164);
      expect(await readOnly.queryRows('SELECT count() AS n FROM ai_audit.records')).toEqual([{ n: 3 }]);
    } finally {
      await readOnly.close();
    }

    await server.setMode('reject-inserts');
    try {
      expect(
        ((await failure(store.insertJsonRows('ai_audit.records', '{"id":9,"note":"z"}\n'))) as StoreError).code,
      ).toBe(242);
      await server.setMode('refuse');
      expect(await store.ping()).toBe(false);
      const refused = await failure(store.queryRows('SELECT 1'));
      expect(refused).toBeInstanceOf(StoreError);
      expect((refused as StoreError).code).toBeUndefined();
    } finally {
      await server.setMode('ok');
    }
    expect(await store.ping()).toBe(true);
    expect(await count('ai_audit.records')).toBe(3);
  });
});
