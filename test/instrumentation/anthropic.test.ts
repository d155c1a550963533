/**
 * @anthropic-ai/sdk 1.x and 0.x in child processes started with the hook, against a local server
 * that answers like the Anthropic Messages API (JSON, SSE, tool use, errors).
 */
import type { SinkSpan } from '../helpers/otlp-sink';
import { ANTHROPIC, anthropicRoute } from './fakes/anthropic';
import { hookedAndPlain, hookedAndPlainOf, useAppRuns, type AppRun } from './helpers/app-runs';
import {
  expectBrokenOffStream,
  expectClientSpans,
  expectFailedCall,
  expectSameAsWithoutHook,
} from './helpers/expect-runs';
import { cases, type RunResult } from './helpers/run-app';
import {
  caseSpans,
  commonAttributes,
  json,
  only,
  STATUS_ERROR,
  STATUS_UNSET,
  textReply,
  toolCallReply,
} from './helpers/spans';

const VERSIONS: ({ label: string } & AppRun)[] = [
  { label: 'v1' },
  { label: 'v0', packages: { '@anthropic-ai/sdk': 'anthropic-v0' } },
];
const SPANS_PER_RUN = 12;

const runs = useAppRuns({
  app: 'anthropic-app.cjs',
  prefix: 'anthropic',
  routes: [anthropicRoute],
  runs: hookedAndPlain('anthropic', VERSIONS),
  spansPerRun: SPANS_PER_RUN,
});

const HELLO = [{ role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] }];
const REPLY = textReply(ANTHROPIC.reply);
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
    run = hookedAndPlainOf(runs, label);
    spans = runs.spans(label);
  });

  const common = commonAttributes({ provider: 'anthropic', model: 'claude-sonnet-4-6', port: runs.port });

  test('the application behaves exactly as without the hook', () => {
    expectSameAsWithoutHook(run.hooked, run.plain, 11);
  });

  test("one span per API call, and none of the SDK's own: its native tracing stays off", () => {
    expectClientSpans(spans, SPANS_PER_RUN, '@ai-audit/instrumentation/@anthropic-ai/sdk');
    // Nor does the SDK start sending trace context or audit baggage to the API. (The helper
    // aborted before connecting sends nothing.)
    const hooked = runs.fake.requests.filter((r) => r.headers['x-test-run'] === `${label}-require`);
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
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual(toolCallReply(TOOL_USE));
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
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(toolCallReply(TOOL_USE));
  });

  test('break out of a stream: abandoned once, with what was read', () => {
    const span = only(spans, 'stream-break');
    expectBrokenOffStream(span);
    expect(span.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(200);
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
    expectFailedCall(notFound, 'model: missing-model', {
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
