/**
 * groq-sdk 1.x (required, and imported as an ES module) and 0.x, in child processes started
 * with the hook, against a local server that answers like the Groq API (JSON, SSE with usage in
 * `x_groq`, tool calls, errors).
 */
import { startOtlpSink, type OtlpSink, type SinkSpan } from '../helpers/otlp-sink';
import { GROQ, groqRoute } from './fakes/groq';
import { startFakeServer, type FakeServer } from './fakes/server';
import { cases, runApp, sandbox, type RunOptions, type RunResult } from './helpers/run-app';
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

/** Each labelled run of the app; `plain` runs it without the hook, for comparison. */
const RUNS: Record<string, Partial<RunOptions> & { packages?: Record<string, string>; env?: Record<string, string> }> =
  {
    v1: { hook: 'require' },
    'v1-plain': { hook: 'none' },
    'v1-esm': { hook: 'import', env: { ESM: '1' } },
    'v1-no-content': { hook: 'require', env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false' } },
    v0: { hook: 'require', packages: { 'groq-sdk': 'groq-sdk-v0' } },
    'v0-plain': { hook: 'none', packages: { 'groq-sdk': 'groq-sdk-v0' } },
  };
const HOOKED = ['v1', 'v1-esm', 'v1-no-content', 'v0'];
/** 7 cases, one of which (tools) makes two calls. */
const SPANS_PER_RUN = 8;

let sink: OtlpSink;
let fake: FakeServer;
const results = new Map<string, RunResult>();

beforeAll(async () => {
  [sink, fake] = await Promise.all([startOtlpSink(), startFakeServer([groqRoute])]);
  await Promise.all(
    Object.entries(RUNS).map(async ([label, { packages, env, ...options }]) => {
      const result = await runApp({
        app: 'groq-app.cjs',
        sandbox: packages && sandbox(packages),
        ...options,
        env: {
          FAKE_URL: fake.url,
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
          OTEL_SERVICE_NAME: `groq-${label}`,
          RUN_ID: label,
          ...env,
        },
      });
      results.set(label, result);
    }),
  );
  await waitForSpans(sink, Object.fromEntries(HOOKED.map((label) => [`groq-${label}`, SPANS_PER_RUN])));
}, 120_000);

afterAll(async () => {
  await Promise.all([sink?.close(), fake?.close()]);
});

const HELLO = [
  { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] },
];
const REPLY = [{ role: 'assistant', parts: [{ type: 'text', content: GROQ.reply }], finish_reason: 'stop' }];
const USAGE = { 'gen_ai.usage.input_tokens': 24, 'gen_ai.usage.output_tokens': 11 };
const TOOL_CALL = { type: 'tool_call', id: GROQ.toolCall.id, name: GROQ.toolCall.name, arguments: { city: 'Paris' } };
const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
];

function common(feature: string, model = 'llama-3.3-70b-versatile') {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'groq',
    'gen_ai.request.model': model,
    'server.address': '127.0.0.1',
    'server.port': Number(new URL(fake.url).port),
    ...AUDIT,
    'ai_audit.feature': feature,
  };
}

describe.each([
  ['v1', 'v1-plain'],
  ['v1-esm', 'v1-plain'],
  ['v0', 'v0-plain'],
])('groq-sdk %s', (label, plainLabel) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = spansOf(sink, `groq-${label}`);
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
      expect(span.scope.name).toBe('@ai-audit/instrumentation/groq-sdk');
    }
  });

  test('chat.completions.create: parameters, response, usage and content', () => {
    const span = only(spans, 'chat');
    expect(span.name).toBe('chat llama-3.3-70b-versatile');
    expect(span.status.code).toBe(STATUS_UNSET);
    expect(span.attributes).toEqual({
      ...common('chat'),
      ...USAGE,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'gen_ai.response.id': 'chatcmpl-fake-groq-1',
      'gen_ai.response.model': GROQ.model,
      'gen_ai.response.finish_reasons': ['stop'],
      // The Chat Completions mapping is OpenAI's, service tier included.
      'openai.response.service_tier': 'on_demand',
      'gen_ai.input.messages': JSON.stringify(HELLO),
      'gen_ai.output.messages': JSON.stringify(REPLY),
    });
  });

  test('stream: true, with the usage Groq sends in x_groq and the request left as written', () => {
    const span = only(spans, 'chat-stream');
    expect(span.attributes).toMatchObject({
      ...common('chat-stream'),
      ...USAGE,
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'chatcmpl-fake-groq-stream',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    const sent = fake.requests.filter((r) => r.headers['x-test-run'] === label && r.body?.stream === true);
    for (const request of sent) expect(request.body.stream_options).toBeUndefined();
  });

  test('tool calls and tool results', () => {
    const [first, second] = caseSpans(spans, 'tools') as [SinkSpan, SinkSpan];
    expect(first.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [TOOL_CALL], finish_reason: 'tool_call' },
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
      { role: 'assistant', parts: [TOOL_CALL] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: GROQ.toolCall.id, response: 'rainy, 12°C' }] },
    ]);
  });

  test('streamed tool call', () => {
    const span = only(spans, 'tools-stream');
    expect(span.attributes).toMatchObject({ ...USAGE, 'gen_ai.response.finish_reasons': ['tool_calls'] });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [TOOL_CALL], finish_reason: 'tool_call' },
    ]);
  });

  test('break out of a stream: abandoned once, with what was read', () => {
    const span = only(spans, 'stream-break');
    expect(span.attributes['ai_audit.abandon.reason']).toBe('return');
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'w0 w1 ' }], finish_reason: 'incomplete' },
    ]);
  });

  test("errors: error.type is Groq's error code", () => {
    const notFound = only(spans, 'error-404');
    expect(notFound.status).toEqual({ code: STATUS_ERROR, message: expect.stringContaining('does not exist') });
    expect(notFound.attributes).toMatchObject({
      ...common('error-404', 'missing-model'),
      'error.type': 'model_not_found',
      'http.response.status_code': 404,
    });
    expect(only(spans, 'error-429').attributes).toMatchObject({
      'error.type': 'rate_limit_exceeded',
      'http.response.status_code': 429,
      'gen_ai.request.stream': true,
    });
  });
});

test('with content capture off, spans carry no content', () => {
  const spans = spansOf(sink, 'groq-v1-no-content');
  expect(spans).toHaveLength(SPANS_PER_RUN);
  for (const span of spans) {
    for (const key of CONTENT_KEYS) expect(span.attributes).not.toHaveProperty([key]);
    expect(span.events).toEqual([]);
  }
  expect(only(spans, 'chat').attributes).toMatchObject({ ...common('chat'), ...USAGE });
});
