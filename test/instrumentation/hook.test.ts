/**
 * The hook as a process sees it: `--import` for ES modules (Node 20, 22, 24), `--require` on
 * Node 24, OTEL_SDK_DISABLED, content capture modes, the plain-HTTP warning, flushing on
 * signals without changing how the process ends, bursts, metrics, AI_AUDIT_USER_HEADER.
 */
import * as http from 'node:http';
import { startOtlpSink, type OtlpSink } from '../helpers/otlp-sink';
import { OPENAI, openaiRoute } from './fakes/openai';
import { startFakeServer, type FakeServer } from './fakes/server';
import { cases, runApp, type NodeName, type RunOptions } from './helpers/run-app';
import { json, spansOf, waitForSpans } from './helpers/spans';

let sink: OtlpSink;
let fake: FakeServer;

beforeAll(async () => {
  [sink, fake] = await Promise.all([startOtlpSink(), startFakeServer([openaiRoute])]);
});

afterAll(async () => {
  await Promise.all([sink?.close(), fake?.close()]);
});

/** Runs an app with the sink and the fake OpenAI server wired in, as service `service`. */
function run(service: string, options: Omit<RunOptions, 'env'> & { env?: Record<string, string> }) {
  return runApp({
    ...options,
    env: { FAKE_URL: fake.url, OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: service, ...options.env },
  });
}

const hookLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('ai-audit:'));

describe('ES modules with --import', () => {
  test.each<NodeName>(['system', 'node22', 'node24'])(
    'on %s node: openai imported as ESM is instrumented, nothing else is wrapped',
    async (node) => {
      const service = `esm-${node}`;
      const [hooked, plain] = await Promise.all([
        run(service, { app: 'openai-esm-app.mjs', hook: 'import', node }),
        run(`${service}-plain`, { app: 'openai-esm-app.mjs', hook: 'none', node }),
      ]);
      expect(hooked.code).toBe(0);
      expect(hooked.stdout).toBe(plain.stdout);
      expect(cases(hooked.stdout)['chat-stream']).toEqual({ case: 'chat-stream', text: OPENAI.reply, chunks: 7 });
      expect(hookLines(hooked.stderr)[0]).toContain('(require and import)');
      // The loader's include list holds the LLM client modules only.
      expect(hooked.stderr).toContain('loader: {"openai":true,"protobufjs":false,"fs":false}');
      await waitForSpans(sink, { [service]: 2 });
      const spans = spansOf(sink, service);
      expect(spans.map((span) => [span.name, span.attributes['ai_audit.feature'], span.attributes['user.id']])).toEqual(
        [
          ['chat gpt-4o-mini', 'chat', 'esm-user'],
          ['chat gpt-4o-mini', 'chat-stream', 'esm-user'],
        ],
      );
      expect(spans[1]?.attributes).toMatchObject({ 'gen_ai.request.stream': true, 'gen_ai.usage.input_tokens': 21 });
    },
  );

  test('--require alone does not reach ES module imports (hence --import for ESM apps)', async () => {
    const result = await run('esm-with-require', { app: 'openai-esm-app.mjs', hook: 'require' });
    expect(result.code).toBe(0);
    expect(hookLines(result.stderr)[0]).toContain('(require)');
    expect(spansOf(sink, 'esm-with-require')).toHaveLength(0);
  });
});

test('--require on Node 24', async () => {
  const result = await run('node24-require', { app: 'mini-app.cjs', node: 'node24' });
  expect(result.code).toBe(0);
  await waitForSpans(sink, { 'node24-require': 1 });
  expect(spansOf(sink, 'node24-require')[0]?.resource['process.runtime.version']).toMatch(/^24\./);
});

test.each([
  ['require', 'mini-app.cjs'],
  ['import', 'openai-esm-app.mjs'],
] as const)('the contract line works as written: node --%s @ai-audit/instrumentation/register', async (hook, app) => {
  const service = `specifier-${hook}`;
  const result = await run(service, { app, hook, hookSpecifier: '@ai-audit/instrumentation/register' });
  expect(result.code).toBe(0);
  expect(hookLines(result.stderr)).toHaveLength(1);
  await waitForSpans(sink, { [service]: 1 });
});

test('NODE_OPTIONS=--require @ai-audit/instrumentation/register', async () => {
  const result = await run('node-options', {
    app: 'mini-app.cjs',
    hook: 'none',
    env: { NODE_OPTIONS: '--require @ai-audit/instrumentation/register' },
  });
  expect(result.code).toBe(0);
  await waitForSpans(sink, { 'node-options': 1 });
});

test('a library loaded before the hook is reported (it cannot be patched any more)', async () => {
  const result = await run('late', { app: 'late-app.cjs', hook: 'none' });
  expect(hookLines(result.stderr).slice(1)).toEqual([
    'ai-audit: warning: openai was loaded before the hook, so its calls are not recorded; load the hook first (node --require @ai-audit/instrumentation/register)',
  ]);
});

test('OTEL_SDK_DISABLED=true: nothing is started, patched or printed', async () => {
  const [disabled, plain] = await Promise.all([
    run('disabled', { app: 'openai-app.cjs', env: { OTEL_SDK_DISABLED: 'true' } }),
    run('disabled-plain', { app: 'openai-app.cjs', hook: 'none' }),
  ]);
  expect(disabled.code).toBe(0);
  expect(hookLines(disabled.stderr)).toEqual([]);
  expect(disabled.stdout).toBe(plain.stdout);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(spansOf(sink, 'disabled')).toHaveLength(0);
});

describe('content capture (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT)', () => {
  const CONTENT = [
    'gen_ai.input.messages',
    'gen_ai.output.messages',
    'gen_ai.system_instructions',
    'gen_ai.tool.definitions',
  ];

  test.each(['false', 'no_content'])('%s: no content attributes or events', async (value) => {
    const service = `content-${value}`;
    const result = await run(service, {
      app: 'mini-app.cjs',
      env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: value },
    });
    expect(hookLines(result.stderr)[0]).toContain('message content not captured');
    await waitForSpans(sink, { [service]: 1 });
    const [span] = spansOf(sink, service);
    for (const key of CONTENT) expect(span?.attributes[key]).toBeUndefined();
    expect(span?.events).toEqual([]);
    expect(span?.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 21,
      'gen_ai.response.id': 'chatcmpl-fake-1',
    });
  });

  test('event_only: content on a gen_ai.client.inference.operation.details event, not on the span', async () => {
    const result = await run('content-event', {
      app: 'mini-app.cjs',
      env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'event_only' },
    });
    expect(hookLines(result.stderr)[0]).toContain('message content on span events');
    await waitForSpans(sink, { 'content-event': 1 });
    const [span] = spansOf(sink, 'content-event');
    expect(span?.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(span?.events.map((event) => event.name)).toEqual(['gen_ai.client.inference.operation.details']);
    const attributes = span?.events[0]?.attributes ?? {};
    expect(json(attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] },
    ]);
    expect(json(attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: OPENAI.reply }], finish_reason: 'stop' },
    ]);
  });

  test('span_and_event: both', async () => {
    await run('content-both', {
      app: 'mini-app.cjs',
      env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_AND_EVENT' },
    });
    await waitForSpans(sink, { 'content-both': 1 });
    const [span] = spansOf(sink, 'content-both');
    expect(span?.attributes['gen_ai.input.messages']).toEqual(span?.events[0]?.attributes['gen_ai.input.messages']);
  });

  test('an unknown value is reported and the default (on spans) is used', async () => {
    const result = await run('content-bad', {
      app: 'mini-app.cjs',
      env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'sometimes', CALLS: '0' },
    });
    expect(hookLines(result.stderr)).toEqual([
      expect.stringContaining('message content on spans'),
      'ai-audit: warning: OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=sometimes is not one of true, false, no_content, span_only, event_only, span_and_event; using span_only',
    ]);
  });
});

test.each([
  ['http://collector.example.com:4317', 'true', true],
  ['https://collector.example.com:4317', 'true', false],
  ['http://localhost:4317', 'true', false],
  ['http://127.0.0.1:4317', 'true', false],
  ['http://collector.example.com:4317', 'false', false],
])('endpoint %s with content capture %s: plain-HTTP warning %s', async (endpoint, capture, warns) => {
  const result = await runApp({
    app: 'mini-app.cjs',
    env: {
      CALLS: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: capture,
    },
  });
  const lines = hookLines(result.stderr);
  expect(lines[0]).toContain(`spans to ${endpoint} (OTLP/gRPC)`);
  const warning =
    'ai-audit: warning: message content goes to collector.example.com:4317 over plain HTTP, unencrypted; use an https:// endpoint or set OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false';
  expect(lines.slice(1)).toEqual(warns ? [warning] : []);
});

describe('flush on signals, without changing how the process ends', () => {
  test.each<NodeJS.Signals>(['SIGTERM', 'SIGINT'])(
    '%s and no handler of the app: spans flushed, then the process dies of the signal as before',
    async (signal) => {
      const service = `signal-${signal}`;
      const [hooked, plain] = await Promise.all([
        run(service, { app: 'mini-app.cjs', env: { WAIT_FOR_SIGNAL: '1' }, signal: { name: signal, after: 'ready' } }),
        run(`${service}-plain`, {
          app: 'mini-app.cjs',
          hook: 'none',
          env: { WAIT_FOR_SIGNAL: '1' },
          signal: { name: signal, after: 'ready' },
        }),
      ]);
      expect(plain).toMatchObject({ code: null, signal });
      expect(hooked).toMatchObject({ code: null, signal, stdout: plain.stdout });
      expect(spansOf(sink, service)).toHaveLength(1);
    },
  );

  test("SIGTERM with the app's own handler: the app decides (exit code 3), spans flushed", async () => {
    const options = {
      app: 'mini-app.cjs',
      env: { WAIT_FOR_SIGNAL: '1', APP_HANDLER: 'SIGTERM' },
      signal: { name: 'SIGTERM' as const, after: 'ready' },
    };
    const [hooked, plain] = await Promise.all([
      run('signal-app', options),
      run('signal-app-plain', { ...options, hook: 'none' }),
    ]);
    expect(plain).toMatchObject({ code: 3, signal: null });
    expect(hooked).toMatchObject({ code: 3, signal: null, stdout: plain.stdout });
    expect(hooked.stdout).toContain('app handled SIGTERM');
    expect(spansOf(sink, 'signal-app')).toHaveLength(1);
  });
});

test('streams never read: abandoned as gc when collected, as shutdown when the process ends', async () => {
  const result = await run('unread', { app: 'unread-app.cjs', nodeArgs: ['--expose-gc'] });
  expect(result).toMatchObject({ code: 0, stdout: 'holding a Stream\n' });
  await waitForSpans(sink, { unread: 2 });
  const spans = spansOf(sink, 'unread');
  expect(
    spans.map((span) => [span.attributes['ai_audit.feature'], span.attributes['ai_audit.abandon.reason']]),
  ).toEqual([
    ['dropped', 'gc'],
    ['held', 'shutdown'],
  ]);
});

test('a failing call nobody reads stays an unhandled rejection, as without the hook', async () => {
  const [hooked, plain] = await Promise.all([
    run('unread-failure', { app: 'unread-failure-app.cjs' }),
    run('unread-failure-plain', { app: 'unread-failure-app.cjs', hook: 'none' }),
  ]);
  expect(plain.code).toBe(1);
  expect(plain.stderr).toContain('NotFoundError: 404 The model `missing-model` does not exist');
  expect(hooked).toMatchObject({ code: plain.code, stdout: plain.stdout });
  expect(hooked.stderr).toContain('NotFoundError: 404 The model `missing-model` does not exist');
});

test('an unreachable collector does not keep the process from exiting', async () => {
  const result = await runApp({
    app: 'mini-app.cjs',
    env: { CALLS: '0', BURST: '5', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
  });
  expect(result).toMatchObject({ code: 0, stdout: 'burst of 5 answered\n' });
  expect(result.ms).toBeLessThan(8_000);
});

describe('bursts', () => {
  test('3000 concurrent calls: every span exported with the default queue (OTel defaults would drop)', async () => {
    const result = await run('burst', { app: 'mini-app.cjs', env: { CALLS: '0', BURST: '3000' } });
    expect(result.stdout).toBe('burst of 3000 answered\n');
    await waitForSpans(sink, { burst: 3000 });
    expect(spansOf(sink, 'burst')).toHaveLength(3000);
    expect(result.stderr).not.toContain('dropped');
  });

  test('drops that still happen (a small OTEL_BSP_MAX_QUEUE_SIZE) are counted and reported', async () => {
    const result = await run('burst-small', {
      app: 'mini-app.cjs',
      env: { CALLS: '0', BURST: '2000', OTEL_BSP_MAX_QUEUE_SIZE: '50' },
    });
    const reports = hookLines(result.stderr).filter((line) => line.includes('dropped'));
    expect(reports.length).toBeGreaterThan(0);
    const last = reports[reports.length - 1] as string;
    expect(last).toMatch(
      /^ai-audit: warning: \d+ span\(s\) dropped so far: the export queue \(50 spans\) was full; raise OTEL_BSP_MAX_QUEUE_SIZE or check the collector$/,
    );
    const dropped = Number(/(\d+) span/.exec(last)?.[1]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(spansOf(sink, 'burst-small').length + dropped).toBe(2000);
  });
});

test('metrics: the two GenAI histograms with semconv buckets, only when a metrics endpoint is set', async () => {
  const [withMetrics] = await Promise.all([
    run('metrics', { app: 'mini-app.cjs', env: { CALLS: '2', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: sink.endpoint } }),
    run('no-metrics', { app: 'mini-app.cjs', env: { CALLS: '2' } }),
  ]);
  expect(hookLines(withMetrics.stderr)[0]).toContain(`metrics to ${sink.endpoint}`);
  await sink.waitFor((s) => s.metrics.some((metric) => metric.resource['service.name'] === 'metrics'));
  const metrics = sink.metrics.filter((metric) => metric.resource['service.name'] === 'metrics');
  const tokens = metrics.find((metric) => metric.name === 'gen_ai.client.token.usage');
  const duration = metrics.find((metric) => metric.name === 'gen_ai.client.operation.duration');
  expect(tokens).toMatchObject({ type: 'histogram', unit: '{token}' });
  expect(duration).toMatchObject({ type: 'histogram', unit: 's' });
  const common = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': OPENAI.model,
    'server.address': '127.0.0.1',
  };
  const input = tokens?.dataPoints.find((point) => point.attributes['gen_ai.token.type'] === 'input');
  expect(input).toMatchObject({ attributes: expect.objectContaining(common), count: 2, sum: 42 });
  expect(input?.explicitBounds).toEqual([
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
  ]);
  expect(tokens?.dataPoints.find((point) => point.attributes['gen_ai.token.type'] === 'output')).toMatchObject({
    count: 2,
    sum: 18,
  });
  expect(duration?.dataPoints[0]).toMatchObject({ attributes: expect.objectContaining(common), count: 2 });
  expect(duration?.dataPoints[0]?.explicitBounds).toEqual([
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
  ]);
  expect(sink.metrics.filter((metric) => metric.resource['service.name'] === 'no-metrics')).toEqual([]);
});

test('AI_AUDIT_USER_HEADER: the incoming header is the user unless withAuditContext says otherwise', async () => {
  const get = (port: number, path: string) =>
    new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, headers: { 'x-user-id': 'alice' } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
  let answers: Promise<string[]> | undefined;
  const result = await run('user-header', {
    app: 'header-app.cjs',
    env: { AI_AUDIT_USER_HEADER: 'X-User-Id' },
    onStdout: (stdout) => {
      const port = /listening (\d+)/.exec(stdout)?.[1];
      if (port && !answers)
        answers = (async () => [
          await get(Number(port), '/plain'),
          await get(Number(port), '/nested'),
          await get(Number(port), '/override'),
        ])();
    },
  });
  expect(result.code).toBe(0);
  expect(hookLines(result.stderr)[0]).toContain('user from header x-user-id');
  expect(await answers).toEqual([OPENAI.reply, OPENAI.reply, OPENAI.reply]);
  await waitForSpans(sink, { 'user-header': 3 });
  expect(
    spansOf(sink, 'user-header').map((span) => [span.attributes['user.id'], span.attributes['ai_audit.feature']]),
  ).toEqual([
    ['alice', undefined],
    ['alice', 'nested'],
    ['bob', 'override'],
  ]);
});
