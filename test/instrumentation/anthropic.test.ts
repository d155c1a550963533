/**
 * @anthropic-ai/sdk 1.x and 0.x in child processes started with the hook, against a local server
 * that answers like the Anthropic Messages API (JSON, SSE, tool use, errors).
 */
import { startOtlpSink, type OtlpSink, type SinkSpan } from '../helpers/otlp-sink';
import { ANTHROPIC, anthropicRoute } from './fakes/anthropic';
import { startFakeServer, type FakeServer } from './fakes/server';
import { cases, runApp, sandbox, type RunResult } from './helpers/run-app';
import {
  AUDIT,
  caseSpans,
  CLIENT,
  json,
  only,
  spansOf,
  STATUS_ERROR,
  STATUS_UNSET,
  waitForSpans,
} from './helpers/spans';

const VERSIONS: { label: string; packages?: Record<string, string> }[] = [
  { label: 'v1' },
  { label: 'v0', packages: { '@anthropic-ai/sdk': 'anthropic-v0' } },
];
const SPANS_PER_RUN = 12;

let sink: OtlpSink;
let fake: FakeServer;
const runs = new Map<string, { hooked: RunResult; plain: RunResult }>();

beforeAll(async () => {
  [sink, fake] = await Promise.all([startOtlpSink(), startFakeServer([anthropicRoute])]);
  await Promise.all(
    VERSIONS.map(async ({ label, packages }) => {
      const dir = packages && sandbox(packages);
      const run = (hook: 'require' | 'none') =>
        runApp({
          app: 'anthropic-app.cjs',
          hook,
          sandbox: dir,
          env: {
            FAKE_URL: fake.url,
            OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
            OTEL_SERVICE_NAME: `anthropic-${label}`,
            RUN_ID: `${label}-${hook}`,
          },
        });
      const [hooked, plain] = await Promise.all([run('require'), run('none')]);
      runs.set(label, { hooked, plain });
    }),
  );
  await waitForSpans(sink, Object.fromEntries(VERSIONS.map(({ label }) => [`anthropic-${label}`, SPANS_PER_RUN])));
}, 120_000);

afterAll(async () => {
  await Promise.all([sink?.close(), fake?.close()]);
});

const HELLO = [{ role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] }];
const REPLY = [{ role: 'assistant', parts: [{ type: 'text', content: ANTHROPIC.reply }], finish_reason: 'stop' }];
/** semconv: input = input_tokens + cache reads + cache writes = 12 + 200 + 100. */
const USAGE = {
  'gen_ai.usage.input_tokens': 312,
  'gen_ai.usage.output_tokens': 9,
  'gen_ai.usage.cache_read.input_tokens': 200,
  'gen_ai.usage.cache_creation.input_tokens': 100,
};
const TOOL_USE = [
  { type: 'text', content: ANTHROPIC.preamble },
  { type: 'tool_call', id: ANTHROPIC.tool.id, name: ANTHROPIC.tool.name, arguments: { city: 'Paris' } },
];

describe.each(VERSIONS.map(({ label }) => label))('@anthropic-ai/sdk %s', (label) => {
  let spans: SinkSpan[];
  let run: { hooked: RunResult; plain: RunResult };
  beforeAll(() => {
    run = runs.get(label) as { hooked: RunResult; plain: RunResult };
    spans = spansOf(sink, `anthropic-${label}`);
  });

  const common = (feature: string, model = 'claude-sonnet-4-6') => ({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.request.model': model,
    'server.address': '127.0.0.1',
    'server.port': Number(new URL(fake.url).port),
    ...AUDIT,
    'ai_audit.feature': feature,
  });

  test('the application behaves exactly as without the hook', () => {
    expect(run.hooked.code).toBe(0);
    expect(Object.keys(cases(run.hooked.stdout))).toHaveLength(11);
    expect(run.hooked.stdout).toBe(run.plain.stdout);
  });

  test("one span per API call, and none of the SDK's own: its native tracing stays off", () => {
    expect(spans).toHaveLength(SPANS_PER_RUN);
    for (const span of spans) {
      expect(span.kind).toBe(CLIENT);
      expect(span.scope.name).toBe('@ai-audit/instrumentation/@anthropic-ai/sdk');
    }
    // Nor does the SDK start sending trace context or audit baggage to the API. (The helper
    // aborted before connecting sends nothing.)
    const hooked = fake.requests.filter((r) => r.headers['x-test-run'] === `${label}-require`);
    expect(hooked).toHaveLength(SPANS_PER_RUN - 1);
    for (const request of hooked) {
      expect(request.headers.traceparent).toBeUndefined();
      expect(request.headers.baggage).toBeUndefined();
    }
  });

  test('messages.create: parameters, response, cache tokens and content', () => {
    const span = only(spans, 'messages');
    expect(span.name).toBe('chat claude-sonnet-4-6');
    expect(span.status.code).toBe(STATUS_UNSET);
    expect(span.attributes).toEqual({
      ...common('messages'),
      ...USAGE,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.3,
      'gen_ai.request.top_p': 0.8,
      'gen_ai.request.top_k': 40,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.response.id': 'msg_fake_01',
      'gen_ai.response.model': ANTHROPIC.model,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.input.messages': JSON.stringify(HELLO),
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are terse.' }]),
      'gen_ai.output.messages': JSON.stringify(REPLY),
    });
  });

  test('stream: true', () => {
    const span = only(spans, 'messages-stream');
    expect(span.attributes).toMatchObject({
      ...common('messages-stream'),
      ...USAGE,
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'msg_fake_stream',
      'gen_ai.response.finish_reasons': ['end_turn'],
    });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  test('messages.stream(): events and finalMessage() keep working, one span', () => {
    const span = only(spans, 'messages-helper');
    expect(span.attributes).toMatchObject({
      ...USAGE,
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['end_turn'],
    });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expect(cases(run.hooked.stdout)['messages-helper']).toMatchObject({
      deltas: ANTHROPIC.reply,
      text: ANTHROPIC.reply,
      events: 9,
    });
  });

  test('tool use and tool result', () => {
    const [first, second] = caseSpans(spans, 'tools') as [SinkSpan, SinkSpan];
    expect(first.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_use']);
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: TOOL_USE, finish_reason: 'tool_call' },
    ]);
    expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual([
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ]);
    expect(json(second.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: TOOL_USE },
      { role: 'user', parts: [{ type: 'tool_call_response', id: ANTHROPIC.tool.id, response: 'rainy, 12°C' }] },
    ]);
  });

  test('streamed tool use: input_json_delta pieces become the arguments', () => {
    const span = only(spans, 'tools-stream');
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: TOOL_USE, finish_reason: 'tool_call' },
    ]);
  });

  test('break out of a stream: abandoned once, with what was read', () => {
    const span = only(spans, 'stream-break');
    expect(span.attributes['ai_audit.abandon.reason']).toBe('return');
    expect(span.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(200);
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'w0 w1 ' }], finish_reason: 'incomplete' },
    ]);
  });

  test('controller.abort() on a stream still aborts it; the span says so', () => {
    expect(only(spans, 'stream-abort').attributes['ai_audit.abandon.reason']).toBe('abort');
    expect(cases(run.hooked.stdout)['stream-abort']).toMatchObject({ aborted: true });
  });

  test("the helper's abort() before it connects: the SDK's APIUserAbortError, recorded as the call's error", () => {
    const span = only(spans, 'helper-abort');
    expect(span.status.code).toBe(STATUS_ERROR);
    expect(span.attributes).toMatchObject({ 'error.type': 'APIUserAbortError', 'gen_ai.request.stream': true });
    expect(cases(run.hooked.stdout)['helper-abort']).toMatchObject({ error: { name: 'APIUserAbortError' } });
  });

  test('beta.messages.create', () => {
    expect(only(spans, 'beta').attributes).toMatchObject({
      ...common('beta'),
      ...USAGE,
      'gen_ai.output.messages': JSON.stringify(REPLY),
    });
  });

  test("errors: error.type is the API's error type", () => {
    const notFound = only(spans, 'error-404');
    expect(notFound.status).toEqual({ code: STATUS_ERROR, message: expect.stringContaining('model: missing-model') });
    expect(notFound.attributes).toMatchObject({
      ...common('error-404', 'missing-model'),
      'error.type': 'not_found_error',
      'http.response.status_code': 404,
    });
    const overloaded = only(spans, 'error-529');
    expect(overloaded.attributes).toMatchObject({
      'error.type': 'overloaded_error',
      'http.response.status_code': 529,
      'gen_ai.request.stream': true,
    });
  });
});
