/**
 * groq-sdk 1.x (required, and imported as an ES module) and 0.x, in child processes started
 * with the hook, against a local server that answers like the Groq API (JSON, SSE with usage in
 * `x_groq`, tool calls, errors).
 */
import type { SinkSpan } from '../helpers/otlp-sink';
import { GROQ, groqRoute } from './fakes/groq';
import { type AppRun, NO_CONTENT_ENV, otherMajorRuns, useAppRuns } from './helpers/app-runs';
import { expectBrokenOffStream, expectFailedCall, expectNoContent, testHookedRun } from './helpers/expect-runs';
import {
  caseSpans,
  commonAttributes,
  CONTENT_KEYS,
  HELLO_MESSAGES,
  json,
  only,
  STATUS_UNSET,
  textReply,
  toolCallReply,
  WEATHER_TOOL_DEFINITIONS,
} from './helpers/spans';

const V0 = { 'groq-sdk': 'groq-sdk-v0' };
/** Each labelled run of the app; `plain` runs it without the hook, for comparison. */
const RUNS: Record<string, AppRun> = {
  v1: { hook: 'require' },
  'v1-plain': { hook: 'none' },
  'v1-esm': { hook: 'import', env: { ESM: '1' } },
  'v1-no-content': { hook: 'require', env: NO_CONTENT_ENV },
  ...otherMajorRuns('v0', V0),
};
/** 7 cases, one of which (tools) makes two calls. */
const SPANS_PER_RUN = 8;

const runs = useAppRuns({
  app: 'groq-app.cjs',
  prefix: 'groq',
  routes: [groqRoute],
  runs: RUNS,
  spansPerRun: SPANS_PER_RUN,
});

const REPLY = textReply(GROQ.reply);
const USAGE = { 'gen_ai.usage.input_tokens': 24, 'gen_ai.usage.output_tokens': 11 };
const TOOL_CALL = { type: 'tool_call', id: GROQ.toolCall.id, name: GROQ.toolCall.name, arguments: { city: 'Paris' } };
const common = commonAttributes({ provider: 'groq', model: 'llama-3.3-70b-versatile', port: runs.port });

describe.each([
  ['v1', 'v1-plain'],
  ['v1-esm', 'v1-plain'],
  ['v0', 'v0-plain'],
])('groq-sdk %s', (label, plainLabel) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = runs.spans(label);
  });

  testHookedRun(runs, {
    label,
    plainLabel,
    cases: 7,
    spans: SPANS_PER_RUN,
    scope: '@ai-audit/instrumentation/groq-sdk',
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
      'gen_ai.input.messages': JSON.stringify(HELLO_MESSAGES),
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
    const sent = runs.fake.requests.filter((r) => r.headers['x-test-run'] === label && r.body?.stream === true);
    for (const request of sent) expect(request.body.stream_options).toBeUndefined();
  });

  test('tool calls and tool results', () => {
    const [first, second] = caseSpans(spans, 'tools') as [SinkSpan, SinkSpan];
    expect(first.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([TOOL_CALL]));
    expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual(WEATHER_TOOL_DEFINITIONS);
    expect(json(second.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: [TOOL_CALL] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: GROQ.toolCall.id, response: 'rainy, 12°C' }] },
    ]);
  });

  test('streamed tool call', () => {
    const span = only(spans, 'tools-stream');
    expect(span.attributes).toMatchObject({ ...USAGE, 'gen_ai.response.finish_reasons': ['tool_calls'] });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([TOOL_CALL]));
  });

  test('break out of a stream: abandoned once, with what was read', () => {
    const span = only(spans, 'stream-break');
    expectBrokenOffStream(span);
  });

  test("errors: error.type is Groq's error code", () => {
    const notFound = only(spans, 'error-404');
    expectFailedCall(notFound, 'does not exist', {
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
  const spans = runs.spans('v1-no-content');
  expectNoContent(spans, SPANS_PER_RUN, CONTENT_KEYS);
  expect(only(spans, 'chat').attributes).toMatchObject({ ...common('chat'), ...USAGE });
});
