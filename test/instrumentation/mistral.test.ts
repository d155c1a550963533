/**
 * @mistralai/mistralai 2.x (an ES module package), required from CommonJS and imported, and 1.x
 * (CommonJS), in child processes started with the hook, against a local server that answers like the Mistral API
 * (JSON, SSE with usage in the last chunk, tool calls, errors).
 */
import type { SinkSpan } from '../helpers/otlp-sink';
import { MISTRAL, mistralRoute } from './fakes/mistral';
import { type AppRun, otherMajorRuns, REQUIRE_AND_ESM_RUNS, useAppRuns } from './helpers/app-runs';
import { expectBrokenOffStream, expectFailedCall, expectNoContent, testHookedRun } from './helpers/expect-runs';
import {
  caseSpans,
  commonAttributes,
  CONTENT_KEYS,
  HELLO_MESSAGES,
  json,
  only,
  STATUS_ERROR,
  STATUS_UNSET,
  textReply,
  toolCallReply,
  WEATHER_TOOL_DEFINITIONS,
} from './helpers/spans';

const V1 = { '@mistralai/mistralai': 'mistralai-v1' };
const RUNS: Record<string, AppRun> = {
  ...REQUIRE_AND_ESM_RUNS,
  ...otherMajorRuns('v1', V1),
};
/** 7 cases, one of which (tools) makes two calls. */
const SPANS_PER_RUN = 8;

const runs = useAppRuns({
  app: 'mistral-app.cjs',
  prefix: 'mistral',
  routes: [mistralRoute],
  runs: RUNS,
  spansPerRun: SPANS_PER_RUN,
  // Eight processes at once, each loading the SDK (seconds of CPU): slow on a busy machine.
  timeoutMs: 90_000,
  setupTimeoutMs: 240_000,
});

const REPLY = textReply(MISTRAL.reply);
const USAGE = { 'gen_ai.usage.input_tokens': 19, 'gen_ai.usage.output_tokens': 8 };
const TOOL_CALL = {
  type: 'tool_call',
  id: MISTRAL.toolCall.id,
  name: MISTRAL.toolCall.name,
  arguments: { city: 'Paris' },
};

const common = commonAttributes({ provider: 'mistral_ai', model: 'mistral-small-latest', port: runs.port });

describe.each([
  ['require', 'plain'],
  ['esm', 'esm-plain'],
  ['v1', 'v1-plain'],
])('@mistralai/mistralai, %s', (label, plainLabel) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = runs.spans(label);
  });

  testHookedRun(runs, {
    label,
    plainLabel,
    cases: 7,
    spans: SPANS_PER_RUN,
    scope: '@ai-audit/instrumentation/@mistralai/mistralai',
    spansTitle: "one CLIENT span per API request, and none of the SDK's own",
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
      'gen_ai.input.messages': JSON.stringify(HELLO_MESSAGES),
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
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([TOOL_CALL]));
    expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual(WEATHER_TOOL_DEFINITIONS);
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
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([TOOL_CALL]));
  });

  test('break out of a stream: abandoned once, with what was read', () => {
    const span = only(spans, 'stream-break');
    expectBrokenOffStream(span);
  });

  test("errors: error.type is the API's error type, else the SDK's error class", () => {
    const invalid = only(spans, 'error-400');
    expectFailedCall(invalid, 'Invalid model', {
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
  const spans = runs.spans('no-content');
  expectNoContent(spans, SPANS_PER_RUN, CONTENT_KEYS);
  expect(only(spans, 'chat').attributes).toMatchObject({ ...common('chat'), ...USAGE });
});
