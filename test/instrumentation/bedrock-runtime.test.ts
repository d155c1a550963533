/**
 * @aws-sdk/client-bedrock-runtime in a child process started with the hook, against a local
 * HTTP/2 server that answers like Bedrock Runtime: Converse JSON, ConverseStream in the AWS
 * event-stream binary framing (with CRCs), InvokeModel bodies, AWS errors.
 */
import type { SinkSpan } from '../helpers/otlp-sink';
import { BEDROCK, bedrockRoute } from './fakes/bedrock';
import { useAppRuns } from './helpers/app-runs';
import { expectBrokenOffStream, expectClientSpans, expectSameAsWithoutHook } from './helpers/expect-runs';
import { cases, type RunResult } from './helpers/run-app';
import { caseSpans, commonAttributes, json, only, STATUS_ERROR, textReply, toolCallReply } from './helpers/spans';

const SPANS = 12;
const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

const runs = useAppRuns({
  app: 'bedrock-app.cjs',
  prefix: 'bedrock',
  routes: [bedrockRoute],
  http2: true,
  runs: {
    hooked: { hook: 'require', service: 'bedrock', spans: SPANS },
    plain: { hook: 'none', service: 'bedrock' },
  },
  setupTimeoutMs: 60_000,
});

let hooked: RunResult;
let plain: RunResult;
let spans: SinkSpan[];
beforeAll(() => {
  hooked = runs.result('hooked');
  plain = runs.result('plain');
  spans = runs.spans('hooked');
});

const common = commonAttributes({ provider: 'aws.bedrock', model: MODEL, port: runs.port });
const HELLO = [{ role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] }];
const REPLY = textReply(BEDROCK.reply);
/** Converse's inputTokens excludes cache reads and writes: 11 + 200 + 100. */
const USAGE = {
  'gen_ai.usage.input_tokens': 311,
  'gen_ai.usage.output_tokens': 7,
  'gen_ai.usage.cache_read.input_tokens': 200,
  'gen_ai.usage.cache_creation.input_tokens': 100,
};
const TOOL_USE = [
  { type: 'text', content: BEDROCK.preamble },
  { type: 'tool_call', id: BEDROCK.tool.toolUseId, name: 'get_weather', arguments: { city: 'Paris' } },
];

test('the application behaves exactly as without the hook', () => {
  expectSameAsWithoutHook(hooked, plain, 11);
});

test('one CLIENT span per Bedrock call (the callback form included)', () => {
  expectClientSpans(spans, SPANS, '@ai-audit/instrumentation/@aws-sdk/client-bedrock-runtime');
  expect(only(spans, 'callback').attributes).toMatchObject({ ...common('callback'), ...USAGE });
});

test('Converse: inference config, stop reason, cache tokens, content', () => {
  const span = only(spans, 'converse');
  expect(span.name).toBe(`chat ${MODEL}`);
  expect(span.attributes).toEqual({
    ...common('converse'),
    ...USAGE,
    'gen_ai.request.max_tokens': 100,
    'gen_ai.request.temperature': 0.5,
    'gen_ai.request.top_p': 0.9,
    'gen_ai.request.stop_sequences': ['END'],
    'gen_ai.response.finish_reasons': ['end_turn'],
    'gen_ai.input.messages': JSON.stringify(HELLO),
    'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are terse.' }]),
    'gen_ai.output.messages': JSON.stringify(REPLY),
  });
});

test('ConverseStream: event-stream events folded into the result', () => {
  const span = only(spans, 'converse-stream');
  expect(span.attributes).toMatchObject({
    ...common('converse-stream'),
    ...USAGE,
    'gen_ai.request.stream': true,
    'gen_ai.response.finish_reasons': ['end_turn'],
  });
  expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
  expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  expect(cases(hooked.stdout)['converse-stream']).toMatchObject({ text: BEDROCK.reply });
});

test('ConverseStream left with break: abandoned once', () => {
  const span = only(spans, 'stream-break');
  expectBrokenOffStream(span);
});

test('tool use, tool result, and streamed tool input', () => {
  const [first, second] = caseSpans(spans, 'tools') as [SinkSpan, SinkSpan];
  expect(json(first.attributes['gen_ai.output.messages'])).toEqual(toolCallReply(TOOL_USE));
  expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual([
    {
      toolSpec: {
        name: 'get_weather',
        description: 'Weather for a city',
        inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      },
    },
  ]);
  expect(json(second.attributes['gen_ai.input.messages'])).toEqual([
    { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
    { role: 'assistant', parts: TOOL_USE },
    { role: 'user', parts: [{ type: 'tool_call_response', id: BEDROCK.tool.toolUseId, response: 'rainy, 12°C' }] },
  ]);
  expect(json(only(spans, 'tools-stream').attributes['gen_ai.output.messages'])).toEqual(toolCallReply(TOOL_USE));
});

test('InvokeModel with an Anthropic body reads like the Messages API; the body stays readable', () => {
  const span = only(spans, 'invoke-claude');
  expect(span.attributes).toEqual({
    ...common('invoke-claude'),
    'gen_ai.request.max_tokens': 80,
    'gen_ai.response.id': 'msg_bdrk_fake01',
    'gen_ai.response.model': 'claude-3-5-haiku-20241022',
    'gen_ai.response.finish_reasons': ['end_turn'],
    'gen_ai.usage.input_tokens': 14,
    'gen_ai.usage.output_tokens': 6,
    'gen_ai.usage.cache_read.input_tokens': 0,
    'gen_ai.usage.cache_creation.input_tokens': 0,
    'gen_ai.input.messages': JSON.stringify(HELLO),
    'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are terse.' }]),
    'gen_ai.output.messages': JSON.stringify(REPLY),
  });
  expect(cases(hooked.stdout)['invoke-claude']).toMatchObject({ ctor: 'Uint8ArrayBlobAdapter', text: BEDROCK.reply });
});

test('InvokeModel with Titan text and Titan embeddings bodies', () => {
  const titan = only(spans, 'invoke-titan');
  expect(titan.name).toBe('text_completion amazon.titan-text-express-v1');
  expect(titan.attributes).toMatchObject({
    'gen_ai.operation.name': 'text_completion',
    'gen_ai.request.max_tokens': 50,
    'gen_ai.request.temperature': 0.1,
    'gen_ai.usage.input_tokens': 5,
    'gen_ai.usage.output_tokens': 4,
    'gen_ai.response.finish_reasons': ['FINISH'],
    'gen_ai.output.messages': JSON.stringify([
      { role: 'assistant', parts: [{ type: 'text', content: BEDROCK.titanReply }], finish_reason: 'stop' },
    ]),
  });
  const embed = only(spans, 'invoke-embed');
  expect(embed.attributes).toMatchObject({
    'gen_ai.operation.name': 'embeddings',
    'gen_ai.embeddings.dimension.count': 4,
    'gen_ai.usage.input_tokens': 3,
  });
});

test('the aggregated BedrockRuntime client is covered through send', () => {
  expect(only(spans, 'aggregated').attributes).toMatchObject({ ...common('aggregated'), ...USAGE });
});

test('AWS errors: error.type is the exception name', () => {
  const span = only(spans, 'error');
  expect(span.status).toEqual({ code: STATUS_ERROR, message: 'The provided model identifier is invalid.' });
  expect(span.attributes).toMatchObject({
    ...common('error', 'missing-model'),
    'error.type': 'ValidationException',
    'http.response.status_code': 400,
  });
});
