/**
 * cohere-ai 8.x's v2 client (required, and imported), in child processes started with the hook,
 * against a local server that answers like Cohere's v2 Chat API (JSON, typed SSE events, tool
 * calls with a tool plan, errors).
 */
import type { SinkSpan } from '../helpers/otlp-sink';
import { COHERE, cohereRoute } from './fakes/cohere';
import { type AppRun, REQUIRE_AND_ESM_RUNS, useAppRuns } from './helpers/app-runs';
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

const RUNS: Record<string, AppRun> = {
  ...REQUIRE_AND_ESM_RUNS,
};
/** 7 cases, one of which (tools) makes two calls. */
const SPANS_PER_RUN = 8;

const runs = useAppRuns({
  app: 'cohere-app.cjs',
  prefix: 'cohere',
  routes: [cohereRoute],
  runs: RUNS,
  spansPerRun: SPANS_PER_RUN,
});

const REPLY = textReply(COHERE.reply);
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

const common = commonAttributes({ provider: 'cohere', model: 'command-a-03-2025', port: runs.port });

describe.each([
  ['require', 'plain'],
  ['esm', 'esm-plain'],
])('cohere-ai v2 client, %s', (label, plainLabel) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = runs.spans(label);
  });

  testHookedRun(runs, {
    label,
    plainLabel,
    cases: 7,
    spans: SPANS_PER_RUN,
    scope: '@ai-audit/instrumentation/cohere-ai',
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
      'gen_ai.input.messages': JSON.stringify(HELLO_MESSAGES),
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
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual(toolCallReply(TOOL_USE));
    expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual(WEATHER_TOOL_DEFINITIONS);
    expect(json(second.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: TOOL_USE },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: COHERE.toolCall.id, response: 'rainy, 12°C' }] },
    ]);
  });

  test('streamed tool call: plan and argument pieces joined', () => {
    const span = only(spans, 'tools-stream');
    expect(span.attributes).toMatchObject({ ...USAGE, 'gen_ai.response.finish_reasons': ['TOOL_CALL'] });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(toolCallReply(TOOL_USE));
  });

  test('break out of a stream: abandoned once, with what was read', () => {
    const span = only(spans, 'stream-break');
    expectBrokenOffStream(span);
    expect(span.attributes['gen_ai.response.id']).toBe('fake-cohere-stream');
  });

  test("errors: error.type is the SDK's error class", () => {
    const notFound = only(spans, 'error-404');
    expectFailedCall(notFound, 'not found', {
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
  const spans = runs.spans('no-content');
  expectNoContent(spans, SPANS_PER_RUN, CONTENT_KEYS);
  expect(only(spans, 'chat').attributes).toMatchObject({ ...common('chat'), ...USAGE });
});
