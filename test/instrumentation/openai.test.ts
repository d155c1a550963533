/**
 * openai v4, v5, v6 on the service Node (20 here) and v7 on Node 22, each in a child process
 * started with `--require <repo>/instrumentation/register.js`, against a local server that
 * answers like the OpenAI API. The same app runs without the hook; its output must not change.
 */
import type { SinkSpan } from '../helpers/otlp-sink';
import { OPENAI, openaiRoute } from './fakes/openai';
import { hookedAndPlain, hookedAndPlainOf, useAppRuns, type AppRun } from './helpers/app-runs';
import { expectBrokenOffStream, expectClientSpans, expectSameAsWithoutHook } from './helpers/expect-runs';
import { cases, type RunResult } from './helpers/run-app';
import {
  caseSpans,
  commonAttributes,
  HELLO_MESSAGES,
  json,
  only,
  STATUS_ERROR,
  STATUS_UNSET,
  textReply,
  toolCallReply,
  WEATHER_TOOL_DEFINITIONS,
} from './helpers/spans';

const VERSIONS: ({ label: string } & AppRun)[] = [
  { label: 'v4', packages: { openai: 'openai-v4' }, node: 'system' },
  { label: 'v5', packages: { openai: 'openai-v5' }, node: 'system' },
  { label: 'v6', node: 'system' },
  { label: 'v7', packages: { openai: 'openai-v7' }, node: 'node22' },
];
/** 17 cases, one of which (chat-tools) makes two calls. */
const SPANS_PER_RUN = 18;

const runs = useAppRuns({
  app: 'openai-app.cjs',
  prefix: 'openai',
  routes: [openaiRoute],
  runs: hookedAndPlain('openai', VERSIONS),
  spansPerRun: SPANS_PER_RUN,
});

const common = commonAttributes({ provider: 'openai', model: 'gpt-4o-mini', port: runs.port });

const REPLY = textReply(OPENAI.reply);
const CHAT_RESPONSE = {
  'gen_ai.response.model': OPENAI.model,
  'gen_ai.response.finish_reasons': ['stop'],
  'gen_ai.usage.input_tokens': 21,
  'gen_ai.usage.output_tokens': 9,
  'gen_ai.usage.cache_read.input_tokens': 5,
  'gen_ai.usage.reasoning.output_tokens': 2,
};
const TOOL_CALL = {
  type: 'tool_call',
  id: OPENAI.toolCall.id,
  name: OPENAI.toolCall.name,
  arguments: { city: 'Paris' },
};

function expectTtft(span: SinkSpan): void {
  const ttft = span.attributes['gen_ai.response.time_to_first_chunk'];
  expect(typeof ttft).toBe('number');
  expect(ttft as number).toBeGreaterThan(0);
  expect(ttft as number).toBeLessThan(Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9);
}

describe.each(VERSIONS.map(({ label, node }) => [label, node]))('openai %s on %s node', (label) => {
  let spans: SinkSpan[];
  let run: { hooked: RunResult; plain: RunResult };
  beforeAll(() => {
    run = hookedAndPlainOf(runs, label);
    spans = runs.spans(label);
  });

  test('the application behaves exactly as without the hook', () => {
    expect(run.plain.code).toBe(0);
    expectSameAsWithoutHook(run.hooked, run.plain, 17);
    const started = run.hooked.stderr.split('\n').filter((line) => line.startsWith('ai-audit: instrumenting'));
    expect(started).toEqual([
      `ai-audit: instrumenting openai, @anthropic-ai/sdk, @google/genai, @aws-sdk/client-bedrock-runtime, groq-sdk, @mistralai/mistralai, ollama, cohere-ai, ai, @langchain/core, @openai/agents, @modelcontextprotocol/sdk (require); spans to ${runs.sink.endpoint} (OTLP/gRPC), message content on spans, metrics off`,
    ]);
  });

  test('one CLIENT span per API request, all ended and exported', () => {
    expectClientSpans(spans, SPANS_PER_RUN, '@ai-audit/instrumentation/openai');
    for (const span of spans) expect(span.endTimeUnixNano).toBeGreaterThan(span.startTimeUnixNano);
  });

  test('chat: request parameters, response, usage and content', () => {
    const span = only(spans, 'chat');
    expect(span.name).toBe('chat gpt-4o-mini');
    expect(span.status.code).toBe(STATUS_UNSET);
    expect(span.attributes).toEqual({
      ...common('chat'),
      ...CHAT_RESPONSE,
      'gen_ai.request.max_tokens': 50,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'gen_ai.response.id': 'chatcmpl-fake-1',
      'gen_ai.input.messages': expect.any(String),
      'gen_ai.output.messages': expect.any(String),
    });
    expect(json(span.attributes['gen_ai.input.messages'])).toEqual(HELLO_MESSAGES);
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
  });

  test('chat through withResponse() is recorded like await', () => {
    expect(only(spans, 'chat-with-response').attributes).toMatchObject({
      ...common('chat-with-response'),
      ...CHAT_RESPONSE,
    });
  });

  test('streamed chat: usage asked for by the hook, the extra chunk kept from the app', () => {
    const span = only(spans, 'chat-stream');
    expect(span.attributes).toMatchObject({
      ...common('chat-stream'),
      ...CHAT_RESPONSE,
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'chatcmpl-fake-stream',
    });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expectTtft(span);
    // On the wire: the hooked run asked for usage, the plain run did not.
    const streamed = (run: string) =>
      runs.fake.requests.filter(
        (r) =>
          r.headers['x-test-run'] === run &&
          r.path === '/v1/chat/completions' &&
          r.body?.stream === true &&
          r.body?.model === 'gpt-4o-mini' &&
          !r.body?.tools,
      );
    expect(streamed(`${label}-require`).every((r) => r.body.stream_options?.include_usage === true)).toBe(true);
    expect(streamed(`${label}-none`).filter((r) => r.body.stream_options === undefined)).toHaveLength(3);
    // And the app saw no usage chunk and no `usage` key (see the stdout comparison above).
    expect(cases(run.hooked.stdout)['chat-stream']).toMatchObject({
      chunks: 7,
      keys: expect.not.arrayContaining(['usage']),
    });
  });

  test("streamed chat where the app asked for usage itself: the app's usage chunk is left alone", () => {
    const span = only(spans, 'chat-stream-usage');
    expect(span.attributes).toMatchObject({ ...CHAT_RESPONSE, 'gen_ai.request.stream': true });
    expect(cases(run.hooked.stdout)['chat-stream-usage']).toMatchObject({ chunks: 8, lastChoices: 0 });
  });

  test('tee() of a stream still yields both halves, and the call is recorded once', () => {
    const span = only(spans, 'chat-stream-tee');
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expect(cases(run.hooked.stdout)['chat-stream-tee']).toEqual({
      case: 'chat-stream-tee',
      left: OPENAI.reply,
      right: OPENAI.reply,
      sizes: [7, 7],
    });
  });

  test('tool call and tool result round trip', () => {
    const [first, second] = caseSpans(spans, 'chat-tools') as [SinkSpan, SinkSpan];
    expect(first.attributes).toMatchObject({
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.response.id': 'chatcmpl-fake-tool',
    });
    expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual(WEATHER_TOOL_DEFINITIONS);
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([TOOL_CALL]));
    expect(json(second.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: [TOOL_CALL] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: OPENAI.toolCall.id, response: 'rainy, 12°C' }] },
    ]);
    expect(json(second.attributes['gen_ai.output.messages'])).toEqual(REPLY);
  });

  test('streamed tool-call argument deltas are joined into one tool call', () => {
    const span = only(spans, 'chat-tools-stream');
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([TOOL_CALL]));
  });

  test('a stream left with break ends its span once, as abandoned, with what was read', () => {
    const span = only(spans, 'chat-break');
    expect(span.status.code).toBe(STATUS_UNSET);
    expectBrokenOffStream(span);
    expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    expect(cases(run.hooked.stdout)['chat-break']).toMatchObject({ received: 3 });
  });

  test('controller.abort() still stops the stream; the span says aborted', () => {
    const span = only(spans, 'chat-abort');
    expect(span.attributes['ai_audit.abandon.reason']).toBe('abort');
    expect(cases(run.hooked.stdout)['chat-abort']).toMatchObject({ aborted: true });
  });

  test("the SDK's stream() helper keeps its events and final result", () => {
    const span = only(spans, 'chat-stream-helper');
    expect(span.attributes).toMatchObject({ ...CHAT_RESPONSE, 'gen_ai.request.stream': true });
    expect(cases(run.hooked.stdout)['chat-stream-helper']).toMatchObject({ deltas: OPENAI.reply, text: OPENAI.reply });
  });

  test("the SDK's parse() helper is recorded like create()", () => {
    expect(only(spans, 'chat-parse').attributes).toMatchObject({
      ...common('chat-parse'),
      ...CHAT_RESPONSE,
      'gen_ai.output.messages': JSON.stringify(REPLY),
    });
    expect(cases(run.hooked.stdout)['chat-parse']).toMatchObject({ text: OPENAI.reply, parsed: null });
  });

  test('responses.create, plain and streamed', () => {
    const usage = {
      'gen_ai.usage.input_tokens': 18,
      'gen_ai.usage.output_tokens': 7,
      'gen_ai.usage.cache_read.input_tokens': 4,
      'gen_ai.usage.reasoning.output_tokens': 1,
    };
    const plain = only(spans, 'responses');
    expect(plain.attributes).toEqual({
      ...common('responses'),
      ...usage,
      'gen_ai.request.max_tokens': 40,
      'gen_ai.response.id': 'resp_fake_1',
      'gen_ai.response.model': OPENAI.model,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] }]),
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'Be terse.' }]),
      'gen_ai.output.messages': JSON.stringify(REPLY),
    });
    const streamed = only(spans, 'responses-stream');
    expect(streamed.attributes).toMatchObject({
      ...usage,
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'resp_fake_1',
    });
    expect(json(streamed.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expectTtft(streamed);
  });

  test('embeddings.create', () => {
    const span = only(spans, 'embeddings');
    expect(span.name).toBe('embeddings text-embedding-3-small');
    expect(span.attributes).toEqual({
      ...common('embeddings', 'text-embedding-3-small'),
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.response.model': 'text-embedding-3-small',
      'gen_ai.usage.input_tokens': 6,
      'gen_ai.embeddings.dimension.count': 8,
      'gen_ai.input.messages': JSON.stringify([
        {
          role: 'user',
          parts: [
            { type: 'text', content: 'first text' },
            { type: 'text', content: 'second text' },
          ],
        },
      ]),
    });
  });

  test('API errors: error.type is the provider code, the span status is ERROR', () => {
    const notFound = only(spans, 'error-404');
    expect(notFound.status).toEqual({
      code: STATUS_ERROR,
      message: '404 The model `missing-model` does not exist or you do not have access to it.',
    });
    expect(notFound.attributes).toMatchObject({
      ...common('error-404', 'missing-model'),
      'error.type': 'model_not_found',
      'http.response.status_code': 404,
    });
    expect(notFound.attributes['gen_ai.response.id']).toBeUndefined();
    const serverError = only(spans, 'error-500');
    expect(serverError.status.code).toBe(STATUS_ERROR);
    expect(serverError.attributes).toMatchObject({
      'error.type': 'server_error',
      'http.response.status_code': 500,
      'gen_ai.request.stream': true,
    });
    expect(cases(run.hooked.stdout)['error-404']).toMatchObject({
      error: { name: 'NotFoundError', status: 404, code: 'model_not_found' },
    });
  });

  test('an AzureOpenAI client is provider azure.ai.openai', () => {
    expect(only(spans, 'azure').attributes).toMatchObject({
      'gen_ai.provider.name': 'azure.ai.openai',
      ...CHAT_RESPONSE,
    });
  });
});
