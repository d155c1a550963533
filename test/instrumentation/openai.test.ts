/**
 * openai v4, v5, v6 on the service Node (20 here) and v7 on Node 22, each in a child process
 * started with `--require <repo>/instrumentation/register.js`, against a local server that
 * answers like the OpenAI API. The same app runs without the hook; its output must not change.
 */
import { startOtlpSink, type OtlpSink, type SinkSpan } from '../helpers/otlp-sink';
import { OPENAI } from './fakes/openai';
import { startFakeServer, type FakeServer } from './fakes/server';
import { cases, runApp, sandbox, type NodeName, type RunResult } from './helpers/run-app';
import {
  AUDIT,
  CLIENT,
  json,
  only,
  caseSpans,
  spansOf,
  STATUS_ERROR,
  STATUS_UNSET,
  waitForSpans,
} from './helpers/spans';
import { openaiRoute } from './fakes/openai';

const VERSIONS: { label: string; packages?: Record<string, string>; node: NodeName }[] = [
  { label: 'v4', packages: { openai: 'openai-v4' }, node: 'system' },
  { label: 'v5', packages: { openai: 'openai-v5' }, node: 'system' },
  { label: 'v6', node: 'system' },
  { label: 'v7', packages: { openai: 'openai-v7' }, node: 'node22' },
];
/** 17 cases, one of which (chat-tools) makes two calls. */
const SPANS_PER_RUN = 18;

let sink: OtlpSink;
let fake: FakeServer;
const runs = new Map<string, { hooked: RunResult; plain: RunResult }>();

beforeAll(async () => {
  [sink, fake] = await Promise.all([startOtlpSink(), startFakeServer([openaiRoute])]);
  await Promise.all(
    VERSIONS.map(async ({ label, packages, node }) => {
      const dir = packages && sandbox(packages);
      const run = (hook: 'require' | 'none') =>
        runApp({
          app: 'openai-app.cjs',
          node,
          hook,
          sandbox: dir,
          env: {
            FAKE_URL: fake.url,
            OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
            OTEL_SERVICE_NAME: `openai-${label}`,
            RUN_ID: `${label}-${hook}`,
          },
        });
      const [hooked, plain] = await Promise.all([run('require'), run('none')]);
      runs.set(label, { hooked, plain });
    }),
  );
  await waitForSpans(sink, Object.fromEntries(VERSIONS.map(({ label }) => [`openai-${label}`, SPANS_PER_RUN])));
}, 120_000);

afterAll(async () => {
  await Promise.all([sink?.close(), fake?.close()]);
});

const fakePort = (): number => Number(new URL(fake.url).port);

function common(feature: string, model = 'gpt-4o-mini') {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': model,
    'server.address': '127.0.0.1',
    'server.port': fakePort(),
    ...AUDIT,
    'ai_audit.feature': feature,
  };
}

const SAY_HELLO = [
  { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] },
];
const REPLY = [{ role: 'assistant', parts: [{ type: 'text', content: OPENAI.reply }], finish_reason: 'stop' }];
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
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

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
    run = runs.get(label) as { hooked: RunResult; plain: RunResult };
    spans = spansOf(sink, `openai-${label}`);
  });

  test('the application behaves exactly as without the hook', () => {
    expect(run.hooked.code).toBe(0);
    expect(run.plain.code).toBe(0);
    expect(Object.keys(cases(run.hooked.stdout))).toHaveLength(17);
    expect(run.hooked.stdout).toBe(run.plain.stdout);
    const started = run.hooked.stderr.split('\n').filter((line) => line.startsWith('ai-audit: instrumenting'));
    expect(started).toEqual([
      `ai-audit: instrumenting openai, @anthropic-ai/sdk, @google/genai, @aws-sdk/client-bedrock-runtime, groq-sdk, @mistralai/mistralai, ollama, cohere-ai, ai, @langchain/core, @openai/agents, @modelcontextprotocol/sdk (require); spans to ${sink.endpoint} (OTLP/gRPC), message content on spans, metrics off`,
    ]);
  });

  test('one CLIENT span per API request, all ended and exported', () => {
    expect(spans).toHaveLength(SPANS_PER_RUN);
    for (const span of spans) {
      expect(span.kind).toBe(CLIENT);
      expect(span.scope.name).toBe('@ai-audit/instrumentation/openai');
      expect(span.endTimeUnixNano).toBeGreaterThan(span.startTimeUnixNano);
    }
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
    expect(json(span.attributes['gen_ai.input.messages'])).toEqual(SAY_HELLO);
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
      fake.requests.filter(
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
    expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual(TOOLS);
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [TOOL_CALL], finish_reason: 'tool_call' },
    ]);
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
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [TOOL_CALL], finish_reason: 'tool_call' },
    ]);
  });

  test('a stream left with break ends its span once, as abandoned, with what was read', () => {
    const span = only(spans, 'chat-break');
    expect(span.status.code).toBe(STATUS_UNSET);
    expect(span.attributes['ai_audit.abandon.reason']).toBe('return');
    expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'w0 w1 ' }], finish_reason: 'incomplete' },
    ]);
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
