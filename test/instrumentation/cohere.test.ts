/**
 * cohere-ai 8.x's v2 client (required, and imported), in child processes started with the hook,
 * against a local server that answers like Cohere's v2 Chat API (JSON, typed SSE events, tool
 * calls with a tool plan, errors).
 */
import { startOtlpSink, type OtlpSink, type SinkSpan } from '../helpers/otlp-sink';
import { COHERE, cohereRoute } from './fakes/cohere';
import { startFakeServer, type FakeServer } from './fakes/server';
import { cases, runApp, type RunOptions, type RunResult } from './helpers/run-app';
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

const RUNS: Record<string, Pick<RunOptions, 'hook' | 'env'>> = {
  require: { hook: 'require' },
  plain: { hook: 'none' },
  esm: { hook: 'import', env: { ESM: '1' } },
  'esm-plain': { hook: 'none', env: { ESM: '1' } },
  'no-content': { hook: 'require', env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false' } },
};
const HOOKED = ['require', 'esm', 'no-content'];
/** 7 cases, one of which (tools) makes two calls. */
const SPANS_PER_RUN = 8;

let sink: OtlpSink;
let fake: FakeServer;
const results = new Map<string, RunResult>();

beforeAll(async () => {
  [sink, fake] = await Promise.all([startOtlpSink(), startFakeServer([cohereRoute])]);
  await Promise.all(
    Object.entries(RUNS).map(async ([label, { hook, env }]) => {
      const result = await runApp({
        app: 'cohere-app.cjs',
        hook,
        env: {
          FAKE_URL: fake.url,
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
          OTEL_SERVICE_NAME: `cohere-${label}`,
          ...env,
        },
      });
      results.set(label, result);
    }),
  );
  await waitForSpans(sink, Object.fromEntries(HOOKED.map((label) => [`cohere-${label}`, SPANS_PER_RUN])));
}, 120_000);

afterAll(async () => {
  await Promise.all([sink?.close(), fake?.close()]);
});

const HELLO = [
  { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] },
];
const REPLY = [{ role: 'assistant', parts: [{ type: 'text', content: COHERE.reply }], finish_reason: 'stop' }];
/** `tokens`, not `billed_units`; cached_tokens is the cache read part. */
const USAGE = {
  'gen_ai.usage.input_tokens': 230,
  'gen_ai.usage.output_tokens': 9,
  'gen_ai.usage.cache_read.input_tokens': 64,
};
const TOOL_USE = [
  { type: 'reasoning', content: COHERE.toolPlan },
  { type: 'tool_call', id: COHERE.toolCall.id, name: 'get_weather', arguments: { city: 'Paris' } },
];
const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
];

function common(feature: string, model = 'command-a-03-2025') {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'cohere',
    'gen_ai.request.model': model,
    'server.address': '127.0.0.1',
    'server.port': Number(new URL(fake.url).port),
    ...AUDIT,
    'ai_audit.feature': feature,
  };
}

describe.each([
  ['require', 'plain'],
  ['esm', 'esm-plain'],
])('cohere-ai v2 client, %s', (label, plainLabel) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = spansOf(sink, `cohere-${label}`);
  });

  test('the application behaves exactly as without the hook', () => {
    const hooked = results.get(label) as RunResult;
    expect(hooked.code).toBe(0);
    expect(Object.keys(cases(hooked.stdout))).toHaveLength(7);
    expect(hooked.stdout).toBe((results.get(plainLabel) as RunResult).stdout);
  });

  test('one CLIENT span per API request', () => {
    expect(spans).toHaveLength(SPANS_PER_RUN);
    for (const span of spans) {
      expect(span.kind).toBe(CLIENT);
      expect(span.scope.name).toBe('@ai-audit/instrumentation/cohere-ai');
    }
  });

  test('chat: parameters, response, usage and content', () => {
    const span = only(spans, 'chat');
    expect(span.name).toBe('chat command-a-03-2025');
    expect(span.status.code).toBe(STATUS_UNSET);
    expect(span.attributes).toEqual({
      ...common('chat'),
      ...USAGE,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.top_k': 40,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'gen_ai.response.id': 'fake-cohere-1',
      'gen_ai.response.finish_reasons': ['COMPLETE'],
      'gen_ai.input.messages': JSON.stringify(HELLO),
      'gen_ai.output.messages': JSON.stringify(REPLY),
    });
  });

  test('chatStream: content deltas joined, reason and usage from message-end', () => {
    const span = only(spans, 'chat-stream');
    expect(span.attributes).toMatchObject({
      ...common('chat-stream'),
      ...USAGE,
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'fake-cohere-stream',
      'gen_ai.response.finish_reasons': ['COMPLETE'],
    });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  test('tool calls with their tool plan, and tool results', () => {
    const [first, second] = caseSpans(spans, 'tools') as [SinkSpan, SinkSpan];
    expect(first.attributes['gen_ai.response.finish_reasons']).toEqual(['TOOL_CALL']);
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: TOOL_USE, finish_reason: 'tool_call' },
    ]);
    expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ]);
    expect(json(second.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: TOOL_USE },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: COHERE.toolCall.id, response: 'rainy, 12°C' }] },
    ]);
  });

  test('streamed tool call: plan and argument pieces joined', () => {
    const span = only(spans, 'tools-stream');
    expect(span.attributes).toMatchObject({ ...USAGE, 'gen_ai.response.finish_reasons': ['TOOL_CALL'] });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: TOOL_USE, finish_reason: 'tool_call' },
    ]);
  });

  test('break out of a stream: abandoned once, with what was read', () => {
    const span = only(spans, 'stream-break');
    expect(span.attributes['ai_audit.abandon.reason']).toBe('return');
    expect(span.attributes['gen_ai.response.id']).toBe('fake-cohere-stream');
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'w0 w1 ' }], finish_reason: 'incomplete' },
    ]);
  });

  test("errors: error.type is the SDK's error class", () => {
    const notFound = only(spans, 'error-404');
    expect(notFound.status).toEqual({ code: STATUS_ERROR, message: expect.stringContaining('not found') });
    expect(notFound.attributes).toMatchObject({
      ...common('error-404', 'missing-model'),
      'error.type': 'NotFoundError',
      'http.response.status_code': 404,
    });
    expect(only(spans, 'error-429').attributes).toMatchObject({
      'error.type': 'TooManyRequestsError',
      'http.response.status_code': 429,
      'gen_ai.request.stream': true,
    });
  });
});

test('with content capture off, spans carry no content', () => {
  const spans = spansOf(sink, 'cohere-no-content');
  expect(spans).toHaveLength(SPANS_PER_RUN);
  for (const span of spans) {
    for (const key of CONTENT_KEYS) expect(span.attributes).not.toHaveProperty([key]);
    expect(span.events).toEqual([]);
  }
  expect(only(spans, 'chat').attributes).toMatchObject({ ...common('chat'), ...USAGE });
});
