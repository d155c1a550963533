import * as grpc from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { JsonLogsSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { BuildContext, ConsumeResult, ExportConsumer } from '../../collector/src/component/component';
import type { LoadedConfig, OtlpReceiverConfig } from '../../collector/src/config/types';
import type { LogsExport } from '../../collector/src/model/logs';
import { CapacityError, RetryLaterError } from '../../collector/src/model/errors';
import type { TraceExport } from '../../collector/src/model/traces';
import { OtlpReceiver } from '../../collector/src/receiver/otlp/receiver';
import { silentLogger } from '../../collector/src/telemetry/logger';
import { MetricsRegistry } from '../../collector/src/telemetry/metrics';
import { typicalGenAiSpan } from '../helpers/otlp-fixtures';

/**
 * The otlp receiver's logs transport, in process: OTLP/HTTP POST /v1/logs (protobuf, JSON,
 * gzip) and OTLP/gRPC LogsService/Export, in front of a fake consumer that records what it
 * is handed, so what is checked is the transport, not the pipeline.
 */

const TOKEN = 'acme-token-4be01f';
const LOGS_EXPORT = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const MiB = 1024 * 1024;

const RECORDS: ReadableLogRecord[] = [
  {
    hrTime: [1_760_000_000, 5],
    hrTimeObserved: [1_760_000_000, 6],
    spanContext: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 },
    body: { 'gen_ai.input.messages': [{ role: 'user', content: 'Where is my order?' }] },
    eventName: 'gen_ai.client.inference.operation.details',
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    instrumentationScope: { name: 'logs-test' },
    attributes: { 'gen_ai.operation.name': 'chat' },
    droppedAttributesCount: 0,
  },
];

const protobufBody = (): Uint8Array => ProtobufLogsSerializer.serializeRequest(RECORDS) as Uint8Array;
const jsonBody = (): Uint8Array => JsonLogsSerializer.serializeRequest(RECORDS) as Uint8Array;

/** Records what it is handed; answers with `result`, or throws `failure`. */
class FakeConsumer implements ExportConsumer {
  logs: { tenantId: string; logs: LogsExport }[] = [];
  traces: { tenantId: string; traces: TraceExport }[] = [];
  open = true;
  result: Partial<ConsumeResult> = {};
  failure: Error | undefined;

  async consume(tenantId: string, traces: TraceExport): Promise<ConsumeResult> {
    this.traces.push({ tenantId, traces });
    return { accepted: traces.spanCount, rejected: 0 };
  }

  async consumeLogs(tenantId: string, logs: LogsExport): Promise<ConsumeResult> {
    if (this.failure) throw this.failure;
    this.logs.push({ tenantId, logs });
    const rejected = this.result.rejected ?? 0;
    return { accepted: logs.recordCount - rejected, rejected, rejectReason: this.result.rejectReason };
  }

  accepting(): boolean {
    return this.open;
  }

  reset(): void {
    this.logs = [];
    this.traces = [];
    this.open = true;
    this.result = {};
    this.failure = undefined;
  }
}

function receiverConfig(rateLimit?: OtlpReceiverConfig['rate_limit']): OtlpReceiverConfig {
  return {
    protocols: {
      grpc: { endpoint: '127.0.0.1:0', insecure: false, max_recv_msg_size_mib: 4 },
      http: { endpoint: '127.0.0.1:0', insecure: false, max_request_body_size: 4 * MiB },
    },
    limits: {
      max_spans_per_request: 100,
      max_attributes_per_span: 128,
      max_events_per_span: 128,
      max_attribute_value_length: MiB,
      max_value_depth: 8,
      max_inflight_size: 64 * MiB,
      max_connections: 64,
      handshake_timeout: 10_000,
      idle_timeout: 60_000,
      request_timeout: 60_000,
      keepalive_time: 30_000,
    },
    auth: {
      tokens: [{ tenant: 'acme', sha256: createHash('sha256').update(TOKEN).digest('hex') }],
      client_certificates: false,
    },
    rate_limit: rateLimit,
  };
}

async function startReceiver(consumer: ExportConsumer, rateLimit?: OtlpReceiverConfig['rate_limit']) {
  const metrics = new MetricsRegistry();
  const context: BuildContext = { id: 'otlp', loaded: {} as LoadedConfig, logger: silentLogger, metrics };
  const receiver = new OtlpReceiver(receiverConfig(rateLimit), context, consumer);
  await receiver.start();
  return { receiver, metrics };
}

/** The Prometheus text of a registry, as the collector's /metrics serves it. */
async function metricsText(metrics: MetricsRegistry): Promise<string> {
  const server: Server = createServer((request, response) =>
    metrics.exporter.getMetricsRequestHandler(request, response),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  } finally {
    server.close();
  }
}

/** A series' value in Prometheus text, 0 when absent. */
function series(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

describe('otlp receiver: logs', () => {
  const consumer = new FakeConsumer();
  let receiver: OtlpReceiver;
  let metrics: MetricsRegistry;
  let client: grpc.Client;
  let base: string;

  beforeAll(async () => {
    ({ receiver, metrics } = await startReceiver(consumer));
    base = `http://${receiver.http!.address}`;
    client = new grpc.Client(receiver.grpc!.address, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await receiver.shutdown(1_000);
  });

  beforeEach(() => consumer.reset());

  const post = (body: Uint8Array, options: { type?: string; token?: string | null; gzip?: boolean } = {}) => {
    const headers: Record<string, string> = { 'content-type': options.type ?? 'application/x-protobuf' };
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
    if (options.gzip) headers['content-encoding'] = 'gzip';
    return fetch(`${base}/v1/logs`, { method: 'POST', headers, body: options.gzip ? gzipSync(body) : body });
  };

  /** One raw unary LogsService/Export call. */
  const exportLogs = (body: Uint8Array, token: string | null = TOKEN) =>
    new Promise<{ error: grpc.ServiceError | null; response?: Buffer }>((resolve) => {
      const metadata = new grpc.Metadata();
      if (token) metadata.set('authorization', `Bearer ${token}`);
      client.makeUnaryRequest(
        LOGS_EXPORT,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(body),
        metadata,
        (error, response) => resolve({ error, response }),
      );
    });

  const onlyRecord = () => {
    expect(consumer.logs).toHaveLength(1);
    expect(consumer.logs[0].tenantId).toBe('acme');
    const { logs } = consumer.logs[0];
    expect(logs.recordCount).toBe(1);
    return logs.resourceLogs[0].scopeLogs[0].logRecords[0];
  };

  it('lists the logs endpoint beside the traces one', () => {
    expect(receiver.endpoints()).toEqual([
      `OTLP/gRPC ${receiver.grpc!.address}`,
      `OTLP/HTTP ${base}/v1/traces`,
      `OTLP/HTTP ${base}/v1/logs`,
    ]);
  });

  it('takes protobuf, JSON and gzip bodies on POST /v1/logs, all decoded alike', async () => {
    const protobuf = await post(protobufBody());
    expect(protobuf.status).toBe(200);
    expect(protobuf.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await protobuf.arrayBuffer()).byteLength).toBe(0);
    const record = onlyRecord();
    expect(record.eventName).toBe('gen_ai.client.inference.operation.details');
    expect(record.traceId).toBe(TRACE_ID);
    expect(record.spanId).toBe(SPAN_ID);
    expect(record.attributes['gen_ai.operation.name']).toBe('chat');
    expect(record.body).toEqual({ 'gen_ai.input.messages': [{ role: 'user', content: 'Where is my order?' }] });
    const fromProtobuf = consumer.logs[0].logs;

    consumer.reset();
    const json = await post(jsonBody(), { type: 'application/json; charset=utf-8' });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(await json.text()).toBe('{}');
    expect(consumer.logs[0].logs).toStrictEqual(fromProtobuf);

    consumer.reset();
    const gzipped = await post(protobufBody(), { gzip: true });
    expect(gzipped.status).toBe(200);
    await gzipped.arrayBuffer();
    expect(consumer.logs[0].logs).toStrictEqual(fromProtobuf);
  });

  it('serves LogsService/Export over gRPC on the trace server', async () => {
    const { error, response } = await exportLogs(protobufBody());
    expect(error).toBeNull();
    expect(response?.length).toBe(0);
    expect(onlyRecord().eventName).toBe('gen_ai.client.inference.operation.details');
    expect(consumer.traces).toEqual([]);
  });

  it('answers a partial success with rejected_log_records in both encodings and over gRPC', async () => {
    consumer.result = { rejected: 1, rejectReason: 'log record names no span' };
    const json = await post(jsonBody(), { type: 'application/json' });
    expect(JSON.parse(await json.text())).toEqual({
      partialSuccess: { rejectedLogRecords: '1', errorMessage: 'log record names no span' },
    });
    const protobuf = await post(protobufBody());
    const decoded = ProtobufLogsSerializer.deserializeResponse(new Uint8Array(await protobuf.arrayBuffer()));
    expect(Number(decoded.partialSuccess?.rejectedLogRecords)).toBe(1);
    expect(decoded.partialSuccess?.errorMessage).toBe('log record names no span');
    const { error, response } = await exportLogs(protobufBody());
    expect(error).toBeNull();
    expect(Number(ProtobufLogsSerializer.deserializeResponse(response!).partialSuccess?.rejectedLogRecords)).toBe(1);
  });

  it('refuses missing or wrong credentials before reading the body: 401 / UNAUTHENTICATED', async () => {
    const before = await metricsText(metrics);
    const missing = await post(protobufBody(), { token: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    await missing.arrayBuffer();
    const wrong = await post(jsonBody(), { type: 'application/json', token: 'not-the-token' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(await wrong.text())).toEqual({ code: 16, message: 'invalid bearer token' });
    expect((await exportLogs(protobufBody(), null)).error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await exportLogs(protobufBody(), 'not-the-token')).error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(consumer.logs).toEqual([]);
    const after = await metricsText(metrics);
    for (const protocol of ['http', 'grpc']) {
      const name = `ai_audit_receiver_requests_total{outcome="unauthenticated",protocol="${protocol}",signal="logs"}`;
      expect(series(after, name) - series(before, name)).toBe(2);
    }
  });

  it('answers 415 for another content type, 404 for another path, 405 for another method', async () => {
    const wrongType = await post(jsonBody(), { type: 'text/plain' });
    expect(wrongType.status).toBe(415);
    await wrongType.text();
    const otherPath = await fetch(`${base}/v1/metrics`, { method: 'POST', body: protobufBody() });
    expect(otherPath.status).toBe(404);
    expect(await otherPath.text()).toContain('logs to POST /v1/logs');
    const get = await fetch(`${base}/v1/logs`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    await get.text();
    expect(consumer.logs).toEqual([]);
  });

  it('refuses malformed bodies: 400 / INVALID_ARGUMENT, naming the field, never the content', async () => {
    const before = await metricsText(metrics);
    const badJson = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: 7, body: { stringValue: 'x' } }] }] }] };
    const json = await post(Buffer.from(JSON.stringify(badJson)), { type: 'application/json' });
    expect(json.status).toBe(400);
    expect(JSON.parse(await json.text())).toEqual({
      code: 3,
      message: 'resourceLogs[0].scopeLogs[0].logRecords[0].eventName: expected a string',
    });
    const truncated = protobufBody().subarray(0, 20);
    const protobuf = await post(truncated);
    expect(protobuf.status).toBe(400);
    expect(protobuf.headers.get('content-type')).toBe('application/x-protobuf');
    await protobuf.arrayBuffer();
    const { error } = await exportLogs(truncated);
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/at byte \d+/);
    expect(consumer.logs).toEqual([]);
    const refused = 'ai_audit_receiver_log_records_total{outcome="refused",reason="malformed_request"}';
    expect(series(await metricsText(metrics), refused) - series(before, refused)).toBe(3);
  });

  it('applies backpressure as for traces: 429 / RESOURCE_EXHAUSTED when full, 503 / UNAVAILABLE to retry', async () => {
    consumer.open = false;
    const closed = await post(protobufBody());
    expect(closed.status).toBe(429);
    expect(closed.headers.get('retry-after')).toMatch(/^\d+$/);
    await closed.arrayBuffer();
    expect((await exportLogs(protobufBody())).error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);

    consumer.reset();
    consumer.failure = new CapacityError('the write-ahead log is full');
    const full = await post(jsonBody(), { type: 'application/json' });
    expect(full.status).toBe(429);
    expect(JSON.parse(await full.text())).toMatchObject({ code: 8 });
    expect((await exportLogs(protobufBody())).error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);

    consumer.failure = new RetryLaterError('an erasure is running');
    const later = await post(protobufBody());
    expect(later.status).toBe(503);
    expect(later.headers.get('retry-after')).toBe('1');
    await later.arrayBuffer();
    const { error } = await exportLogs(protobufBody());
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(error?.details).toBe('an erasure is running');
  });

  it('counts log records and log requests apart from spans, leaving the trace series as they were', async () => {
    const before = await metricsText(metrics);
    const accepted = (text: string) => series(text, 'ai_audit_receiver_log_records_total{outcome="accepted"}');
    expect((await post(protobufBody())).status).toBe(200);
    await exportLogs(protobufBody());
    const traces = await fetch(`${base}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${TOKEN}` },
      body: ProtobufTraceSerializer.serializeRequest([typicalGenAiSpan()]) as Uint8Array,
    });
    expect(traces.status).toBe(200);
    await traces.arrayBuffer();
    expect(consumer.traces).toHaveLength(1);
    expect(consumer.logs).toHaveLength(2);

    const after = await metricsText(metrics);
    expect(accepted(after) - accepted(before)).toBe(2);
    const request = (labels: string) => series(after, `ai_audit_receiver_requests_total{${labels}}`);
    const requestBefore = (labels: string) => series(before, `ai_audit_receiver_requests_total{${labels}}`);
    for (const protocol of ['http', 'grpc']) {
      const labels = `outcome="accepted",protocol="${protocol}",signal="logs"`;
      expect(request(labels) - requestBefore(labels)).toBe(1);
    }
    const traceLabels = 'outcome="accepted",protocol="http"';
    expect(request(traceLabels) - requestBefore(traceLabels)).toBe(1);
    expect(after).toMatch(/^ai_audit_receiver_spans_total\{outcome="accepted"\} 1$/m);
  });
});

describe('otlp receiver: logs under a rate limit', () => {
  it('draws one token per log record from the tenant bucket spans draw on', async () => {
    const consumer = new FakeConsumer();
    const { receiver } = await startReceiver(consumer, { spans_per_second: 0.001, burst: 2 });
    try {
      const post = () =>
        fetch(`http://${receiver.http!.address}/v1/logs`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${TOKEN}` },
          body: protobufBody(),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await post();
        statuses.push(response.status);
        await response.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(consumer.logs).toHaveLength(2);
    } finally {
      await receiver.shutdown(1_000);
    }
  });
});
