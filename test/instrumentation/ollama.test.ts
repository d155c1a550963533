/**
 * ollama 0.6 (required, and imported as an ES module) and 0.5.0, in child processes started with the hook,
 * against a local server that answers like Ollama (JSON, newline-delimited JSON streams, tool
 * calls, thinking, errors).
 */
import { startOtlpSink, type OtlpSink, type SinkSpan } from '../helpers/otlp-sink';
import { OLLAMA, ollamaRoute } from './fakes/ollama';
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

const V05 = { ollama: 'ollama-v05' };
const RUNS: Record<string, Pick<RunOptions, 'hook' | 'env'> & { packages?: Record<string, string> }> = {
  require: { hook: 'require' },
  plain: { hook: 'none' },
  esm: { hook: 'import', env: { ESM: '1' } },
  'esm-plain': { hook: 'none', env: { ESM: '1' } },
  'no-content': { hook: 'require', env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false' } },
  v05: { hook: 'require', packages: V05 },
  'v05-plain': { hook: 'none', packages: V05 },
};
const HOOKED = ['require', 'esm', 'no-content', 'v05'];
/** 7 cases, one of which (tools) makes two calls. */
const SPANS_PER_RUN = 8;

let sink: OtlpSink;
let fake: FakeServer;
const results = new Map<string, RunResult>();

beforeAll(async () => {
  [sink, fake] = await Promise.all([startOtlpSink(), startFakeServer([ollamaRoute])]);
  await Promise.all(
    Object.entries(RUNS).map(async ([label, { hook, env, packages }]) => {
      const result = await runApp({
        app: 'ollama-app.cjs',
        hook,
        sandbox: packages && sandbox(packages),
        env: {
          FAKE_URL: fake.url,
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
          OTEL_SERVICE_NAME: `ollama-${label}`,
          ...env,
        },
      });
      results.set(label, result);
    }),
  );
  await waitForSpans(sink, Object.fromEntries(HOOKED.map((label) => [`ollama-${label}`, SPANS_PER_RUN])));
}, 120_000);

afterAll(async () => {
  await Promise.all([sink?.close(), fake?.close()]);
});

const HELLO = [
  { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] },
];
const REPLY = [{ role: 'assistant', parts: [{ type: 'text', content: OLLAMA.reply }], finish_reason: 'stop' }];
const USAGE = { 'gen_ai.usage.input_tokens': 26, 'gen_ai.usage.output_tokens': 12 };
const TOOL_CALL = { type: 'tool_call', id: null, name: 'get_weather', arguments: { city: 'Paris' } };
const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
];

function common(feature: string, model = 'llama3.2') {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'ollama',
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
  ['v05', 'v05-plain'],
])('ollama, %s', (label, plainLabel) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = spansOf(sink, `ollama-${label}`);
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
      expect(span.scope.name).toBe('@ai-audit/instrumentation/ollama');
    }
  });

  test('chat: options, response, token counts, thinking and content', () => {
    const span = only(spans, 'chat');
    expect(span.name).toBe('chat llama3.2');
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
      'gen_ai.response.model': OLLAMA.model,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.input.messages': JSON.stringify(HELLO),
      'gen_ai.output.messages': JSON.stringify([
        {
          role: 'assistant',
          parts: [
            { type: 'reasoning', content: OLLAMA.thinking },
            { type: 'text', content: OLLAMA.reply },
          ],
          finish_reason: 'stop',
        },
      ]),
    });
  });

  test('stream: true, lines joined, counts from the last line', () => {
    const span = only(spans, 'chat-stream');
    expect(span.attributes).toMatchObject({
      ...common('chat-stream'),
      ...USAGE,
      'gen_ai.request.stream': true,
      'gen_ai.response.model': OLLAMA.model,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  test('tool calls and tool results; a tool call that ends with "stop" is finish reason tool_call', () => {
    const [first, second] = caseSpans(spans, 'tools') as [SinkSpan, SinkSpan];
    expect(first.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
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
      { role: 'tool', parts: [{ type: 'tool_call_response', id: null, response: 'rainy, 12°C' }] },
    ]);
  });

  test('streamed tool call', () => {
    const span = only(spans, 'tools-stream');
    expect(span.attributes).toMatchObject({ ...USAGE, 'gen_ai.request.stream': true });
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

  test("errors: the library's ResponseError, plain or streamed", () => {
    const plain = only(spans, 'error-404');
    expect(plain.status).toEqual({ code: STATUS_ERROR, message: expect.stringContaining('not found') });
    expect(plain.attributes).toMatchObject({
      ...common('error-404', 'missing-model'),
      'error.type': 'ResponseError',
      'http.response.status_code': 404,
    });
    expect(only(spans, 'error-404-stream').attributes).toMatchObject({
      'error.type': 'ResponseError',
      'http.response.status_code': 404,
      'gen_ai.request.stream': true,
    });
  });
});

test('with content capture off, spans carry no content', () => {
  const spans = spansOf(sink, 'ollama-no-content');
  expect(spans).toHaveLength(SPANS_PER_RUN);
  for (const span of spans) {
    for (const key of CONTENT_KEYS) expect(span.attributes).not.toHaveProperty([key]);
    expect(span.events).toEqual([]);
  }
  expect(only(spans, 'chat').attributes).toMatchObject({ ...common('chat'), ...USAGE });
});
