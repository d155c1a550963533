/**
 * @google/genai 2.x on the service Node and 3.x on Node 22, in child processes started with the
 * hook, against a local server that answers like the Gemini API (and Vertex AI express mode).
 */
import type { SinkSpan } from '../helpers/otlp-sink';
import { GEMINI, geminiRoute } from './fakes/gemini';
import { hookedAndPlain, useAppRuns, type AppRun } from './helpers/app-runs';
import { expectBrokenOffStream, testHookedRun } from './helpers/expect-runs';
import { caseSpans, commonAttributes, json, only, STATUS_ERROR, textReply, toolCallReply } from './helpers/spans';

const VERSIONS: ({ label: string } & AppRun)[] = [
  { label: 'v2', node: 'system' },
  { label: 'v3', packages: { '@google/genai': 'google-genai-v3' }, node: 'node22' },
];
const SPANS_PER_RUN = 9;

const runs = useAppRuns({
  app: 'google-genai-app.cjs',
  prefix: 'genai',
  routes: [geminiRoute],
  runs: hookedAndPlain('genai', VERSIONS),
  spansPerRun: SPANS_PER_RUN,
});

const HELLO = [{ role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] }];
const REPLY = textReply(GEMINI.reply);
/** promptTokenCount includes the cached tokens; output = candidates 8 + thoughts 5. */
const USAGE = {
  'gen_ai.usage.input_tokens': 40,
  'gen_ai.usage.output_tokens': 13,
  'gen_ai.usage.cache_read.input_tokens': 16,
  'gen_ai.usage.reasoning.output_tokens': 5,
};
const CALL = { type: 'tool_call', id: null, name: 'get_weather', arguments: { city: 'Paris' } };

describe.each(VERSIONS.map(({ label }) => label))('@google/genai %s', (label) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = runs.spans(label);
  });

  const common = commonAttributes({
    provider: 'gcp.gemini',
    model: 'gemini-2.5-flash',
    port: runs.port,
    operation: 'generate_content',
  });

  testHookedRun(runs, {
    label,
    plainLabel: `${label}-plain`,
    cases: 8,
    spans: SPANS_PER_RUN,
    scope: '@ai-audit/instrumentation/@google/genai',
  });

  test('models.generateContent: config, response, usage and content', () => {
    const span = only(spans, 'generate');
    expect(span.name).toBe('generate_content gemini-2.5-flash');
    expect(span.attributes).toEqual({
      ...common('generate'),
      ...USAGE,
      'gen_ai.request.max_tokens': 100,
      'gen_ai.request.temperature': 0.4,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.top_k': 20,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 3,
      'gen_ai.response.id': 'fake-gemini-response-1',
      'gen_ai.response.model': GEMINI.model,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.input.messages': JSON.stringify(HELLO),
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are terse.' }]),
      'gen_ai.output.messages': JSON.stringify(REPLY),
    });
  });

  test('models.generateContentStream: chunks joined, usage from the last chunk', () => {
    const span = only(spans, 'generate-stream');
    expect(span.attributes).toMatchObject({
      ...common('generate-stream'),
      ...USAGE,
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'fake-gemini-stream-1',
    });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  test('a stream left with break: abandoned once, with what was read', () => {
    const span = only(spans, 'stream-break');
    expectBrokenOffStream(span);
  });

  test('function call and function response', () => {
    const [first, second] = caseSpans(spans, 'tools') as [SinkSpan, SinkSpan];
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([CALL]));
    expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
          },
        ],
      },
    ]);
    expect(json(second.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: [CALL] },
      { role: 'user', parts: [{ type: 'tool_call_response', id: null, response: { forecast: 'rainy, 12°C' } }] },
    ]);
  });

  test('chats.sendMessage goes through generateContent', () => {
    expect(only(spans, 'chat').attributes).toMatchObject({
      ...common('chat'),
      ...USAGE,
      'gen_ai.input.messages': JSON.stringify(HELLO),
    });
  });

  test('models.embedContent', () => {
    const span = only(spans, 'embed');
    expect(span.name).toBe('embeddings text-embedding-004');
    expect(span.attributes).toEqual({
      ...common('embed', 'text-embedding-004'),
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.embeddings.dimension.count': 6,
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

  test('a Vertex AI client is provider gcp.vertex_ai', () => {
    expect(only(spans, 'vertex').attributes).toMatchObject({ 'gen_ai.provider.name': 'gcp.vertex_ai', ...USAGE });
  });

  test('API errors: error.type is the RPC status from the error body', () => {
    const span = only(spans, 'error-404');
    expect(span.status.code).toBe(STATUS_ERROR);
    expect(span.attributes).toMatchObject({
      ...common('error-404', 'missing-model'),
      'error.type': 'NOT_FOUND',
      'http.response.status_code': 404,
    });
  });
});
