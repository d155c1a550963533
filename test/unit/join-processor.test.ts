import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Components, Exporter, Factory, RecordBatch } from '../../collector/src/component/component';
import { components } from '../../collector/src/components';
import { parseConfigText } from '../../collector/src/config';
import type { LogsExport, LogRecord } from '../../collector/src/model/logs';
import { EVENTS_ONLY, type AuditRecord } from '../../collector/src/model/record';
import type { AnyValue } from '../../collector/src/model/traces';
import type { JoinProcessor } from '../../collector/src/processor/join';
import type { ProtectProcessor } from '../../collector/src/processor/protect';
import { buildPipelines, type Pipeline } from '../../collector/src/service/pipelines';
import { silentLogger } from '../../collector/src/telemetry/logger';
import { MetricsRegistry } from '../../collector/src/telemetry/metrics';
import { filesContaining } from '../helpers/collector';
import { attributes, span, traceExport } from '../helpers/spans';

/**
 * The join processor in a real pipeline (normalize, join, protect: real keys, a real sealed
 * journal on disk) in front of an exporter that keeps what it is given: GenAI events sent as
 * log records and the span they name become one record, whichever comes first, across a
 * restart, and alone after the wait.
 */

const OFFICIAL = '@opentelemetry/instrumentation-openai';
const PROMPT = 'send the Paris forecast to jane.doe@example.com';

/** Keeps every batch, or refuses while `refusing`. */
class KeepingExporter implements Exporter {
  readonly records: AuditRecord[] = [];
  refusing = false;
  async consume(batch: RecordBatch): Promise<void> {
    if (batch.records.length === 0) return;
    if (this.refusing) throw new Error('store refuses');
    this.records.push(...batch.records);
  }
  ready = (): boolean => true;
  accepting = (): boolean => true;
}

let exporter: KeepingExporter;
const keeping: Factory<Exporter> = {
  type: 'keep',
  configSchema: { type: 'object' },
  create: () => exporter,
};
const COMPONENTS: Components = { ...components, exporters: { ...components.exporters, keep: keeping } };

function configText(dir: string, wait: string, maxHeld = 100_000): string {
  return `
receivers:
  otlp:
    protocols:
      grpc:
processors:
  normalize:
  join:
    wait: ${wait}
    span_wait: ${wait}
    max_held: ${maxHeld}
    directory: ${join(dir, 'join')}
  classify:
  protect:
    keys:
      local:
        keyring_file: ${join(dir, 'keyring.json')}
exporters:
  keep:
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [normalize, join, classify, protect]
      exporters: [keep]
`;
}

interface Running {
  pipeline: Pipeline;
  stop: () => Promise<void>;
}

async function startPipeline(dir: string, wait = '30s', maxHeld?: number): Promise<Running> {
  const loaded = {
    file: join(dir, 'c.yaml'),
    dir,
    config: parseConfigText(configText(dir, wait, maxHeld), 'c.yaml', COMPONENTS, {}),
  };
  const built = buildPipelines(loaded, COMPONENTS, silentLogger, new MetricsRegistry());
  for (const processor of built.processors.values()) await processor.start?.();
  return {
    pipeline: built.pipelines[0],
    stop: async () => {
      for (const processor of built.processors.values()) await processor.shutdown?.(1000);
    },
  };
}

const TRACE = 'c'.repeat(32);
let spanCounter = 0;
const nextSpanId = (): string => (++spanCounter).toString(16).padStart(16, 'd');

function log(spanId: string, eventName: string, body: AnyValue, extra: Record<string, AnyValue> = {}): LogRecord {
  return {
    timeUnixNano: 1_764_237_600_400_000_000n,
    observedTimeUnixNano: 0n,
    eventName,
    body,
    attributes: attributes({ 'gen_ai.system': 'openai', ...extra }),
    traceId: TRACE,
    spanId,
  };
}

function logsExport(records: LogRecord[]): LogsExport {
  return {
    resourceLogs: [
      {
        resource: attributes({ 'service.name': 'checkout' }),
        scopeLogs: [{ scope: { name: OFFICIAL, version: '0.21.0' }, logRecords: records }],
      },
    ],
    recordCount: records.length,
  };
}

const kv = (values: Record<string, AnyValue>) => attributes(values);

function messageEvents(spanId: string): LogRecord[] {
  return [
    log(spanId, 'gen_ai.system.message', kv({ content: 'You are terse.' })),
    log(spanId, 'gen_ai.user.message', kv({ content: PROMPT })),
    log(
      spanId,
      'gen_ai.choice',
      kv({ index: 0, finish_reason: 'stop', message: kv({ content: 'Sunny.' }) }),
      // Nobody knows this key: it must be sealed, not kept in clear.
      { 'app.unknown_note': 'CANARY-join' },
    ),
  ];
}

/** A chat span of the official instrumentation: no messages on it. */
function chatSpan(spanId: string, scope = OFFICIAL) {
  const exported = traceExport([
    span(
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 3,
        'user.id': 'user-7',
      },
      { traceId: TRACE, spanId },
    ),
  ]);
  exported.resourceSpans[0].scopeSpans[0].scope.name = scope;
  return exported;
}

async function opened(running: Running, record: AuditRecord, field: 'input' | 'output' | 'extra') {
  const protect = running.pipeline.processors.find((p) => 'keyring' in p) as ProtectProcessor;
  const noStore = { queryRows: () => Promise.reject(new Error('no store')) };
  const content = await protect.keyring.openContent(
    { tenant_id: 'acme', record_id: record.record_id, content_sealed: record.content_sealed.toString('base64') },
    noStore,
    'ai_audit',
  );
  return JSON.parse(content[field] as string) as unknown;
}

async function eventually<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ai-audit-join-'));
  exporter = new KeepingExporter();
});

describe('the join processor', () => {
  it('joins events that come first to their span, which keeps its id, user and tokens', async () => {
    const running = await startPipeline(dir);
    const id = nextSpanId();
    const fromLogs = await running.pipeline.consumeLogs('acme', logsExport(messageEvents(id)));
    expect(fromLogs).toMatchObject({ accepted: 3, rejected: 0 });
    expect(exporter.records).toEqual([]);
    await running.pipeline.consume('acme', chatSpan(id));
    expect(exporter.records).toHaveLength(1);
    const [record] = exporter.records;
    expect(record).toMatchObject({ span_id: id, user_id: 'user-7', input_tokens: 12, finish_reasons: ['stop'] });
    expect(record.attributes[EVENTS_ONLY]).toBeUndefined();
    expect(record.violations).toContain('pii:email');
    expect(await opened(running, record, 'input')).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
      { role: 'user', parts: [{ type: 'text', content: PROMPT }] },
    ]);
    expect(await opened(running, record, 'output')).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Sunny.' }], finish_reason: 'stop' },
    ]);
    expect(JSON.stringify(await opened(running, record, 'extra'))).toContain('CANARY-join');
    expect(JSON.stringify(record.attributes)).not.toContain('CANARY');
    await running.stop();
  });

  it('joins events to a span of an instrumentation that sends events, which came first', async () => {
    const running = await startPipeline(dir);
    const id = nextSpanId();
    await running.pipeline.consume('acme', chatSpan(id));
    expect(exporter.records).toEqual([]);
    await running.pipeline.consumeLogs('acme', logsExport(messageEvents(id)));
    expect(exporter.records).toHaveLength(1);
    expect(exporter.records[0]).toMatchObject({ span_id: id, user_id: 'user-7' });
    expect(exporter.records[0].content_sealed.length).toBeGreaterThan(0);
    await running.stop();
  });

  it('lets a span with messages of an instrumentation that sends no events go on at once', async () => {
    const running = await startPipeline(dir);
    const withMessages = chatSpan(nextSpanId(), 'some-other-library');
    withMessages.resourceSpans[0].scopeSpans[0].spans[0].attributes['gen_ai.input.messages'] = JSON.stringify([
      { role: 'user', parts: [{ type: 'text', content: 'hi' }] },
    ]);
    await running.pipeline.consume('acme', withMessages);
    expect(exporter.records).toHaveLength(1);
    expect(exporter.records[0].content_sealed.length).toBeGreaterThan(0);
    await running.stop();
  });

  it('lets a span without messages of any instrumentation wait for events that come after it', async () => {
    const running = await startPipeline(dir);
    const id = nextSpanId();
    await running.pipeline.consume('acme', chatSpan(id, 'some-other-library'));
    expect(exporter.records).toEqual([]);
    await running.pipeline.consumeLogs('acme', logsExport(messageEvents(id)));
    expect(exporter.records).toHaveLength(1);
    expect(exporter.records[0].content_sealed.length).toBeGreaterThan(0);
    await running.stop();
  });

  it('keeps what waits across a restart, sealed on disk', async () => {
    const first = await startPipeline(dir);
    const id = nextSpanId();
    await first.pipeline.consumeLogs('acme', logsExport(messageEvents(id)));
    await first.stop();
    expect(filesContaining(dir, PROMPT)).toEqual([]);
    expect(filesContaining(dir, 'CANARY-join')).toEqual([]);
    expect(filesContaining(dir, 'You are terse')).toEqual([]);

    const second = await startPipeline(dir);
    await second.pipeline.consume('acme', chatSpan(id));
    expect(exporter.records).toHaveLength(1);
    expect(exporter.records[0].span_id).toBe(id);
    expect(await opened(second, exporter.records[0], 'input')).toHaveLength(2);
    await second.stop();
  });

  it('stores events whose span never comes on their own after the wait, and a span that got none', async () => {
    const running = await startPipeline(dir, '200ms');
    const lonely = nextSpanId();
    const waiting = nextSpanId();
    await running.pipeline.consumeLogs('acme', logsExport(messageEvents(lonely)));
    await running.pipeline.consume('acme', chatSpan(waiting));
    const records = await eventually(() => (exporter.records.length === 2 ? exporter.records : undefined));
    const events = records.find((r) => r.span_id === lonely) as AuditRecord;
    const spanRecord = records.find((r) => r.span_id === waiting) as AuditRecord;
    expect(events.attributes[EVENTS_ONLY]).toBe('true');
    expect(events.record_id).not.toBe(spanRecord.record_id);
    expect(events.content_sealed.length).toBeGreaterThan(0);
    expect(events.violations).toContain('pii:email');
    expect(spanRecord).toMatchObject({ user_id: 'user-7', content_sealed: Buffer.alloc(0) });
    expect(spanRecord.attributes[EVENTS_ONLY]).toBeUndefined();
    await running.stop();
  });

  it('waits again when the store refuses what it sends on, and loses nothing', async () => {
    const running = await startPipeline(dir, '100ms');
    exporter.refusing = true;
    const id = nextSpanId();
    await expect(running.pipeline.consumeLogs('acme', logsExport(messageEvents(id)))).resolves.toMatchObject({
      accepted: 3,
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(exporter.records).toEqual([]);
    exporter.refusing = false;
    const [record] = await eventually(() => (exporter.records.length ? exporter.records : undefined));
    expect(record.span_id).toBe(id);
    await running.stop();
  });

  it('gives back what a refused export took, for the retry', async () => {
    const running = await startPipeline(dir);
    const id = nextSpanId();
    await running.pipeline.consumeLogs('acme', logsExport(messageEvents(id)));
    exporter.refusing = true;
    await expect(running.pipeline.consume('acme', chatSpan(id))).rejects.toThrow('store refuses');
    exporter.refusing = false;
    await running.pipeline.consume('acme', chatSpan(id));
    expect(exporter.records).toHaveLength(1);
    expect(exporter.records[0].content_sealed.length).toBeGreaterThan(0);
    await running.stop();
  });

  it('lets everything that waits go on before an erasure, and keeps none of it in the journal', async () => {
    const first = await startPipeline(dir);
    const id = nextSpanId();
    await first.pipeline.consume('acme', chatSpan(id));
    expect(exporter.records).toEqual([]);
    const joinProcessor = first.pipeline.processors.find((p) => 'connect' in p) as JoinProcessor;
    const release = await joinProcessor.fence('acme', 'user-7');
    // Stored now (then erased with the rest of the user's records), not held past the erasure.
    expect(exporter.records.map((r) => r.span_id)).toEqual([id]);
    // While fenced, the subject's spans do not wait.
    await first.pipeline.consume('acme', chatSpan(nextSpanId()));
    expect(exporter.records).toHaveLength(2);
    release();
    // The segment files that held it are gone (a new one may have started, empty).
    const log = join(dir, 'join', 'log');
    const segments = readdirSync(log).filter((name) => name.endsWith('.wal'));
    expect(segments.map((name) => statSync(join(log, name)).size).filter((size) => size > 0)).toEqual([]);
    await first.stop();
    // Nothing of it is left in the journal to come back after a restart.
    const second = await startPipeline(dir, '50ms');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(exporter.records).toHaveLength(2);
    await second.stop();
  });

  it('keeps one copy of a span sent twice at once, and the journal still empties', async () => {
    const first = await startPipeline(dir, '100ms');
    const id = nextSpanId();
    await Promise.all([first.pipeline.consume('acme', chatSpan(id)), first.pipeline.consume('acme', chatSpan(id))]);
    const [record] = await eventually(() => (exporter.records.length ? exporter.records : undefined));
    expect(record.span_id).toBe(id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(exporter.records).toHaveLength(1);
    await first.stop();
    // Nothing of it comes back: every entry was confirmed.
    const second = await startPipeline(dir, '50ms');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(exporter.records).toHaveLength(1);
    await second.stop();
  });

  it('brings back after a restart only what still waited, not what was joined behind it', async () => {
    const first = await startPipeline(dir);
    const waiting = nextSpanId();
    const joined = nextSpanId();
    // An entry that keeps waiting, then one that is joined (done, but behind the first).
    await first.pipeline.consume('acme', chatSpan(waiting));
    await first.pipeline.consumeLogs('acme', logsExport(messageEvents(joined)));
    await first.pipeline.consume('acme', chatSpan(joined));
    expect(exporter.records.map((r) => r.span_id)).toEqual([joined]);
    await first.stop();
    const second = await startPipeline(dir, '100ms');
    const records = await eventually(() => (exporter.records.length === 2 ? exporter.records : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(records.map((r) => r.span_id)).toEqual([joined, waiting]);
    expect(exporter.records).toHaveLength(2);
    await second.stop();
  });

  it('holds nothing of a subject being erased, events included', async () => {
    const running = await startPipeline(dir);
    const joinProcessor = running.pipeline.processors.find((p) => 'connect' in p) as JoinProcessor;
    const release = await joinProcessor.fence('acme', 'user-9');
    const id = nextSpanId();
    const events = logsExport(messageEvents(id));
    for (const log of events.resourceLogs[0].scopeLogs[0].logRecords) log.attributes['user.id'] = 'user-9';
    // Protect is fenced too in a real erasure (and refuses them); here they simply go on.
    await running.pipeline.consumeLogs('acme', events);
    expect(exporter.records.map((r) => r.user_id)).toEqual(['user-9']);
    release();
    await running.stop();
  });

  it('keeps content keys named like its own fields (an attribute called "parsed")', async () => {
    const first = await startPipeline(dir);
    const id = nextSpanId();
    await first.pipeline.consumeLogs(
      'acme',
      logsExport([log(id, 'gen_ai.user.message', kv({ content: 'hi' }), { parsed: 'kept' })]),
    );
    await first.stop();
    const second = await startPipeline(dir);
    await second.pipeline.consume('acme', chatSpan(id));
    expect(JSON.stringify(await opened(second, exporter.records[0], 'extra'))).toContain('"parsed":"kept"');
    await second.stop();
  });

  it('beyond max_held, lets the records of the tenant holding the most go first', async () => {
    const running = await startPipeline(dir, '30s', 3);
    const flooded = [nextSpanId(), nextSpanId(), nextSpanId()];
    const quiet = nextSpanId();
    await running.pipeline.consumeLogs('acme', logsExport(messageEvents(quiet)));
    for (const id of flooded) await running.pipeline.consumeLogs('flood', logsExport(messageEvents(id)));
    // Four wait where three may: one of the flooding tenant's goes on alone, not acme's.
    const [gone] = await eventually(() => (exporter.records.length ? exporter.records : undefined));
    expect(gone.tenant_id).toBe('flood');
    await running.pipeline.consume('acme', chatSpan(quiet));
    expect(exporter.records.filter((r) => r.tenant_id === 'acme').map((r) => r.span_id)).toEqual([quiet]);
    expect(exporter.records.find((r) => r.span_id === quiet)?.content_sealed.length).toBeGreaterThan(0);
    await running.stop();
  });
});
