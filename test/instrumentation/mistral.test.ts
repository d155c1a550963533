/**
 * @mistralai/mistralai 2.x (an ES module package), required from CommonJS and imported, and 1.x
 * (CommonJS), in child processes started with the hook, against a local server that answers like the Mistral API
 * (JSON, SSE with usage in the last chunk, tool calls, errors).
 */
import { startOtlpSink, type OtlpSink, type SinkSpan } from '../helpers/otlp-sink';
import { MISTRAL, mistralRoute } from './fakes/mistral';
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

const V1 = { '@mistralai/mistralai': 'mistralai-v1' };
const RUNS: Record<string, Pick<RunOptions, 'hook' | 'env'> & { packages?: Record<string, string> }> = {
  require: { hook: 'require' },
  plain: { hook: 'none' },
  esm: { hook: 'import', env: { ESM: '1' } },
  'esm-plain': { hook: 'none', env: { ESM: '1' } },
  'no-content': { hook: 'require', env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false' } },
  v1: { hook: 'require', packages: V1 },
  'v1-plain': { hook: 'none', packages: V1 },
};
const HOOKED = ['require', 'esm', 'no-content', 'v1'];
/** 7 cases, one of which (tools) makes two calls. */
const SPANS_PER_RUN = 8;

let sink: OtlpSink;
let fake: FakeServer;
const results = new Map<string, RunResult>();

beforeAll(async () => {
  [sink, fake] = await Promise.all([startOtlpSink(), startFakeServer([mistralRoute])]);
  await Promise.all(
    Object.entries(RUNS).map(async ([label, { hook, env, packages }]) => {
      const result = await runApp({
        app: 'mistral-app.cjs',
        hook,
        sandbox: packages && sandbox(packages),
        // Eight processes at once, each loading the SDK (seconds of CPU): slow on a busy machine.
        timeoutMs: 90_000,
        env: {
          FAKE_URL: fake.url,
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
          OTEL_SERVICE_NAME: `mistral-${label}`,
          ...env,
        },
      });
      results.set(label, result);
    }),
  );
  await waitForSpans(sink, Object.fromEntries(HOOKED.map((label) => [`mistral-${label}`, SPANS_PER_RUN])));
}, 240_000);

afterAll(async () => {
  await Promise.all([sink?.close(), fake?.close()]);
});

const HELLO = [
  { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] },
];
const REPLY = [{ role: 'assistant', parts: [{ type: 'text', content: MISTRAL.reply }], finish_reason: 'stop' }];
const USAGE = { 'gen_ai.usage.input_tokens': 19, 'gen_ai.usage.output_tokens': 8 };
const TOOL_CALL = {
  type: 'tool_call',
  id: MISTRAL.toolCall.id,
  name: MISTRAL.toolCall.name,
  arguments: { city: 'Paris' },
};
const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
];

function common(feature: string, model = 'mistral-small-latest') {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'mistral_ai',
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
  ['v1', 'v1-plain'],
])('@mistralai/mistralai, %s', (label, plainLabel) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = spansOf(sink, `mistral-${label}`);
  });

  test('the application behaves exactly as without the hook', () => {
    const hooked = results.get(label) as RunResult;
    expect(hooked.code).toBe(0);
    expect(Object.keys(cases(hooked.stdout))).toHaveLength(7);
    expect(hooked.stdout).toBe((results.get(plainLabel) as RunResult).stdout);
  });

  test("one CLIENT span per API request, and none of the SDK's own", () => {
    expect(spans).toHaveLength(SPANS_PER_RUN);
    for (const span of spans) {
      expect(span.kind).toBe(CLIENT);
      expect(span.scope.name).toBe('@ai-audit/instrumentation/@mistralai/mistralai');
    }
  });

  test('chat.complete: parameters, response, usage and content', () => {
    const span = only(spans, 'chat');
    expect(span.name).toBe('chat mistral-small-latest');
    expect(span.status.code).toBe(STATUS_UNSET);
    expect(span.attributes).toEqual({
      ...common('chat'),
      ...USAGE,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'gen_ai.response.id': 'cmpl-fake-mistral-1',
      'gen_ai.response.model': MISTRAL.model,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.input.messages': JSON.stringify(HELLO),
      'gen_ai.output.messages': JSON.stringify(REPLY),
    });
  });

  test('chat.stream: events joined, usage from the last chunk', () => {
    const span = only(spans, 'chat-stream');
    expect(span.attributes).toMatchObject({
      ...common('chat-stream'),
      ...USAGE,
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'cmpl-fake-mistral-stream',
      'gen_ai.response.model': MISTRAL.model,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
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
      // The application sent the empty content Mistral's examples send with tool calls.
      { role: 'assistant', parts: [{ type: 'text', content: '' }, TOOL_CALL] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: MISTRAL.toolCall.id, response: 'rainy, 12°C' }] },
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

  test("errors: error.type is the API's error type, else the SDK's error class", () => {
    const invalid = only(spans, 'error-400');
    expect(invalid.status).toEqual({ code: STATUS_ERROR, message: expect.stringContaining('Invalid model') });
    expect(invalid.attributes).toMatchObject({
      ...common('error-400', 'missing-model'),
      'error.type': 'invalid_model',
      'http.response.status_code': 400,
    });
    const unauthorized = only(spans, 'error-401');
    expect(unauthorized.status.code).toBe(STATUS_ERROR);
    expect(unauthorized.attributes).toMatchObject({
      'error.type': 'SDKError',
      'gen_ai.request.stream': true,
      'http.response.status_code': 401,
    });
  });
});

test('with content capture off, spans carry no content', () => {
  const spans = spansOf(sink, 'mistral-no-content');
  expect(spans).toHaveLength(SPANS_PER_RUN);
  for (const span of spans) {
    for (const key of CONTENT_KEYS) expect(span.attributes).not.toHaveProperty([key]);
    expect(span.events).toEqual([]);
  }
  expect(only(spans, 'chat').attributes).toMatchObject({ ...common('chat'), ...USAGE });
});
