/**
 * The Vercel AI SDK: `ai` 6 (required from CommonJS, and imported, on Node 20 and 24) and `ai` 5, with @ai-sdk/openai
 * (and @ai-sdk/anthropic on 6), in child processes started with the hook, against local servers
 * that answer like the OpenAI and Anthropic APIs. One chat span per model request, under an
 * invoke_agent span with an execute_tool span per tool run when the call has tools; nothing from
 * the hook when the SDK's own telemetry is on; one span when a model built on the `openai`
 * package is called through the SDK. Last, an AI SDK application through a real collector.
 */
import { AiSdkInstrumentation } from '../../instrumentation/src/providers/ai-sdk';
import { eventually } from '../helpers/collector';
import { useCollector } from './helpers/collector-run';
import type { SinkSpan } from '../helpers/otlp-sink';
import { ANTHROPIC, anthropicRoute } from './fakes/anthropic';
import { OPENAI, openaiRoute } from './fakes/openai';
import { sendJson, sendSse, startFakeServer, type FakeServer, type Route } from './fakes/server';
import { type AppRun, otherMajorRuns, REQUIRE_AND_ESM_RUNS, useAppRuns } from './helpers/app-runs';
import { expectFailedCall, expectNoContent, expectSameAsWithoutHook } from './helpers/expect-runs';
import { cases, runApp } from './helpers/run-app';
import {
  AUDIT,
  caseSpans,
  CLIENT,
  commonAttributes,
  CONTENT_KEYS_WITH_TOOLS,
  json,
  only,
  spansOf,
  STATUS_ERROR,
  STATUS_UNSET,
  textReply,
  toolCallReply,
} from './helpers/spans';

const V5 = { ai: 'ai-v5', '@ai-sdk/openai': 'ai-sdk-openai-v2' };
const RUNS: Record<string, AppRun> = {
  ...REQUIRE_AND_ESM_RUNS,
  ...otherMajorRuns('v5', V5),
  'node24-esm': { hook: 'import', env: { ESM: '1' }, node: 'node24' },
};
const SCOPE = '@ai-audit/instrumentation/ai';
const OPENAI_SCOPE = '@ai-audit/instrumentation/openai';
/**
 * Per run: the hook's spans (chat 1, stream 1, stream-break 1, stream-abort 2, tools 4,
 * tool-error 4, tools-stream 4, object 1, object-stream 1, embed 1, embed-many 1, error 1, error-stream 2,
 * openai-package 1 + 1 of the openai instrumentation; on `ai` 6 also anthropic 1, agent 4,
 * agent-stream 4, agent-no-tools 2, agent-concurrent 8), and the 4 spans of the SDK's own telemetry.
 */
const SPANS = { v6: 27 + 18 + 4, v5: 26 + 4 };
const CASES = { v6: 20, v5: 15 };
/** Agent and tool spans (INTERNAL) of a run; all others are model requests (CLIENT). */
const INTERNAL = { v6: 8 + 9, v5: 8 };

/** What the structured-output cases get back: Chat Completions with a JSON schema response format. */
const OBJECT = { city: 'Paris', forecast: 'rainy' };
const OBJECT_TEXT = JSON.stringify(OBJECT);

/**
 * Chat Completions asked for JSON (`response_format: json_schema`): the fake OpenAI answers
 * those in prose, so the JSON answer, in the API's wire shapes, comes from here.
 */
const structuredRoute: Route = async (request, res) => {
  const body = request.body ?? {};
  if (request.path !== '/v1/chat/completions' || body.response_format?.type !== 'json_schema') return false;
  const base = { id: 'chatcmpl-fake-json', created: OPENAI.created, model: OPENAI.model };
  if (!body.stream) {
    sendJson(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: OBJECT_TEXT, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: OPENAI.usage,
    });
    return true;
  }
  const chunk = (delta: unknown, finish: string | null = null) => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const pieces = [OBJECT_TEXT.slice(0, 12), OBJECT_TEXT.slice(12)];
  const chunks = [
    chunk({ role: 'assistant', content: '' }),
    ...pieces.map((content) => chunk({ content })),
    chunk({}, 'stop'),
    { ...base, object: 'chat.completion.chunk', choices: [], usage: OPENAI.usage },
  ];
  await sendSse(res, [...chunks.map((data) => ({ data: JSON.stringify(data) })), { data: '[DONE]' }]);
  return true;
};

const runs = useAppRuns({
  app: 'ai-sdk-app.cjs',
  prefix: 'ai-sdk',
  routes: [structuredRoute, openaiRoute, anthropicRoute],
  runs: { ...RUNS, v5: { ...RUNS.v5, spans: SPANS.v5 } },
  spansPerRun: SPANS.v6,
  timeoutMs: 60_000,
  setupTimeoutMs: 180_000,
  spansTimeoutMs: 20_000,
});

test('an agent stream the application drops unread still ends its agent span, as abandoned', async () => {
  const result = await runApp({
    app: 'ai-sdk-dropped-app.cjs',
    hook: 'require',
    nodeArgs: ['--expose-gc'],
    env: {
      FAKE_URL: runs.fake.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: runs.sink.endpoint,
      OTEL_SERVICE_NAME: 'ai-sdk-dropped',
    },
    timeoutMs: 60_000,
  });
  expect(result.stdout).toBe('dropped\n');
  await runs.sink.waitFor(
    (s) => spansOf(s, 'ai-sdk-dropped').some((span) => span.name.startsWith('invoke_agent')),
    20_000,
  );
  const agent = spansOf(runs.sink, 'ai-sdk-dropped').find((span) => span.name.startsWith('invoke_agent'));
  expect(agent?.attributes['ai_audit.abandon.reason']).toEqual(expect.stringMatching(/^(gc|shutdown)$/));
  expect(agent?.attributes['ai_audit.feature']).toBe('dropped');
});

/**
 * The spans of an agent run, told apart by what they are rather than by start time (spans'
 * clocks are anchored per span, to the millisecond): the first model call asked for the tool.
 */
function agentRun(spans: SinkSpan[], feature: string) {
  const all = caseSpans(spans, feature);
  const find = (predicate: (span: SinkSpan) => boolean) => all.find(predicate) as SinkSpan;
  const asksForTool = (span: SinkSpan) => /tool/.test(String(span.attributes['gen_ai.response.finish_reasons']));
  return {
    all,
    agent: find((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent'),
    tool: find((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool'),
    first: find((span) => span.attributes['gen_ai.operation.name'] === 'chat' && asksForTool(span)),
    second: find((span) => span.attributes['gen_ai.operation.name'] === 'chat' && !asksForTool(span)),
  };
}

/** The hook's AI SDK spans of a run. */
function hookSpans(label: string): SinkSpan[] {
  return runs.spans(label).filter((span) => span.scope.name === SCOPE);
}

const common = commonAttributes({ provider: 'openai', model: 'gpt-4o-mini', port: runs.port });

const USAGE = {
  'gen_ai.usage.input_tokens': 21,
  'gen_ai.usage.output_tokens': 9,
  'gen_ai.usage.cache_read.input_tokens': 5,
  'gen_ai.usage.reasoning.output_tokens': 2,
};
const REPLY = textReply(OPENAI.reply);
const QUESTION = { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] };
const TOOL_CALL = {
  type: 'tool_call',
  id: OPENAI.toolCall.id,
  name: OPENAI.toolCall.name,
  arguments: { city: 'Paris' },
};
const WEATHER = { city: 'Paris', forecast: 'rainy', celsius: 12 };

describe.each([
  ['require', 'plain', 'v6'],
  ['esm', 'esm-plain', 'v6'],
  ['node24-esm', 'esm-plain', 'v6'],
  ['v5', 'v5-plain', 'v5'],
] as const)('ai, %s', (label, plainLabel, major) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = hookSpans(label);
  });

  test('the application behaves exactly as without the hook', () => {
    const byCase = expectSameAsWithoutHook(runs.result(label), runs.result(plainLabel), CASES[major]);
    expect(byCase.object).toEqual({ case: 'object', object: OBJECT });
    expect(byCase.tools).toMatchObject({ steps: 2, text: OPENAI.reply, output: WEATHER });
  });

  test('one span per model request, tool run and agent run', () => {
    expect(spans).toHaveLength(SPANS[major] - 4 - 1);
    expect(spans.filter((span) => span.kind === CLIENT)).toHaveLength(SPANS[major] - 4 - 1 - INTERNAL[major]);
  });

  test('generateText: parameters, response, usage and content', () => {
    const span = only(spans, 'chat');
    expect(span.name).toBe('chat gpt-4o-mini');
    expect(span.kind).toBe(CLIENT);
    expect(span.parentSpanId).toBe('');
    expect(span.status.code).toBe(STATUS_UNSET);
    expect(span.attributes).toEqual({
      ...common('chat'),
      ...USAGE,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'gen_ai.response.id': 'chatcmpl-fake-1',
      'gen_ai.response.model': OPENAI.model,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are terse.' }]),
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] }]),
      'gen_ai.output.messages': JSON.stringify(REPLY),
    });
  });

  test('streamText: the stream parts joined, usage from the finish part', () => {
    const span = only(spans, 'stream');
    expect(span.attributes).toMatchObject({
      ...common('stream'),
      ...USAGE,
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'chatcmpl-fake-stream',
      'gen_ai.response.model': OPENAI.model,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  test('the application breaks off a stream: the SDK still reads the model stream to its end', () => {
    const span = only(spans, 'stream-break');
    expect(span.attributes).not.toHaveProperty(['ai_audit.abandon.reason']);
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    const text = Array.from({ length: 40 }, (_, i) => `w${i} `).join('');
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' },
    ]);
  });

  test('the application aborts a stream: the agent and its model call abandoned, with what was read', () => {
    const { all, agent, second: chat } = agentRun(spans, 'stream-abort');
    expect(all).toHaveLength(2);
    expect(agent.name).toBe('invoke_agent streamText');
    expect(agent.attributes['ai_audit.abandon.reason']).toBe('abort');
    expect(chat.parentSpanId).toBe(agent.spanId);
    expect(chat.status.code).toBe(STATUS_UNSET);
    expect(chat.attributes['ai_audit.abandon.reason']).toBe('abort');
    expect(chat.attributes).not.toHaveProperty(['gen_ai.response.finish_reasons']);
    const [output] = json(chat.attributes['gen_ai.output.messages']) as [{ parts: { content: string }[] }];
    expect(output).toMatchObject({ role: 'assistant', finish_reason: 'incomplete' });
    expect(output.parts[0]?.content).toMatch(/^w0 w1 w2 /);
  });

  test.each(['tools', 'tools-stream'])('%s: agent -> chat, tool, chat; the tool result fed back', (feature) => {
    const { all, agent, first, tool, second } = agentRun(spans, feature);
    expect(all).toHaveLength(4);
    expect(agent.name).toBe(feature === 'tools' ? 'invoke_agent weather-agent' : 'invoke_agent streamText');
    expect(agent.parentSpanId).toBe('');
    expect(agent.status.code).toBe(STATUS_UNSET);
    expect(agent.attributes).toEqual({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'openai',
      'gen_ai.agent.name': feature === 'tools' ? 'weather-agent' : 'streamText',
      'gen_ai.request.model': 'gpt-4o-mini',
      ...AUDIT,
      'ai_audit.feature': feature,
    });
    for (const child of [first, tool, second]) {
      expect(child.parentSpanId).toBe(agent.spanId);
      expect(child.traceId).toBe(agent.traceId);
    }
    expect([first.name, tool.name, second.name]).toEqual([
      'chat gpt-4o-mini',
      'execute_tool get_weather',
      'chat gpt-4o-mini',
    ]);
    // LanguageModelV3 keeps the API's own finish reason; V2 has only the SDK's, mapped to semconv's.
    expect(first.attributes['gen_ai.response.finish_reasons']).toEqual([major === 'v6' ? 'tool_calls' : 'tool_call']);
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([TOOL_CALL]));
    expect(json(first.attributes['gen_ai.tool.definitions'])).toEqual([
      expect.objectContaining({
        type: 'function',
        name: 'get_weather',
        description: 'Weather for a city',
        inputSchema: expect.objectContaining({ properties: { city: { type: 'string' } }, required: ['city'] }),
      }),
    ]);
    expect(tool.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.id': OPENAI.toolCall.id,
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.description': 'Weather for a city',
      ...AUDIT,
      'ai_audit.feature': feature,
      'gen_ai.tool.call.arguments': JSON.stringify({ city: 'Paris' }),
      'gen_ai.tool.call.result': JSON.stringify(WEATHER),
    });
    expect(json(second.attributes['gen_ai.input.messages'])).toEqual([
      QUESTION,
      { role: 'assistant', parts: [TOOL_CALL] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: OPENAI.toolCall.id, response: WEATHER }] },
    ]);
    expect(json(second.attributes['gen_ai.output.messages'])).toEqual(REPLY);
  });

  // ToolLoopAgent with its prepareCall is ai 6's.
  if (major === 'v6') {
    test.each(['agent', 'agent-stream'])(
      'ToolLoopAgent %s: an agent span named by its id over chat, tool, chat',
      (feature) => {
        const { all, agent, first, tool, second } = agentRun(spans, feature);
        expect(all).toHaveLength(4);
        expect(cases(runs.result(label).stdout)[feature]).toMatchObject({ steps: 2, text: OPENAI.reply });
        expect(agent.name).toBe('invoke_agent weather-agent');
        expect(agent.parentSpanId).toBe('');
        expect(agent.status.code).toBe(STATUS_UNSET);
        expect(agent.attributes).toMatchObject({
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': 'weather-agent',
          'gen_ai.request.model': 'gpt-4o-mini',
          'ai_audit.feature': feature,
        });
        for (const child of [first, tool, second]) expect(child.parentSpanId).toBe(agent.spanId);
        expect([first.name, tool.name, second.name]).toEqual([
          'chat gpt-4o-mini',
          'execute_tool get_weather',
          'chat gpt-4o-mini',
        ]);
        // The agent's instructions reach the model as its system prompt.
        expect(json(first.attributes['gen_ai.system_instructions'])).toEqual([
          { type: 'text', content: 'You are terse.' },
        ]);
        expect(tool.attributes['gen_ai.tool.call.result']).toBe(JSON.stringify(WEATHER));
      },
    );

    test('ToolLoopAgent without tools or id: still an agent span, over its model call', () => {
      const all = caseSpans(spans, 'agent-no-tools');
      expect(all.map((span) => span.name).sort()).toEqual(['chat gpt-4o-mini', 'invoke_agent ToolLoopAgent']);
      const [agent, chat] = [
        all.find((s) => s.name.startsWith('invoke_agent')),
        all.find((s) => s.name.startsWith('chat')),
      ];
      expect(chat?.parentSpanId).toBe(agent?.spanId);
    });

    test('one ToolLoopAgent serving two calls at once: two agent spans, each over its own calls', () => {
      const all = caseSpans(spans, 'agent-concurrent');
      expect(all).toHaveLength(8);
      const agents = all.filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
      expect(agents).toHaveLength(2);
      for (const agent of agents) {
        const children = all.filter((span) => span.parentSpanId === agent.spanId);
        expect(children.map((span) => span.name).sort()).toEqual([
          'chat gpt-4o-mini',
          'chat gpt-4o-mini',
          'execute_tool get_weather',
        ]);
        for (const child of children) expect(child.traceId).toBe(agent.traceId);
      }
    });
  }

  test('a tool that throws: its span failed, the agent carries on and succeeds', () => {
    const { all, agent, tool, second } = agentRun(spans, 'tool-error');
    expect(all).toHaveLength(4);
    expect(cases(runs.result(label).stdout)['tool-error']).toMatchObject({
      steps: 2,
      error: 'no weather today',
    });
    expect(tool.name).toBe('execute_tool get_weather');
    expect(tool.parentSpanId).toBe(agent.spanId);
    expect(tool.status).toEqual({ code: STATUS_ERROR, message: 'no weather today' });
    expect(tool.attributes).toMatchObject({
      'error.type': 'WeatherUnavailable',
      'gen_ai.tool.call.arguments': JSON.stringify({ city: 'Paris' }),
    });
    expect(tool.attributes).not.toHaveProperty(['gen_ai.tool.call.result']);
    expect(agent.status.code).toBe(STATUS_UNSET);
    expect(second.parentSpanId).toBe(agent.spanId);
  });

  test.each(['object', 'object-stream'])('%s: a JSON chat call', (feature) => {
    const span = only(spans, feature);
    expect(span.attributes).toMatchObject({
      ...common(feature),
      ...USAGE,
      'gen_ai.output.type': 'json',
      'gen_ai.response.id': 'chatcmpl-fake-json',
    });
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: OBJECT_TEXT }], finish_reason: 'stop' },
    ]);
  });

  test('embed and embedMany: one embeddings span per request', () => {
    for (const [feature, values] of [
      ['embed', ['sunny day']],
      ['embed-many', ['sunny day', 'rainy day']],
    ] as const) {
      const span = only(spans, feature);
      expect(span.name).toBe('embeddings text-embedding-3-small');
      expect(span.attributes).toEqual({
        ...common(feature, 'text-embedding-3-small'),
        'gen_ai.operation.name': 'embeddings',
        'gen_ai.usage.input_tokens': 6,
        'gen_ai.embeddings.dimension.count': 8,
        'gen_ai.input.messages': JSON.stringify([
          { role: 'user', parts: values.map((content) => ({ type: 'text', content })) },
        ]),
      });
    }
  });

  test("errors: the API's status and error code, on the chat span and its agent", () => {
    const error = only(spans, 'error');
    expectFailedCall(error, 'missing-model', {
      ...common('error', 'missing-model'),
      'http.response.status_code': 404,
      'error.type': 'model_not_found',
    });
    const { all, agent, second: chat } = agentRun(spans, 'error-stream');
    expect(all).toHaveLength(2);
    expect(agent.status.code).toBe(STATUS_ERROR);
    expect(agent.attributes['gen_ai.operation.name']).toBe('invoke_agent');
    expect(chat.parentSpanId).toBe(agent.spanId);
    expect(chat.status.code).toBe(STATUS_ERROR);
    expect(chat.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'http.response.status_code': 404,
      'error.type': 'model_not_found',
    });
  });

  test("with the SDK's own telemetry on, the hook records nothing for the call", () => {
    expect(caseSpans(spans, 'telemetry')).toEqual([]);
    const sdk = runs.spans(label).filter((span) => span.scope.name === 'ai');
    expect(sdk.map((span) => span.name)).toEqual(
      expect.arrayContaining(['ai.generateText', 'ai.generateText.doGenerate', 'ai.toolCall']),
    );
  });

  test('a model built on the openai package: one chat span through the SDK, the package recorded alone', () => {
    const viaSdk = only(spans, 'openai-package');
    const { 'server.address': _address, 'server.port': _port, ...attributes } = common('openai-package');
    expect(viaSdk.attributes).toMatchObject({
      ...attributes,
      'gen_ai.usage.input_tokens': 21,
      'gen_ai.usage.output_tokens': 9,
      'gen_ai.response.id': 'chatcmpl-fake-1',
    });
    const direct = caseSpans(runs.spans(label), 'openai-package').filter((span) => span.scope.name === OPENAI_SCOPE);
    // The openai instrumentation is on in this process, and records only the call made outside the SDK.
    expect(direct).toHaveLength(1);
    expect((direct[0] as SinkSpan).parentSpanId).toBe('');
  });
});

test('ai 6 with @ai-sdk/anthropic: provider, cache tokens, the API finish reason', () => {
  const span = only(hookSpans('require'), 'anthropic');
  expect(span.name).toBe('chat claude-sonnet-4-6');
  expect(span.attributes).toMatchObject({
    ...common('anthropic', 'claude-sonnet-4-6'),
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.response.id': 'msg_fake_01',
    'gen_ai.response.model': ANTHROPIC.model,
    'gen_ai.response.finish_reasons': ['end_turn'],
    'gen_ai.usage.input_tokens': 312,
    'gen_ai.usage.output_tokens': 9,
    'gen_ai.usage.cache_read.input_tokens': 200,
    'gen_ai.usage.cache_creation.input_tokens': 100,
  });
  expect(json(span.attributes['gen_ai.output.messages'])).toEqual([
    { role: 'assistant', parts: [{ type: 'text', content: ANTHROPIC.reply }], finish_reason: 'stop' },
  ]);
});

test('with content capture off, spans carry no content', () => {
  const spans = hookSpans('no-content');
  expectNoContent(spans, SPANS.v6 - 4 - 1, CONTENT_KEYS_WITH_TOOLS);
  expect(only(spans, 'chat').attributes).toMatchObject({ ...common('chat'), ...USAGE });
  const { all, agent, tool } = agentRun(spans, 'tools');
  expect(all.map((span) => span.name).sort()).toEqual([
    'chat gpt-4o-mini',
    'chat gpt-4o-mini',
    'execute_tool get_weather',
    'invoke_agent weather-agent',
  ]);
  expect(tool.parentSpanId).toBe(agent.spanId);
});

test("patching the CommonJS build's getters: a copy whose functions are wrapped, unpatched and rewrapped in place", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require('ai') as Record<string, unknown>;
  const { generateText, streamText, embed, tool } = exports;
  const agent = (exports.ToolLoopAgent as { prototype: Record<string, unknown> }).prototype;
  const agentMethods = () => [agent.generate, agent.stream, agent.prepareCall];
  const originalAgentMethods = agentMethods();
  expect(Object.getOwnPropertyDescriptor(exports, 'generateText')).toMatchObject({ configurable: false });
  const [definition] = new AiSdkInstrumentation({ capture: 'no_content', enabled: false }).getModuleDefinitions();

  const patched = definition?.patch?.(exports) as Record<string, unknown>;
  expect(patched).not.toBe(exports);
  expect(patched.generateText).not.toBe(generateText);
  expect(patched.streamText).not.toBe(streamText);
  expect(patched.embed).not.toBe(embed);
  // Everything else still reads through to the module, and the module itself is untouched.
  expect(patched.tool).toBe(tool);
  expect(Object.keys(patched).sort()).toEqual(Object.keys(exports).sort());
  expect(exports.generateText).toBe(generateText);
  // ToolLoopAgent's methods are patched on its class, shared by the module and the copy.
  agentMethods().forEach((method, i) => expect(method).not.toBe(originalAgentMethods[i]));

  definition?.unpatch?.(exports);
  expect(patched.generateText).toBe(generateText);
  expect(patched.embed).toBe(embed);
  expect(agentMethods()).toEqual(originalAgentMethods);
  expect(definition?.patch?.(exports)).toBe(patched);
  expect(patched.generateText).not.toBe(generateText);
  expect(agentMethods()[0]).not.toBe(originalAgentMethods[0]);
  definition?.unpatch?.(exports);
  expect(patched.generateText).toBe(generateText);
  expect(agentMethods()).toEqual(originalAgentMethods);
});

test("another wrapper already on ToolLoopAgent's methods: left alone, neither stacked on nor removed", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require('ai') as Record<string, unknown>;
  const agent = (exports.ToolLoopAgent as { prototype: Record<string, unknown> }).prototype;
  const { generate, prepareCall } = agent;
  // What shimmer (and so another OpenTelemetry instrumentation) leaves on a wrapped method.
  const foreign = Object.assign((...args: unknown[]) => (generate as (...a: unknown[]) => unknown)(...args), {
    __original: generate,
    __unwrap: () => undefined,
    __wrapped: true,
  });
  agent.generate = foreign;
  try {
    const [definition] = new AiSdkInstrumentation({ capture: 'no_content', enabled: false }).getModuleDefinitions();
    definition?.patch?.(exports);
    expect(agent.generate).toBe(foreign);
    expect(agent.prepareCall).toBe(prepareCall);
    definition?.unpatch?.(exports);
    expect(agent.generate).toBe(foreign);
  } finally {
    agent.generate = generate;
  }
});

describe('through a real collector', () => {
  const used = useCollector();
  let fakeApi: FakeServer;

  beforeAll(async () => {
    fakeApi = await startFakeServer([structuredRoute, openaiRoute, anthropicRoute]);
  });

  afterAll(async () => {
    await fakeApi?.close();
  });

  test('the agent, its model calls and its tool run are records of the user, content sealed', async () => {
    const run = await runApp({
      app: 'ai-sdk-app.cjs',
      env: {
        FAKE_URL: fakeApi.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: used.endpoint(),
        OTEL_SERVICE_NAME: 'ai-sdk-e2e',
      },
      timeoutMs: 60_000,
    });
    expect(run.code).toBe(0);

    const rows = await eventually(async () => {
      const found = await used.collector.sql<Record<string, unknown>>(
        "SELECT span_id, parent_span_id, operation, provider, request_model, response_id, agent_name, tool_name, tool_call_id, user_id, session_id, input_tokens, output_tokens, cache_read_tokens, length(concat(input_sealed, output_sealed, system_sealed, tools_sealed, extra_sealed, content_sealed)) AS sealed_bytes, position(concat(input_sealed, output_sealed, system_sealed, tools_sealed, extra_sealed, content_sealed, toString(attributes)), 'Paris') AS plaintext FROM ai_audit.records WHERE service_name = 'ai-sdk-e2e' AND feature = 'tools' ORDER BY operation, response_id",
      );
      return found.length === 4 && found;
    });
    // By operation, then response id: the answer, the call that asked for the tool, the tool, the agent.
    const [answer, askedForTool, tool, agent] = rows.map((row) => ({
      ...row,
      input_tokens: row.input_tokens === null ? null : Number(row.input_tokens),
      output_tokens: row.output_tokens === null ? null : Number(row.output_tokens),
      cache_read_tokens: row.cache_read_tokens === null ? null : Number(row.cache_read_tokens),
      sealed: Number(row.sealed_bytes) > 0,
      plaintext: Number(row.plaintext),
    })) as Record<string, unknown>[];
    const chat = {
      operation: 'chat',
      provider: 'openai',
      request_model: 'gpt-4o-mini',
      user_id: 'user-42',
      session_id: 'session-7',
      input_tokens: 21,
      output_tokens: 9,
      cache_read_tokens: 5,
      sealed: true,
      plaintext: 0,
    };
    expect(answer).toMatchObject({ ...chat, response_id: 'chatcmpl-fake-1' });
    expect(askedForTool).toMatchObject({ ...chat, response_id: 'chatcmpl-fake-tool' });
    expect(tool).toMatchObject({
      operation: 'execute_tool',
      tool_name: 'get_weather',
      tool_call_id: OPENAI.toolCall.id,
      user_id: 'user-42',
      sealed: true,
      plaintext: 0,
    });
    expect(agent).toMatchObject({ operation: 'invoke_agent', agent_name: 'weather-agent', user_id: 'user-42' });
    for (const child of [answer, askedForTool, tool]) expect(child?.parent_span_id).toBe(agent?.span_id);
  }, 90_000);
});
