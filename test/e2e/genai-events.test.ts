/**
 * GenAI events sent as OTLP log records, through the official OpenTelemetry log exporters
 * (HTTP/JSON, HTTP/protobuf, gRPC), reach a real collector and join the record of the span
 * they name, whichever comes first, across a hard kill, or are stored on their own after the
 * wait. Nothing of their content, and no canary placed in a log body or an unknown key, is
 * ever on disk or in a table in clear.
 */
import { context, ROOT_CONTEXT, SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import type { AnyValueMap, LogBody } from '@opentelemetry/api-logs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as HttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as HttpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordExporter, type SdkLogRecord } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CollectorProcess, eventually, filesContaining, runCli } from '../helpers/collector';
import { freePort } from '../helpers/load';
import { createExporter, exportSpans } from '../helpers/otel';

const OFFICIAL = '@opentelemetry/instrumentation-openai';
const CANARY = 'CANARY-logbody-7f3a';
const RESOURCE = resourceFromAttributes({ 'service.name': 'events-app' });
const prompt = (name: string): string => `${name}: mail the invoice to ${name}@example.com`;

type LogKind = 'http-json' | 'http-proto' | 'grpc';

function logExporter(kind: LogKind, collector: CollectorProcess): LogRecordExporter {
  switch (kind) {
    case 'grpc':
      return new GrpcLogExporter({ url: `http://${collector.grpcEndpoint}` });
    case 'http-json':
      return new HttpJsonLogExporter({ url: collector.otlpLogsUrl });
    case 'http-proto':
      return new HttpProtoLogExporter({ url: collector.otlpLogsUrl });
  }
}

/** Log records as the instrumentation emits them, inside the span's context. */
function events(
  span: SpanContext,
  emitted: { eventName?: string; attributes?: AnyValueMap; body?: LogBody }[],
): SdkLogRecord[] {
  const kept: SdkLogRecord[] = [];
  const provider = new LoggerProvider({
    resource: RESOURCE,
    processors: [
      {
        onEmit: (record: SdkLogRecord) => void kept.push(record),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  const logger = provider.getLogger(OFFICIAL, '0.21.0');
  const inSpan = trace.setSpanContext(ROOT_CONTEXT, span);
  for (const record of emitted) logger.emit({ ...record, context: inSpan });
  return kept;
}

function exportLogs(exporter: LogRecordExporter, records: SdkLogRecord[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(records, (result) => (result.code === 0 ? resolve() : reject(result.error ?? new Error('failed')))),
  );
}

/** The official instrumentation's message events for one chat, the choice with an unknown key. */
function chatEvents(span: SpanContext, name: string) {
  return events(span, [
    {
      attributes: { 'event.name': 'gen_ai.system.message', 'gen_ai.system': 'openai' },
      body: { content: 'Be brief.' },
    },
    { attributes: { 'event.name': 'gen_ai.user.message', 'gen_ai.system': 'openai' }, body: { content: prompt(name) } },
    {
      attributes: { 'event.name': 'gen_ai.choice', 'gen_ai.system': 'openai', 'vendor.unknown_key': CANARY },
      body: { index: 0, finish_reason: 'stop', message: { content: 'Done.' }, unknown_field: CANARY },
    },
    // A v1.37+ event with a body nobody reads: sealed with the rest.
    { eventName: 'gen_ai.client.inference.operation.details', body: `note ${CANARY}` },
    // Not a GenAI event: counted and dropped.
    { attributes: { 'event.name': 'app.cache_miss' }, body: `unrelated ${CANARY}` },
  ]);
}

class Keep implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush = (): Promise<void> => Promise.resolve();
  shutdown = (): Promise<void> => Promise.resolve();
}

/** A chat span with no messages on it, of the official instrumentation unless `scope` says otherwise. */
function chatSpan(user: string, scope = OFFICIAL): ReadableSpan {
  const keep = new Keep();
  const tracer = new BasicTracerProvider({ resource: RESOURCE, spanProcessors: [keep] }).getTracer(scope, '0.21.0');
  const span = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.input_tokens': 21,
        'gen_ai.usage.output_tokens': 2,
        'gen_ai.response.finish_reasons': ['stop'],
        'user.id': user,
      },
    },
    context.active(),
  );
  span.end();
  return keep.spans[0];
}

interface Row {
  record_id: string;
  span_id: string;
  user_id: string;
  prompt_hash: string;
  violations: string[];
  input_tokens: number | null;
  finish_reasons: string[];
  content_sealed: string;
  attributes: Record<string, string>;
}

async function recordsOf(collector: CollectorProcess, spanId: string, count = 1): Promise<Row[]> {
  return eventually(async () => {
    const rows = await collector.sql<Row>(
      `SELECT record_id, span_id, user_id, prompt_hash, violations, input_tokens, finish_reasons, base64Encode(content_sealed) AS content_sealed, attributes
       FROM ai_audit.records WHERE span_id = '${spanId}' ORDER BY record_id`,
    );
    return rows.length >= count && rows;
  });
}

async function decrypted(collector: CollectorProcess, recordId: string): Promise<Record<string, unknown>> {
  const { stdout, code } = await runCli([
    'show',
    recordId,
    '--decrypt',
    '--reason',
    'events check',
    '--config',
    collector.configPath,
  ]);
  expect(code).toBe(0);
  const content = JSON.parse(stdout).content as Record<string, string>;
  return Object.fromEntries(Object.entries(content).map(([field, text]) => [field, JSON.parse(text)]));
}

async function hashOf(collector: CollectorProcess, text: string): Promise<string> {
  const { stdout } = await runCli(['hash', '--tenant', 'default', text, '--config', collector.configPath]);
  return stdout.trim();
}

let collector: CollectorProcess;
const dir = CollectorProcess.newDir();
let metricsPort: number;
const options = () => ({ joinYaml: '  join:\n    wait: 3s', metricsAddress: `127.0.0.1:${metricsPort}` });

beforeAll(async () => {
  metricsPort = await freePort();
  collector = await CollectorProcess.start(options(), dir);
}, 60_000);

afterAll(async () => {
  await collector?.stop();
});

describe.each<[LogKind, string]>([
  ['http-json', 'events first'],
  ['http-proto', 'span first'],
  ['grpc', 'events first'],
  ['http-json', 'span first, from a tracer of its own'],
])('GenAI events over %s, %s', (kind, order) => {
  const name = `${kind}-${order.replace(/\W+/g, '-')}`;
  let row: Row;

  beforeAll(async () => {
    const span = chatSpan(`user-${name}`, order.includes('its own') ? 'shop-backend' : OFFICIAL);
    const sendEvents = (): Promise<void> =>
      exportLogs(logExporter(kind, collector), chatEvents(span.spanContext(), name));
    const sendSpan = (): Promise<void> => exportSpans(createExporter('http-json', collector), [span]);
    if (order.startsWith('events first')) await sendEvents().then(sendSpan);
    else await sendSpan().then(sendEvents);
    [row] = await recordsOf(collector, span.spanContext().spanId);
  }, 60_000);

  it('join the span’s record: one record, with the span’s user and tokens', async () => {
    expect(row).toMatchObject({ user_id: `user-${name}`, input_tokens: 21, finish_reasons: ['stop'] });
    expect(row.attributes['ai_audit.events_only']).toBeUndefined();
    expect(await recordsOf(collector, row.span_id)).toHaveLength(1);
  });

  it('are hashed, classified and sealed as the record’s content', async () => {
    expect(row.prompt_hash).toBe(await hashOf(collector, prompt(name)));
    expect(row.violations).toContain('pii:email');
    const content = await decrypted(collector, row.record_id);
    expect(content.input).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      { role: 'user', parts: [{ type: 'text', content: prompt(name) }] },
    ]);
    expect(content.output).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Done.' }], finish_reason: 'stop' },
    ]);
    expect(JSON.stringify(content.extra)).toContain(CANARY);
  });
});

describe('GenAI events and the collector’s life', () => {
  it('join a span that comes after the collector was killed while they waited', async () => {
    const span = chatSpan('user-killed');
    await exportLogs(logExporter('http-proto', collector), chatEvents(span.spanContext(), 'killed'));
    await collector.stop('SIGKILL');
    collector = await CollectorProcess.start(options(), dir);
    await exportSpans(createExporter('grpc', collector), [span]);
    const [row] = await recordsOf(collector, span.spanContext().spanId);
    expect(row.user_id).toBe('user-killed');
    expect(row.prompt_hash).toBe(await hashOf(collector, prompt('killed')));
  }, 60_000);

  it('are stored on their own when their span never comes, marked so', async () => {
    const span = chatSpan('user-never');
    await exportLogs(logExporter('http-json', collector), chatEvents(span.spanContext(), 'never'));
    const [row] = await recordsOf(collector, span.spanContext().spanId);
    expect(row.attributes['ai_audit.events_only']).toBe('true');
    expect(row).toMatchObject({ user_id: '', violations: ['pii:email'] });
    expect(row.prompt_hash).toBe(await hashOf(collector, prompt('never')));
    expect((await decrypted(collector, row.record_id)).input).toHaveLength(2);
  }, 30_000);

  it('count log records that are not GenAI events as dropped', async () => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    const text = await response.text();
    expect(text).toMatch(/ai_audit_receiver_log_records_total\{[^}]*outcome="dropped"[^}]*\} [1-9]/);
    expect(text).toMatch(/ai_audit_join_records_total\{[^}]*outcome="joined"[^}]*\} [1-9]/);
  });

  it('leave no canary and no prompt in clear on disk or in any table', async () => {
    await collector.stop();
    for (const needle of [CANARY, 'mail the invoice to', '@example.com'])
      expect(filesContaining(dir, needle)).toEqual([]);
    collector = await CollectorProcess.start(options(), dir);
    const tables = await collector.sql<{ name: string }>(`SELECT name FROM system.tables WHERE database = 'ai_audit'`);
    expect(tables.length).toBeGreaterThan(3);
    for (const { name } of tables) {
      const rows = await collector.sql(`SELECT * FROM ai_audit.${name}`);
      expect({ name, found: JSON.stringify(rows).includes(CANARY) }).toEqual({ name, found: false });
    }
  }, 60_000);
});
