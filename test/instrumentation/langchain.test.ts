/**
 * LangChain.js (@langchain/core 1.x, @langchain/openai's ChatOpenAI) and LangGraph 1.x
 * (createReactAgent, StateGraph), required and imported (also on Node 24), in child processes
 * started with the hook, against a local server that answers like the OpenAI API. LangChain
 * records the chat spans and the openai SDK inside @langchain/openai (patched too) records none
 * of them: one span per model call, each under the agent and workflow steps that made it. Then
 * the same application through a real collector into ai_audit.records.
 */
import { messagesContent } from '../../instrumentation/src/providers/langchain-format';
import { LangChainInstrumentation } from '../../instrumentation/src/providers/langchain';
import { eventually, runCli } from '../helpers/collector';
import { useCollector } from './helpers/collector-run';
import type { SinkSpan } from '../helpers/otlp-sink';
import { OPENAI, openaiRoute } from './fakes/openai';
import { type AppRun, REQUIRE_AND_ESM_RUNS, useAppRuns } from './helpers/app-runs';
import {
  expectBrokenOffStream,
  expectFailedCall,
  expectNoContent,
  expectSameAsWithoutHook,
} from './helpers/expect-runs';
import { runApp } from './helpers/run-app';
import {
  AUDIT,
  caseSpans,
  CLIENT,
  commonAttributes,
  CONTENT_KEYS_WITH_TOOLS,
  json,
  only,
  STATUS_ERROR,
  STATUS_UNSET,
  textReply,
  toolCallReply,
} from './helpers/spans';

const RUNS: Record<string, AppRun> = {
  ...REQUIRE_AND_ESM_RUNS,
  'node24-esm': { hook: 'import', node: 'node24', env: { ESM: '1' } },
};
/**
 * chat 1, no-sdk 1, chat-stream 1, stream-break 1, agent 4 (agent, chat, tool, chat),
 * agent-stream 4, workflow 5 (the agent's 4 under the workflow), interrupt 2, error-429 1,
 * error-429-stream 1, tool-error 1, openai-direct 1.
 */
const SPANS_PER_RUN = 23;
const CASES = 12;

const INTERNAL = 1;
const LANGCHAIN_SCOPE = '@ai-audit/instrumentation/@langchain/core';
const OPENAI_SCOPE = '@ai-audit/instrumentation/openai';

const runs = useAppRuns({
  app: 'langchain-app.cjs',
  prefix: 'langchain',
  routes: [openaiRoute],
  runs: RUNS,
  spansPerRun: SPANS_PER_RUN,
  timeoutMs: 60_000,
});

const QUESTION = [{ role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] }];
const TOOL_CALL = {
  type: 'tool_call',
  id: OPENAI.toolCall.id,
  name: OPENAI.toolCall.name,
  arguments: { city: 'Paris' },
};
const TOOL_RESULT = 'rainy, 12°C in Paris';
const REPLY = textReply(OPENAI.reply);
const USAGE = {
  'gen_ai.usage.input_tokens': 21,
  'gen_ai.usage.output_tokens': 9,
  'gen_ai.usage.cache_read.input_tokens': 5,
  'gen_ai.usage.reasoning.output_tokens': 2,
};

const chatCommon = commonAttributes({ provider: 'openai', model: 'gpt-4o-mini', port: runs.port });

function named(spans: SinkSpan[], name: string): SinkSpan[] {
  return spans.filter((span) => span.name === name);
}

function one(spans: SinkSpan[], name: string): SinkSpan {
  const found = named(spans, name);
  if (found.length !== 1) throw new Error(`expected one ${name} span, got ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as SinkSpan;
}

/** The agent loop's spans under `parent`: chat (asks for the tool), the tool, chat (answers). */
function expectAgentLoop(spans: SinkSpan[], agent: SinkSpan): void {
  const children = spans.filter((span) => span.parentSpanId === agent.spanId);
  expect(children.map((span) => span.name)).toEqual([
    'chat gpt-4o-mini',
    'execute_tool get_weather',
    'chat gpt-4o-mini',
  ]);
  for (const child of children) expect(child.traceId).toBe(agent.traceId);
  const [ask, tool, answer] = children as [SinkSpan, SinkSpan, SinkSpan];
  expect(ask.kind).toBe(CLIENT);
  expect(ask.attributes).toMatchObject({ ...USAGE, 'gen_ai.response.finish_reasons': ['tool_calls'] });
  expect(json(ask.attributes['gen_ai.input.messages'])).toEqual(QUESTION);
  expect(json(ask.attributes['gen_ai.output.messages'])).toEqual(toolCallReply([TOOL_CALL]));
  expect(json(ask.attributes['gen_ai.tool.definitions'])).toEqual([
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: expect.objectContaining({ type: 'object', properties: { city: { type: 'string' } } }),
      },
    },
  ]);

  expect(tool.kind).toBe(INTERNAL);
  expect(tool.status.code).toBe(STATUS_UNSET);
  expect(tool.attributes).toMatchObject({
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'get_weather',
    'gen_ai.tool.call.id': OPENAI.toolCall.id,
    'gen_ai.tool.type': 'function',
    'gen_ai.tool.description': 'Weather for a city',
    ...AUDIT,
  });
  expect(json(tool.attributes['gen_ai.tool.call.arguments'])).toEqual({ city: 'Paris' });
  expect(tool.attributes['gen_ai.tool.call.result']).toBe(TOOL_RESULT);

  expect(json(answer.attributes['gen_ai.input.messages'])).toEqual([
    ...QUESTION,
    { role: 'assistant', parts: [TOOL_CALL] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: OPENAI.toolCall.id, response: TOOL_RESULT }] },
  ]);
  expect(json(answer.attributes['gen_ai.output.messages'])).toEqual(REPLY);
}

describe.each([
  ['require', 'plain'],
  ['esm', 'esm-plain'],
  ['node24-esm', 'esm-plain'],
])('LangChain.js and LangGraph, %s', (label, plainLabel) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = runs.spans(label);
  });

  test('the application behaves exactly as without the hook', () => {
    const hooked = runs.result(label);
    expect(hooked.stderr).not.toMatch(/error/i);
    expectSameAsWithoutHook(hooked, runs.result(plainLabel), CASES);
  });

  test('one chat span per model call: the openai SDK under LangChain records none', () => {
    expect(spans).toHaveLength(SPANS_PER_RUN);
    const fromOpenAI = spans.filter((span) => span.scope.name === OPENAI_SCOPE);
    // The SDK is patched (a direct call is recorded), yet silent under LangChain's spans.
    expect(fromOpenAI.map((span) => span.attributes['ai_audit.feature'])).toEqual(['openai-direct']);
    for (const span of spans.filter((s) => s.scope.name !== OPENAI_SCOPE))
      expect(span.scope.name).toBe(LANGCHAIN_SCOPE);
    const chats = (feature: string) => named(caseSpans(spans, feature), 'chat gpt-4o-mini').length;
    expect([chats('chat'), chats('chat-stream'), chats('agent'), chats('agent-stream'), chats('workflow')]).toEqual([
      1, 1, 2, 2, 2,
    ]);
  });

  test('model.invoke: parameters, response, usage and content', () => {
    const span = only(spans, 'chat');
    expect(span.name).toBe('chat gpt-4o-mini');
    expect(span.kind).toBe(CLIENT);
    expect(span.parentSpanId).toBe('');
    expect(span.status.code).toBe(STATUS_UNSET);
    expect(span.attributes).toEqual({
      ...chatCommon('chat'),
      ...USAGE,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.response.id': 'chatcmpl-fake-1',
      'gen_ai.response.model': OPENAI.model,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are terse.' }]),
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] }]),
      'gen_ai.output.messages': JSON.stringify(REPLY),
    });
  });

  test('a chat model over no patched SDK: LangChain records the call alone', () => {
    const span = only(spans, 'no-sdk');
    expect(span.name).toBe('chat');
    expect(span.scope.name).toBe(LANGCHAIN_SCOPE);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'fakelistchatmodel',
      ...AUDIT,
      'ai_audit.feature': 'no-sdk',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'ping' }] }]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: 'pong' }], finish_reason: 'stop' },
      ]),
    });
  });

  test('model.stream: chunks joined, usage from the last one', () => {
    const span = only(spans, 'chat-stream');
    expect(span.status.code).toBe(STATUS_UNSET);
    expect(span.attributes).toMatchObject({
      ...chatCommon('chat-stream'),
      ...USAGE,
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'chatcmpl-fake-stream',
      'gen_ai.response.model': OPENAI.model,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(json(span.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] },
    ]);
    expect(json(span.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  test('break out of a stream: abandoned once, with what was read', () => {
    const span = only(spans, 'stream-break');
    expect(span.status.code).toBe(STATUS_UNSET);
    expectBrokenOffStream(span);
  });

  test('createReactAgent: invoke_agent over its model calls and tool execution', () => {
    const agentSpans = caseSpans(spans, 'agent');
    expect(agentSpans).toHaveLength(4);
    const agent = one(agentSpans, 'invoke_agent weather_agent');
    expect(agent.parentSpanId).toBe('');
    expect(agent.kind).toBe(INTERNAL);
    expect(agent.status.code).toBe(STATUS_UNSET);
    expect(agent.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'weather_agent',
      ...AUDIT,
    });
    expect(json(agent.attributes['gen_ai.input.messages'])).toEqual(QUESTION);
    expect(json(agent.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    expectAgentLoop(agentSpans, agent);
  });

  test('an agent streamed in "messages" mode: the same tree, its model calls streamed', () => {
    const agentSpans = caseSpans(spans, 'agent-stream');
    expect(agentSpans).toHaveLength(4);
    const agent = one(agentSpans, 'invoke_agent weather_agent');
    expect(agent.parentSpanId).toBe('');
    expectAgentLoop(agentSpans, agent);
    for (const chat of named(agentSpans, 'chat gpt-4o-mini')) {
      expect(chat.attributes).toMatchObject({
        'gen_ai.request.stream': true,
        'gen_ai.response.id': 'chatcmpl-fake-stream',
      });
    }
  });

  test('StateGraph: invoke_workflow over the agent node, the agent over its calls', () => {
    const workflowSpans = caseSpans(spans, 'workflow');
    expect(workflowSpans).toHaveLength(5);
    const workflow = one(workflowSpans, 'invoke_workflow trip_planner');
    expect(workflow.parentSpanId).toBe('');
    expect(workflow.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_workflow', ...AUDIT });
    expect(workflow.attributes).not.toHaveProperty(['gen_ai.agent.name']);
    expect(json(workflow.attributes['gen_ai.input.messages'])).toEqual(QUESTION);
    expect(json(workflow.attributes['gen_ai.output.messages'])).toEqual(REPLY);
    const agent = one(workflowSpans, 'invoke_agent weather_agent');
    expect(agent.parentSpanId).toBe(workflow.spanId);
    expect(agent.traceId).toBe(workflow.traceId);
    expectAgentLoop(workflowSpans, agent);
  });

  test('an interrupted graph is paused, not failed, and its resumption is a run of its own', () => {
    const runs = caseSpans(spans, 'interrupt');
    expect(runs.map((span) => span.name)).toEqual(['invoke_workflow approval', 'invoke_workflow approval']);
    for (const run of runs) {
      expect(run.status.code).toBe(STATUS_UNSET);
      expect(run.attributes).not.toHaveProperty(['error.type']);
    }
  });

  test('a rate-limited model call: error.type, status code, and the request as sent', () => {
    const span = only(spans, 'error-429');
    expect(span.name).toBe('chat rate-limited-model');
    expectFailedCall(span, 'Rate limit reached', {
      ...chatCommon('error-429', 'rate-limited-model'),
      'error.type': 'RateLimitError',
      'http.response.status_code': 429,
    });
    expect(span.attributes).not.toHaveProperty(['gen_ai.output.messages']);
    expect(json(span.attributes['gen_ai.input.messages'])).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] },
    ]);
  });

  test('a rate-limited streamed call fails the same way', () => {
    const span = only(spans, 'error-429-stream');
    expect(span.status.code).toBe(STATUS_ERROR);
    expect(span.attributes).toMatchObject({
      ...chatCommon('error-429-stream', 'rate-limited-model'),
      'gen_ai.request.stream': true,
      'error.type': 'RateLimitError',
      'http.response.status_code': 429,
    });
  });

  test('a tool that throws: execute_tool failed, with its call id and arguments', () => {
    const span = only(spans, 'tool-error');
    expect(span.name).toBe('execute_tool get_weather');
    expect(span.status).toEqual({ code: STATUS_ERROR, message: 'weather service down' });
    expect(span.attributes).toMatchObject({ 'gen_ai.tool.call.id': 'call_direct_1', 'error.type': '_OTHER' });
    expect(json(span.attributes['gen_ai.tool.call.arguments'])).toEqual({ city: 'Oslo' });
    expect(span.attributes).not.toHaveProperty(['gen_ai.tool.call.result']);
  });
});

test('with content capture off, no span carries content', () => {
  const spans = runs.spans('no-content');
  expectNoContent(spans, SPANS_PER_RUN, CONTENT_KEYS_WITH_TOOLS);
  expect(only(spans, 'chat').attributes).toMatchObject({ ...chatCommon('chat'), ...USAGE });
  const agentSpans = caseSpans(spans, 'agent');
  expect(one(agentSpans, 'execute_tool get_weather').attributes).toMatchObject({
    'gen_ai.tool.call.id': OPENAI.toolCall.id,
  });
});

describe('through a real collector', () => {
  const used = useCollector();

  test('the agent run is an agent record over chat and tool records, content sealed', async () => {
    const run = await runApp({
      app: 'langchain-app.cjs',
      timeoutMs: 60_000,
      env: {
        FAKE_URL: runs.fake.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: used.endpoint(),
        OTEL_SERVICE_NAME: 'langchain-e2e',
      },
    });
    expect(run.code).toBe(0);

    const rows = await eventually(async () => {
      const found = await used.collector.sql<Record<string, unknown>>(
        "SELECT record_id, span_id, parent_span_id, operation, provider, agent_name, tool_name, tool_call_id, request_model, response_model, input_tokens, output_tokens, user_id, status, length(content_sealed) AS sealed, position(content_sealed, 'Paris') AS clear FROM ai_audit.records WHERE service_name = 'langchain-e2e' AND feature = 'agent' ORDER BY timestamp",
      );
      return found.length === 4 && found;
    });
    const [agent, ...loop] = rows as Record<string, unknown>[];
    expect(agent).toMatchObject({ operation: 'invoke_agent', agent_name: 'weather_agent', user_id: 'user-42' });
    expect(loop.map((row) => [row.operation, row.tool_name, row.parent_span_id])).toEqual([
      ['chat', '', agent?.span_id],
      ['execute_tool', 'get_weather', agent?.span_id],
      ['chat', '', agent?.span_id],
    ]);
    const [ask, tool] = loop as [Record<string, unknown>, Record<string, unknown>];
    expect(ask).toMatchObject({
      provider: 'openai',
      request_model: 'gpt-4o-mini',
      response_model: OPENAI.model,
      status: 'ok',
    });
    expect([Number(ask.input_tokens), Number(ask.output_tokens)]).toEqual([21, 9]);
    expect(tool.tool_call_id).toBe(OPENAI.toolCall.id);
    for (const row of rows) {
      expect(Number(row.sealed)).toBeGreaterThan(0);
      expect(Number(row.clear)).toBe(0);
    }
    // Sealed, not lost: the tool's arguments and result open with the key.
    const shown = await runCli([
      'show',
      String(tool.record_id),
      '--decrypt',
      '--reason',
      'langchain check',
      '--config',
      used.collector.configPath,
    ]);
    expect(shown.code).toBe(0);
    const content = JSON.stringify(JSON.parse(shown.stdout).content);
    expect(content).toContain('Paris');
    expect(content).toContain('rainy, 12°C in Paris');
  });
});

describe('in process', () => {
  /* eslint-disable @typescript-eslint/no-require-imports -- the very modules the hook patches */
  const chatModels = require('@langchain/core/language_models/chat_models');
  const tools = require('@langchain/core/tools');
  const langgraph = require('@langchain/langgraph');
  const prebuilt = require('@langchain/langgraph/prebuilt');
  const { AIMessage, HumanMessage, SystemMessage, ToolMessage } = require('@langchain/core/messages');
  /* eslint-enable @typescript-eslint/no-require-imports */

  test('patch wraps the chat model, tool, graph and agent methods; unpatch restores each', () => {
    const chat = chatModels.BaseChatModel.prototype;
    const tool = tools.StructuredTool.prototype;
    const pregel = Object.getPrototypeOf(Object.getPrototypeOf(langgraph.CompiledStateGraph.prototype));
    const current = () => [
      chat._generateUncached,
      chat._streamIterator,
      tool.call,
      pregel._runLoop,
      prebuilt.createReactAgent,
    ];
    const before = current();
    const definitions = new LangChainInstrumentation({ capture: 'no_content', enabled: false }).getModuleDefinitions();
    const core = definitions.find((d) => d.name === '@langchain/core');
    const graph = definitions.find((d) => d.name === '@langchain/langgraph');
    const [chatFile, toolFile] = core?.files ?? [];
    const [prebuiltFile] = graph?.files ?? [];
    expect(Object.prototype.hasOwnProperty.call(pregel, '_runLoop')).toBe(true);

    chatFile?.patch(chatModels);
    toolFile?.patch(tools);
    graph?.patch?.(langgraph);
    prebuiltFile?.patch(prebuilt);
    current().forEach((method, index) => expect(method).not.toBe(before[index]));

    chatFile?.unpatch(chatModels);
    toolFile?.unpatch(tools);
    graph?.unpatch?.(langgraph);
    prebuiltFile?.unpatch(prebuilt);
    expect(current()).toEqual(before);
  });

  test('messages in every form LangChain takes, multimodal and v1 content included', () => {
    const content = messagesContent([
      new SystemMessage('Be brief.'),
      new HumanMessage({
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          { type: 'image', data: 'aGk=', mimeType: 'image/png' },
        ],
      }),
      new AIMessage({
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } },
        ],
        tool_calls: [{ id: 't1', name: 'get_weather', args: { city: 'Paris' } }],
      }),
      new ToolMessage({ content: [{ type: 'text', text: 'rainy' }], tool_call_id: 't1' }),
      ['human', 'And tomorrow?'],
      { role: 'assistant', content: 'Sunny.' },
      'Thanks.',
    ]);
    expect(content.system).toEqual([{ type: 'text', content: 'Be brief.' }]);
    expect(content.input).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'What is this?' },
          { type: 'uri', mime_type: null, modality: 'image', uri: 'https://example.com/cat.png' },
          { type: 'blob', mime_type: 'image/png', modality: 'image', content: 'aGk=' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Checking.' },
          { type: 'tool_call', id: 't1', name: 'get_weather', arguments: { city: 'Paris' } },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 't1', response: 'rainy' }] },
      { role: 'user', parts: [{ type: 'text', content: 'And tomorrow?' }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'Sunny.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Thanks.' }] },
    ]);
  });
});
