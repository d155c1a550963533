import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CollectorProcess, eventually } from '../helpers/collector';
import { freePort } from '../helpers/load';
import { exportSpans, makeSpans } from '../helpers/otel';

/**
 * Attacks on the receivers reproduced against a real collector process: each is refused
 * or harmless. Memory is read from /proc/<pid>/status of the collector.
 */

const TLS = join(__dirname, '../fixtures/tls');
const pem = (name: string): Buffer => readFileSync(join(TLS, `${name}.pem`));
const sha256 = (token: string): string => createHash('sha256').update(token).digest('hex');
const TOKEN = 'acme-token-4be01f';
const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const MiB = 1024 * 1024;
const port = (endpoint: string): number => Number(endpoint.split(':').pop());
const authYaml = `    auth:\n      tokens:\n        - tenant: acme\n          sha256: ${sha256(TOKEN)}`;

function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

const openFiles = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** One raw unary Export call; resolves with its status code. */
function call(client: grpc.Client, body: Buffer, token?: string): Promise<{ code: grpc.status; details: string }> {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      EXPORT,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      (error) => resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: '' }),
    );
  });
}

/** `total` calls, `wave` at a time, spread over `clients` connections. */
async function inWaves(
  total: number,
  wave: number,
  clients: grpc.Client[],
  send: (client: grpc.Client, i: number) => Promise<{ code: grpc.status; details: string }>,
) {
  const results: { code: grpc.status; details: string }[] = [];
  for (let start = 0; start < total; start += wave) {
    const batch = Array.from({ length: Math.min(wave, total - start) }, (_, k) =>
      send(clients[(start + k) % clients.length], start + k),
    );
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

const SPAN = (user: string) =>
  makeSpans([
    {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'user.id': user,
      },
    },
  ]);

describe('gRPC: calls are decided on their metadata, before their message is read', () => {
  const BUDGET_MIB = 32;
  /**
   * Unauthenticated calls never reach the budget: RSS grows by the margin at most
   * (measured 0-3 MiB). Authenticated ones are held to it as their bytes arrive, but a
   * message is held twice for a moment while it is joined from its chunks (grpc-js and the
   * HTTP body reader alike), and refused partial messages are garbage until the next
   * collection: measured 116-138 MiB of growth for this budget (OTLP/HTTP under the same
   * flood: ~128 MiB), against ~600 MiB when the budget is out of reach (1 GiB).
   */
  const MARGIN_MIB = 48;
  let collector: CollectorProcess;
  let clients: grpc.Client[];
  const body = Buffer.alloc(15 * MiB, 0x0a);

  beforeAll(async () => {
    collector = await CollectorProcess.start({
      protocolsYaml: '      grpc:\n        endpoint: 127.0.0.1:0\n        max_recv_msg_size_mib: 16',
      receiverYaml: `${authYaml}\n    limits:\n      max_inflight_size: ${BUDGET_MIB}MiB`,
      processors: ['normalize'],
    });
    clients = Array.from(
      { length: 4 },
      () => new grpc.Client(collector.grpcEndpoint, grpc.credentials.createInsecure()),
    );
  });
  afterAll(async () => {
    for (const client of clients ?? []) client.close();
    await collector?.stop();
  });

  it('answers 120 unauthenticated 15 MiB requests UNAUTHENTICATED, RSS within the budget', async () => {
    const pid = collector.pid as number;
    const before = memoryOf(pid);
    const results = await inWaves(120, 20, clients, (client, i) =>
      call(client, body, i % 2 ? 'wrong-token' : undefined),
    );
    const after = memoryOf(pid);
    const growth = (after.hwm - before.rss) / MiB;
    console.log(
      `unauthenticated flood: RSS ${(before.rss / MiB).toFixed(0)} MiB before, peak ${(after.hwm / MiB).toFixed(0)} MiB (growth ${growth.toFixed(0)} MiB)`,
    );
    expect(results.filter((r) => r.code !== grpc.status.UNAUTHENTICATED)).toEqual([]);
    expect(results[0].details).toMatch(/credentials required|invalid bearer token/);
    expect(growth).toBeLessThan(BUDGET_MIB + MARGIN_MIB);
  }, 120_000);

  it('holds authenticated 15 MiB requests to the in-flight budget: the rest are told to retry', async () => {
    const pid = collector.pid as number;
    const before = memoryOf(pid);
    const results = await inWaves(40, 20, clients, (client) => call(client, body, TOKEN));
    const after = memoryOf(pid);
    const growth = (after.hwm - before.rss) / MiB;
    const admitted = results.filter((r) => r.code === grpc.status.INVALID_ARGUMENT).length;
    console.log(
      `authenticated flood: ${admitted} of ${results.length} admitted; RSS ${(before.rss / MiB).toFixed(0)} MiB before, peak ${(after.hwm / MiB).toFixed(0)} MiB (growth ${growth.toFixed(0)} MiB)`,
    );
    const codes = new Set(results.map((r) => r.code));
    // Garbage protobuf: decoded and refused when admitted; UNAVAILABLE (with RetryInfo) when the
    // budget is spent. How many overlap depends on the machine's load, so only the kinds of
    // answer and the memory are asserted; the log line says how many were admitted.
    expect([...codes].every((code) => code === grpc.status.INVALID_ARGUMENT || code === grpc.status.UNAVAILABLE)).toBe(
      true,
    );
    expect(growth).toBeLessThan(4 * BUDGET_MIB + MARGIN_MIB);
    expect(await collector.sql('SELECT count() AS n FROM ai_audit.records')).toEqual([{ n: 0 }]);
  }, 120_000);
});

describe('connections: idle and half-open sockets cannot use up descriptors or lock exporters out', () => {
  const MAX_CONNECTIONS = 400;
  const HANDSHAKE_S = 3;
  const IDLE_S = 3;
  let collector: CollectorProcess;
  let healthPort: number;

  beforeAll(async () => {
    healthPort = await freePort();
    collector = await CollectorProcess.start({
      receiverYaml: `${authYaml}\n    limits:\n      max_connections: ${MAX_CONNECTIONS}\n      handshake_timeout: ${HANDSHAKE_S}s\n      idle_timeout: ${IDLE_S}s`,
      processors: ['normalize'],
      healthEndpoint: `127.0.0.1:${healthPort}`,
    });
    // The descriptor limit the original attack exhausted: 2,600 sockets would not fit.
    execFileSync('prlimit', ['--pid', String(collector.pid), '--nofile=1024:1024']);
  });
  afterAll(() => collector?.stop());

  it('keeps exporting and answering /health under 2,600 idle connections, and closes them after the handshake timeout', async () => {
    const pid = collector.pid as number;
    const target = port(collector.grpcEndpoint);
    const sockets: Socket[] = [];
    let closed = 0;
    for (let i = 0; i < 2600; i += 200) {
      await Promise.all(
        Array.from(
          { length: 200 },
          (_, k) =>
            new Promise<void>((resolve) => {
              const socket = netConnect(target, '127.0.0.1', () => {
                // Every other socket gets as far as the HTTP/2 preface and stops.
                if ((i + k) % 2) socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
                resolve();
              });
              socket.on('error', () => resolve());
              socket.on('close', () => closed++);
              // Reading is how a client notices the server closed the connection.
              socket.resume();
              sockets.push(socket);
            }),
        ),
      );
    }
    const files = openFiles(pid);
    console.log(
      `2,600 idle connections: collector holds ${files} descriptors (cap ${MAX_CONNECTIONS} per listener, limit 1024)`,
    );
    expect(files).toBeLessThan(MAX_CONNECTIONS + 200);

    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    await exportSpans(new GrpcExporter({ url: `http://${collector.grpcEndpoint}`, metadata }), SPAN('while-flooded'));
    const health = await fetch(`http://127.0.0.1:${healthPort}/health`);
    expect(health.status).toBe(200);
    await eventually(
      async () => (await collector.sql("SELECT 1 FROM ai_audit.records WHERE user_id = 'while-flooded'")).length === 1,
    );

    await eventually(async () => closed === sockets.length, (HANDSHAKE_S + 5) * 1000);
  }, 120_000);

  it('closes an authenticated connection once it has been idle for idle_timeout', async () => {
    const session = http2Connect(`http://${collector.grpcEndpoint}`);
    const closedAt = new Promise<number>((resolve) => session.once('close', () => resolve(Date.now())));
    session.on('error', () => undefined);
    const status = await new Promise<string>((resolve) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': EXPORT,
        'content-type': 'application/grpc',
        te: 'trailers',
        authorization: `Bearer ${TOKEN}`,
      });
      stream.on('trailers', (trailers) => resolve(String(trailers['grpc-status'])));
      stream.on(
        'response',
        (headers) => headers['grpc-status'] !== undefined && resolve(String(headers['grpc-status'])),
      );
      stream.resume();
      // An empty ExportTraceServiceRequest, length-prefixed.
      stream.end(Buffer.alloc(5));
    });
    expect(status).toBe(String(grpc.status.OK));
    const idleFrom = Date.now();
    const closed = await closedAt;
    // Not the handshake timeout: the connection carried an authenticated call, so only idleness closes it.
    expect(closed - idleFrom).toBeGreaterThanOrEqual((IDLE_S - 0.5) * 1000);
    expect(closed - idleFrom).toBeLessThan((IDLE_S + 3) * 1000);
  }, 30_000);

  it('closes idle HTTP connections that never send a request as well', async () => {
    const socket = netConnect(port(collector.httpEndpoint), '127.0.0.1');
    const opened = Date.now();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Date.now() - opened).toBeLessThan((HANDSHAKE_S + 2) * 1000);
  }, 30_000);
});

const tlsBlock = (extra = ''): string =>
  `        tls:\n          cert_file: ${join(TLS, 'server.pem')}\n          key_file: ${join(TLS, 'server-key.pem')}\n${extra}`;
const tlsProtocols = (extra = ''): string =>
  `      grpc:\n        endpoint: 127.0.0.1:0\n${tlsBlock(extra)}      http:\n        endpoint: 127.0.0.1:0\n${tlsBlock(extra)}`;

describe('TLS 1.2: forward-secret AEAD suites only', () => {
  let collector: CollectorProcess;

  beforeAll(async () => {
    collector = await CollectorProcess.start({
      protocolsYaml: tlsProtocols(),
      receiverYaml: '    limits:\n      handshake_timeout: 1s',
      processors: ['normalize'],
    });
  });
  afterAll(() => collector?.stop());

  /** The cipher a TLS 1.2 handshake offering only `cipher` settles on, or the error that ended it. */
  const handshake = (target: number, cipher: string, alpn?: string[]): Promise<string> =>
    new Promise((resolve) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: target,
        ca: pem('ca'),
        servername: 'localhost',
        maxVersion: 'TLSv1.2',
        ciphers: cipher,
        ALPNProtocols: alpn,
      });
      socket.once('secureConnect', () => {
        const negotiated = socket.getCipher().standardName;
        socket.destroy();
        resolve(negotiated);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(`error: ${error.code ?? error.message}`));
    });

  it.each(['grpc', 'http'] as const)(
    '%s: refuses static-RSA AES256-GCM-SHA384, accepts ECDHE-RSA-AES128-GCM-SHA256',
    async (protocol) => {
      const target = port(protocol === 'grpc' ? collector.grpcEndpoint : collector.httpEndpoint);
      const alpn = protocol === 'grpc' ? ['h2'] : undefined;
      expect(await handshake(target, 'AES256-GCM-SHA384', alpn)).toMatch(
        /^error: ERR_SSL_(SSLV3|SSL\/TLS)_ALERT_HANDSHAKE_FAILURE/,
      );
      expect(await handshake(target, 'ECDHE-RSA-AES128-GCM-SHA256', alpn)).toBe(
        'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      );
    },
  );

  it('keeps a TLS connection that carried an authenticated request past the handshake timeout (both receivers)', async () => {
    const session = http2Connect(`https://localhost:${port(collector.grpcEndpoint)}`, { ca: pem('ca') });
    session.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': EXPORT,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('close', () => resolve());
      stream.resume();
      stream.end(Buffer.alloc(5));
    });
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: port(collector.httpEndpoint),
      ca: pem('ca'),
      servername: 'localhost',
    });
    socket.on('error', () => undefined);
    const answered = new Promise((resolve) => socket.once('data', resolve));
    socket.write(
      'POST /v1/traces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    );
    expect(String(await answered)).toMatch(/^HTTP\/1.1 200/);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(session.closed || session.destroyed).toBe(false);
    expect(socket.destroyed).toBe(false);
    session.close();
    socket.destroy();
  });
});

describe('mTLS: a certificate subject that is not a tenant id is refused', () => {
  let collector: CollectorProcess;

  beforeAll(async () => {
    collector = await CollectorProcess.start({
      protocolsYaml: tlsProtocols(`          client_ca_file: ${join(TLS, 'ca.pem')}\n`),
      receiverYaml: '    auth:\n      client_certificates: true',
      processors: ['normalize'],
    });
  });
  afterAll(() => collector?.stop());

  const post = (cert: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ resourceSpans: [] });
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: port(collector.httpEndpoint),
          path: '/v1/traces',
          method: 'POST',
          ca: pem('ca'),
          servername: 'localhost',
          cert: pem(cert),
          key: pem(`${cert}-key`),
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode as number, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it.each([
    ['client-dotdot', '../evil'],
    ['client-space', 'acme corp'],
    ['client-control', 'acme\u0001\nevil'],
  ])('%s (CN %s): UNAUTHENTICATED over gRPC, 401 over HTTP', async (cert, shown) => {
    const client = new grpc.Client(
      `localhost:${port(collector.grpcEndpoint)}`,
      grpc.credentials.createSsl(pem('ca'), pem(`${cert}-key`), pem(cert)),
    );
    const result = await call(client, Buffer.alloc(0));
    client.close();
    expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(result.details).toContain(`subject CN ${JSON.stringify(shown)} is not a tenant id`);
    const response = await post(cert);
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).message).toContain(`subject CN ${JSON.stringify(shown)} is not a tenant id`);
  });

  it('still takes a certificate whose CN is a tenant id', async () => {
    expect((await post('client-acme')).status).toBe(200);
  });
});

describe('token counts beyond UInt32 and the cost computed from them', () => {
  let collector: CollectorProcess;

  beforeAll(async () => {
    collector = await CollectorProcess.start({ processors: ['normalize', 'cost'] });
  });
  afterAll(() => collector?.stop());

  it('stores 5e9 input tokens as unknown (NULL), never wrapped, and costs the span by the same count', async () => {
    const spanOf = (spanId: string, user: string, input?: string) => ({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId,
      name: 'chat gpt-4o',
      startTimeUnixNano: `${Date.now()}000000`,
      attributes: [
        { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
        { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
        { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
        { key: 'user.id', value: { stringValue: user } },
        { key: 'gen_ai.usage.output_tokens', value: { intValue: '1000' } },
        ...(input ? [{ key: 'gen_ai.usage.input_tokens', value: { intValue: input } }] : []),
      ],
    });
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [
            {
              spans: [
                spanOf('eee19b7ec3c1b174', 'huge', '5000000000'),
                spanOf('eee19b7ec3c1b175', 'none'),
                spanOf('eee19b7ec3c1b176', 'max', '4294967295'),
              ],
            },
          ],
        },
      ],
    };
    const response = await fetch(collector.otlpHttpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const rows = await eventually(async () => {
      const r = await collector.sql<{ user_id: string; input_tokens: number | null; cost_usd: number }>(
        'SELECT user_id, input_tokens, cost_usd FROM ai_audit.records ORDER BY user_id',
      );
      return r.length === 3 && r;
    });
    const byUser = Object.fromEntries(rows.map((row) => [row.user_id, row]));
    expect(byUser.huge.input_tokens).toBeNull();
    expect(byUser.huge.cost_usd).toBeCloseTo(0.01, 10);
    expect(byUser.huge.cost_usd).toBe(byUser.none.cost_usd);
    // The largest storable count is kept and billed as is.
    expect(Number(byUser.max.input_tokens)).toBe(4294967295);
    expect(byUser.max.cost_usd).toBeCloseTo((4294967295 * 2.5 + 1000 * 10) / 1e6, 4);
  }, 60_000);
});

describe('/health before the store has answered', () => {
  it('says the store is connecting, not ok, while a server store has never answered', async () => {
    const [healthPort, deadPort] = [await freePort(), await freePort()];
    const collector = await CollectorProcess.start({
      storeYaml: `    endpoint: http://127.0.0.1:${deadPort}\n    timeout: 2s`,
      processors: ['normalize'],
      healthEndpoint: `127.0.0.1:${healthPort}`,
    });
    try {
      const health = (await (await fetch(`http://127.0.0.1:${healthPort}/health`)).json()) as {
        exporters: { clickhouse: { store: string } };
      };
      expect(health.exporters.clickhouse.store).toBe('connecting');
    } finally {
      await collector.stop();
    }
  }, 60_000);

  it('says ok once the embedded store has answered at start', async () => {
    const healthPort = await freePort();
    const collector = await CollectorProcess.start({
      processors: ['normalize'],
      healthEndpoint: `127.0.0.1:${healthPort}`,
    });
    try {
      const health = (await (await fetch(`http://127.0.0.1:${healthPort}/health`)).json()) as {
        exporters: { clickhouse: { store: string } };
      };
      expect(health.exporters.clickhouse.store).toBe('ok');
    } finally {
      await collector.stop();
    }
  }, 60_000);
});
