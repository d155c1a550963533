/**
 * ollama 0.6 (required, and imported as an ES module) and 0.5.0, in child processes started with the hook,
 * against a local server that answers like Ollama (JSON, newline-delimited JSON streams, tool
 * calls, thinking, errors).
 */
import type { SinkSpan } from '../helpers/otlp-sink';
import { OLLAMA, ollamaRoute } from './fakes/ollama';
import { type AppRun, otherMajorRuns, REQUIRE_AND_ESM_RUNS, useAppRuns } from './helpers/app-runs';
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

const V05 = { ollama: 'ollama-v05' };
const RUNS: Record<string, AppRun> = {
  ...REQUIRE_AND_ESM_RUNS,
  ...otherMajorRuns('v05', V05),
};
/** 7 cases, one of which (tools) makes two calls. */
const SPANS_PER_RUN = 8;

const runs = useAppRuns({
  app: 'ollama-app.cjs',
  prefix: 'ollama',
  routes: [ollamaRoute],
  runs: RUNS,
  spansPerRun: SPANS_PER_RUN,
});

const REPLY = textReply(OLLAMA.reply);
const USAGE = { 'gen_ai.usage.input_tokens': 26, 'gen_ai.usage.output_tokens': 12 };
const TOOL_CALL = { type: 'tool_call', id: null, name: 'get_weather', arguments: { city: 'Paris' } };

const common = commonAttributes({ provider: 'ollama', model: 'llama3.2', port: runs.port });

describe.each([
  ['require', 'plain'],
  ['esm', 'esm-plain'],
  ['v05', 'v05-plain'],
])('ollama, %s', (label, plainLabel) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = runs.spans(label);
  });

  testHookedRun(runs, { label, plainLabel, cases: 7, spans: SPANS_PER_RUN, scope: '@ai-audit/instrumentation/ollama' });

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
      'gen_ai.input.messages': JSON.stringify(HELLO_MESSAGES),
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
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([TOOL_CALL]));
    expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual(WEATHER_TOOL_DEFINITIONS);
    expect(json(second.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: [TOOL_CALL] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: null, response: 'rainy, 12°C' }] },
    ]);
  });

  test('streamed tool call', () => {
    const span = only(spans, 'tools-stream');
    expect(span.attributes).toMatchObject({ ...USAGE, 'gen_ai.request.stream': true });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([TOOL_CALL]));
  });

  test('break out of a stream: abandoned once, with what was read', () => {
    const span = only(spans, 'stream-break');
    expectBrokenOffStream(span);
  });

  test("errors: the library's ResponseError, plain or streamed", () => {
    const plain = only(spans, 'error-404');
    expectFailedCall(plain, 'not found', {
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
  const spans = runs.spans('no-content');
  expectNoContent(spans, SPANS_PER_RUN, CONTENT_KEYS);
  expect(only(spans, 'chat').attributes).toMatchObject({ ...common('chat'), ...USAGE });
});
