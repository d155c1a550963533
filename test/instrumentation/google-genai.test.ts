/**
 * @google/genai 2.x on the service Node and 3.x on Node 22, in child processes started with the
 * hook, against a local server that answers like the Gemini API (and Vertex AI express mode).
 */
import { startOtlpSink, type OtlpSink, type SinkSpan } from '../helpers/otlp-sink';
import { GEMINI, geminiRoute } from './fakes/gemini';
import { startFakeServer, type FakeServer } from './fakes/server';
import { cases, runApp, sandbox, type NodeName, type RunResult } from './helpers/run-app';
import { AUDIT, caseSpans, CLIENT, json, only, spansOf, STATUS_ERROR, waitForSpans } from './helpers/spans';

const VERSIONS: { label: string; packages?: Record<string, string>; node: NodeName }[] = [
  { label: 'v2', node: 'system' },
  { label: 'v3', packages: { '@google/genai': 'google-genai-v3' }, node: 'node22' },
];
const SPANS_PER_RUN = 9;

let sink: OtlpSink;
let fake: FakeServer;
const runs = new Map<string, { hooked: RunResult; plain: RunResult }>();

beforeAll(async () => {
  [sink, fake] = await Promise.all([startOtlpSink(), startFakeServer([geminiRoute])]);
  await Promise.all(
    VERSIONS.map(async ({ label, packages, node }) => {
      const dir = packages && sandbox(packages);
      const run = (hook: 'require' | 'none') =>
        runApp({
          app: 'google-genai-app.cjs',
          node,
          hook,
          sandbox: dir,
          env: {
            FAKE_URL: fake.url,
            OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
            OTEL_SERVICE_NAME: `genai-${label}`,
            RUN_ID: `${label}-${hook}`,
          },
        });
      const [hooked, plain] = await Promise.all([run('require'), run('none')]);
      runs.set(label, { hooked, plain });
    }),
  );
  await waitForSpans(sink, Object.fromEntries(VERSIONS.map(({ label }) => [`genai-${label}`, SPANS_PER_RUN])));
}, 120_000);

afterAll(async () => {
  await Promise.all([sink?.close(), fake?.close()]);
});

const HELLO = [{ role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] }];
const REPLY = [{ role: 'assistant', parts: [{ type: 'text', content: GEMINI.reply }], finish_reason: 'stop' }];
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
  let run: { hooked: RunResult; plain: RunResult };
  beforeAll(() => {
    run = runs.get(label) as { hooked: RunResult; plain: RunResult };
    spans = spansOf(sink, `genai-${label}`);
  });

  const common = (feature: string, model = 'gemini-2.5-flash') => ({
    'gen_ai.operation.name': 'generate_content',
    'gen_ai.provider.name': 'gcp.gemini',
    'gen_ai.request.model': model,
    'server.address': '127.0.0.1',
    'server.port': Number(new URL(fake.url).port),
    ...AUDIT,
    'ai_audit.feature': feature,
  });

  test('the application behaves exactly as without the hook', () => {
    expect(run.hooked.code).toBe(0);
    expect(Object.keys(cases(run.hooked.stdout))).toHaveLength(8);
    expect(run.hooked.stdout).toBe(run.plain.stdout);
  });

  test('one CLIENT span per API request', () => {
    expect(spans).toHaveLength(SPANS_PER_RUN);
    for (const span of spans) {
      expect(span.kind).toBe(CLIENT);
      expect(span.scope.name).toBe('@ai-audit/instrumentation/@google/genai');
    }
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
    expect(span.attributes['ai_audit.abandon.reason']).toBe('return');
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'w0 w1 ' }], finish_reason: 'incomplete' },
    ]);
  });

  test('function call and function response', () => {
    const [first, second] = caseSpans(spans, 'tools') as [SinkSpan, SinkSpan];
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [CALL], finish_reason: 'tool_call' },
    ]);
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
