import * as grpc from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { collectorConfig, CollectorProcess, eventually, runCli } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

const TLS = join(__dirname, '../fixtures/tls');
const pem = (name: string): Buffer => readFileSync(join(TLS, `${name}.pem`));
const sha256 = (token: string): string => createHash('sha256').update(token).digest('hex');
const ACME_TOKEN = 'acme-token-6f1d2c';
const GLOBEX_TOKEN = 'globex-token-93ab7e';

/** Receivers as given, the normalize processor only: these tests are about who gets in. */
function config(protocolsYaml: string, receiverYaml = ''): string {
  return collectorConfig({ protocolsYaml, receiverYaml, processors: ['normalize'] });
}

const tlsBlock = (extra = ''): string => `        tls:
          cert_file: ${join(TLS, 'server.pem')}
          key_file: ${join(TLS, 'server-key.pem')}
${extra}`;

const span = (user: string, claimedTenant?: string) =>
  makeSpans([
    {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'user.id': user,
        ...(claimedTenant ? { 'ai_audit.tenant_id': claimedTenant } : {}),
      },
    },
  ]);

/** The TLS version a handshake settles on, or the error that ended it. */
function handshake(
  port: number,
  version: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3',
  options: { cert?: Buffer; key?: Buffer; alpn?: string[] } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      ca: pem('ca'),
      servername: 'localhost',
      minVersion: version,
      maxVersion: version,
      // OpenSSL 3 will not even offer TLS 1.1 at its default security level.
      ciphers: version === 'TLSv1.1' ? 'DEFAULT@SECLEVEL=0' : undefined,
      ALPNProtocols: options.alpn,
      cert: options.cert,
      key: options.key,
    });
    socket.once('secureConnect', () => {
      const negotiated = socket.getProtocol() ?? 'unknown';
      socket.destroy();
      resolve(negotiated);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(`error: ${error.code ?? error.message}`));
  });
}

function post(
  port: number,
  body: Buffer,
  headers: Record<string, string>,
  tls: { cert?: Buffer; key?: Buffer } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        ca: pem('ca'),
        servername: 'localhost',
        headers: { 'content-type': 'application/json', ...headers },
        ...tls,
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode as number, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const port = (endpoint: string): number => Number(endpoint.split(':').pop());
const JSON_BODY = Buffer.from(
  JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                name: 'chat x',
                startTimeUnixNano: `${Date.now()}000000`,
                attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
              },
            ],
          },
        ],
      },
    ],
  }),
);

describe('transport security: TLS on both receivers', () => {
  let collector: CollectorProcess;

  beforeAll(async () => {
    collector = await CollectorProcess.start({
      configText: config(
        `      grpc:\n        endpoint: 127.0.0.1:0\n${tlsBlock()}      http:\n        endpoint: 127.0.0.1:0\n${tlsBlock()}`,
      ),
    });
  });
  afterAll(() => collector?.stop());

  it.each(['http', 'grpc'] as const)('%s: refuses TLS 1.1, accepts 1.2 and 1.3', async (protocol) => {
    const target = port(protocol === 'http' ? collector.httpEndpoint : collector.grpcEndpoint);
    const alpn = protocol === 'grpc' ? ['h2'] : undefined;
    expect(await handshake(target, 'TLSv1.1', { alpn })).toMatch(
      /^error: ERR_SSL_(TLSV1_ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL)/,
    );
    expect(await handshake(target, 'TLSv1.2', { alpn })).toBe('TLSv1.2');
    expect(await handshake(target, 'TLSv1.3', { alpn })).toBe('TLSv1.3');
  });

  it('takes exports from the official gRPC exporter over TLS and OTLP/HTTP over https', async () => {
    const exporter = new GrpcExporter({
      url: `https://localhost:${port(collector.grpcEndpoint)}`,
      credentials: grpc.credentials.createSsl(pem('ca')),
    });
    await exportSpans(exporter, span('tls-grpc'));
    expect((await post(port(collector.httpEndpoint), JSON_BODY, {})).status).toBe(200);
    await eventually(
      async () => (await collector.sql("SELECT 1 FROM ai_audit.records WHERE user_id = 'tls-grpc'")).length === 1,
    );
  });

  it('refuses plain text on a TLS port', async () => {
    await expect(fetch(`http://${collector.httpEndpoint}/v1/traces`, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});

describe('mutual TLS: the client certificate is the credential', () => {
  let collector: CollectorProcess;

  beforeAll(async () => {
    const mtls = `          client_ca_file: ${join(TLS, 'ca.pem')}\n`;
    collector = await CollectorProcess.start({
      configText: config(
        `      grpc:\n        endpoint: 127.0.0.1:0\n${tlsBlock(mtls)}      http:\n        endpoint: 127.0.0.1:0\n${tlsBlock(mtls)}`,
        '    auth:\n      client_certificates: true',
      ),
    });
  });
  afterAll(() => collector?.stop());

  it('requires a certificate from the configured CA, and takes the tenant from its subject', async () => {
    const httpPort = port(collector.httpEndpoint);
    await expect(post(httpPort, JSON_BODY, {})).rejects.toThrow();
    await expect(
      post(httpPort, JSON_BODY, {}, { cert: pem('client-rogue'), key: pem('client-rogue-key') }),
    ).rejects.toThrow();
    expect(
      (await post(httpPort, JSON_BODY, {}, { cert: pem('client-acme'), key: pem('client-acme-key') })).status,
    ).toBe(200);

    const exporter = new GrpcExporter({
      url: `https://localhost:${port(collector.grpcEndpoint)}`,
      credentials: grpc.credentials.createSsl(pem('ca'), pem('client-acme-key'), pem('client-acme')),
    });
    await exportSpans(exporter, span('mtls-user'));
    const rows = await eventually(async () => {
      const r = await collector.sql("SELECT tenant_id FROM ai_audit.records WHERE user_id = 'mtls-user'");
      return r.length === 1 && r;
    });
    expect(rows).toEqual([{ tenant_id: 'acme' }]);
    const withoutCert = new GrpcExporter({
      url: `https://localhost:${port(collector.grpcEndpoint)}`,
      credentials: grpc.credentials.createSsl(pem('ca')),
    });
    await expect(exportSpans(withoutCert, span('no-cert'))).rejects.toBeDefined();
  });
});

describe('authentication and tenants: bearer tokens', () => {
  let collector: CollectorProcess;

  beforeAll(async () => {
    collector = await CollectorProcess.start({
      configText: config(
        '      grpc:\n        endpoint: 127.0.0.1:0\n      http:\n        endpoint: 127.0.0.1:0',
        `    auth:\n      tokens:\n        - tenant: acme\n          sha256: ${sha256(ACME_TOKEN)}\n        - tenant: globex\n          sha256: ${sha256(GLOBEX_TOKEN)}\n    rate_limit:\n      spans_per_second: 1\n      burst: 3`,
      ),
    });
  });
  afterAll(() => collector?.stop());

  it('answers 401 / UNAUTHENTICATED to missing and wrong tokens, and stores nothing', async () => {
    const url = collector.otlpHttpUrl;
    const missing = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON_BODY,
    });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await missing.json()).toEqual({
      code: 16,
      message: 'credentials required (Authorization: Bearer <token>, or a client certificate)',
    });
    const wrong = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: JSON_BODY,
    });
    expect(wrong.status).toBe(401);
    await expect(
      exportSpans(createExporter('http-proto', collector, { authorization: 'Bearer nope' }), span('wrong-token')),
    ).rejects.toBeDefined();
    const grpcError = await new Promise<grpc.ServiceError | null>((resolve) => {
      const client = new grpc.Client(collector.grpcEndpoint, grpc.credentials.createInsecure());
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (error) => {
          client.close();
          resolve(error);
        },
      );
    });
    expect(grpcError?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(await collector.sql('SELECT count() AS n FROM ai_audit.records')).toEqual([{ n: 0 }]);
  });

  it('takes the tenant from the token, never from span attributes', async () => {
    await exportSpans(
      createExporter('http-proto', collector, { authorization: `Bearer ${ACME_TOKEN}` }),
      span('acme-user', 'globex'),
    );
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${GLOBEX_TOKEN}`);
    const grpcExporter = new GrpcExporter({ url: `http://${collector.grpcEndpoint}`, metadata });
    await exportSpans(grpcExporter, span('globex-user'));
    const rows = await eventually(async () => {
      const r = await collector.sql(
        "SELECT user_id, tenant_id, attributes['ai_audit.tenant_id'] AS claimed FROM ai_audit.records ORDER BY user_id",
      );
      return r.length === 2 && r;
    });
    expect(rows).toEqual([
      { user_id: 'acme-user', tenant_id: 'acme', claimed: 'globex' },
      { user_id: 'globex-user', tenant_id: 'globex', claimed: '' },
    ]);
  });

  it('limits each tenant to its span rate: 429 with Retry-After, RESOURCE_EXHAUSTED with RetryInfo', async () => {
    const send = () =>
      fetch(collector.otlpHttpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${GLOBEX_TOKEN}` },
        body: JSON_BODY,
      });
    let limited: Response | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const response = await send();
      if (response.status === 429) limited = response;
    }
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    const details = await new Promise<grpc.ServiceError | null>((resolve) => {
      const client = new grpc.Client(collector.grpcEndpoint, grpc.credentials.createInsecure());
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${GLOBEX_TOKEN}`);
      const request = makeSpansRequest();
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        metadata,
        (error) => {
          client.close();
          resolve(error);
        },
      );
    });
    expect(details?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const statusBin = details?.metadata.get('grpc-status-details-bin')[0] as Buffer;
    expect(statusBin.toString('latin1')).toContain('type.googleapis.com/google.rpc.RetryInfo');
    // Another tenant is not affected by globex's limit.
    await exportSpans(
      createExporter('http-json', collector, { authorization: `Bearer ${ACME_TOKEN}` }),
      span('acme-again'),
    );
  });
});

/** A protobuf ExportTraceServiceRequest with several GenAI spans, to exceed a small rate. */
function makeSpansRequest(): Buffer {
  const spans = makeSpans(Array.from({ length: 5 }, () => ({ attributes: { 'gen_ai.operation.name': 'chat' } })));
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
}

describe('plain text only on loopback', () => {
  it('refuses to listen without TLS on a non-loopback address', async () => {
    const dir = CollectorProcess.newDir();
    writeFileSync(join(dir, 'otel-config.yaml'), config('      http:\n        endpoint: 0.0.0.0:0'));
    const result = await runCli(['start', '--config', join(dir, 'otel-config.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'ai-audit start: invalid configuration: receivers.otlp.protocols.http: plain-text listening on 0.0.0.0:0 is refused; configure tls (cert_file, key_file) or set insecure: true\n',
    );
  });

  it('allows it with insecure: true, and says so at start', async () => {
    const collector = await CollectorProcess.start({
      configText: config('      http:\n        endpoint: 0.0.0.0:0\n        insecure: true'),
    });
    try {
      expect(
        collector.logs.some((line) =>
          line.includes('INSECURE: receivers.otlp.protocols.http listens on 0.0.0.0:0 without TLS'),
        ),
      ).toBe(true);
    } finally {
      await collector.stop();
    }
  });
});
