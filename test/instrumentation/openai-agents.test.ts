/**
 * @openai/agents 0.20 (its nested openai 7, Node 22 and 24), required and imported, in child
 * processes started with the hook, against the fake OpenAI server (Responses API with function
 * calls, JSON and SSE, a 429; Chat Completions for one case): runs, agents, function tools,
 * handoffs and guardrails as steps, with each model call's chat span from the openai
 * instrumentation nested under its agent. Last, one run through a real collector into
 * ai_audit.records.
 */
import { eventually } from '../helpers/collector';
import { useCollector } from './helpers/collector-run';
import type { SinkSpan } from '../helpers/otlp-sink';
import { OPENAI, openaiRoute } from './fakes/openai';
import { type AppRun, NO_CONTENT_ENV, useAppRuns } from './helpers/app-runs';
import { expectNoContent } from './helpers/expect-runs';
import { cases, runApp, type RunResult } from './helpers/run-app';
import { AUDIT, caseSpans, CLIENT, CONTENT_KEYS_WITH_TOOLS, json, STATUS_ERROR, STATUS_UNSET } from './helpers/spans';

const RUNS: Record<string, AppRun> = {
  require: { hook: 'require', node: 'node22' },
  node24: { hook: 'require', node: 'node24' },
  esm: { hook: 'import', node: 'node22', env: { ESM: '1' } },
  plain: { hook: 'none', node: 'node22' },
  'no-content': { hook: 'require', node: 'node22', env: NO_CONTENT_ENV },
};
const HOOKED = ['require', 'node24', 'esm', 'no-content'];
const CASES = ['tool', 'handoff', 'guardrail', 'error-429', 'stream', 'chat-completions', 'tracing-disabled'];
/** tool 5, handoff 6, guardrail 2, error-429 3, stream 5, chat-completions 5, tracing-disabled 1. */
const SPANS_PER_RUN = 27;
const INTERNAL = 1;

const runs = useAppRuns({
  app: 'openai-agents-app.cjs',
  prefix: 'openai-agents',
  routes: [openaiRoute],
  runs: RUNS,
  spansPerRun: SPANS_PER_RUN,
  env: (_label, { fakeUrl }) => ({
    OPENAI_BASE_URL: `${fakeUrl}/v1`,
    OPENAI_API_KEY: undefined,
    // Jest's NODE_ENV=test turns the SDK's tracing off; a service runs without it.
    NODE_ENV: undefined,
  }),
  timeoutMs: 60_000,
});

/** The spans of a case as an indented tree of names, children in start order. */
function tree(spans: SinkSpan[]): string {
  const ids = new Set(spans.map((span) => span.spanId));
  const lines: string[] = [];
  const walk = (parent: string, depth: number): void => {
    const children = spans.filter((span) => (ids.has(span.parentSpanId) ? span.parentSpanId : '') === parent);
    for (const child of children) {
      lines.push(`${'  '.repeat(depth)}${child.name}`);
      walk(child.spanId, depth + 1);
    }
  };
  walk('', 0);
  return lines.join('\n');
}

function named(spans: SinkSpan[], name: string): SinkSpan[] {
  return spans.filter((span) => span.name === name);
}

function one(spans: SinkSpan[], name: string): SinkSpan {
  const found = named(spans, name);
  if (found.length !== 1) throw new Error(`expected one ${name}, got ${found.length}`);
  return found[0] as SinkSpan;
}

const WEATHER_TREE = [
  'invoke_workflow Agent workflow',
  '  invoke_agent Weather agent',
  '    chat gpt-4o-mini',
  '    execute_tool get_weather',
  '    chat gpt-4o-mini',
].join('\n');

test('the application behaves exactly as without the hook', () => {
  const plain = runs.result('plain');
  expect(plain.code).toBe(0);
  expect(Object.keys(cases(plain.stdout))).toEqual(CASES);
  expect(cases(plain.stdout).guardrail).toEqual({
    case: 'guardrail',
    error: { name: 'InputGuardrailTripwireTriggered', status: null },
  });
  expect(cases(plain.stdout)['error-429']).toEqual({
    case: 'error-429',
    error: { name: 'RateLimitError', status: 429 },
  });
  for (const label of HOOKED) {
    const hooked = runs.result(label);
    expect(hooked.code).toBe(0);
    expect(hooked.stdout).toBe(plain.stdout);
  }
});

describe.each(['require', 'node24', 'esm'])('@openai/agents, %s', (label) => {
  let spans: SinkSpan[];
  beforeAll(() => {
    spans = runs.spans(label);
  });

  test('every span of a case is in one trace, and carries the audit context', () => {
    expect(spans).toHaveLength(SPANS_PER_RUN);
    for (const feature of CASES) {
      const found = caseSpans(spans, feature);
      expect(found.length).toBeGreaterThan(0);
      expect(new Set(found.map((span) => span.traceId)).size).toBe(1);
      for (const span of found) expect(span.attributes).toMatchObject({ ...AUDIT, 'ai_audit.feature': feature });
    }
  });

  test('a function tool: run -> agent -> (chat, tool, chat), one chat span per model call', () => {
    const found = caseSpans(spans, 'tool');
    expect(tree(found)).toBe(WEATHER_TREE);
    const workflow = one(found, 'invoke_workflow Agent workflow');
    expect(workflow.kind).toBe(INTERNAL);
    expect(workflow.scope.name).toBe('@ai-audit/instrumentation/@openai/agents');
    expect(workflow.attributes['gen_ai.operation.name']).toBe('invoke_workflow');
    const agent = one(found, 'invoke_agent Weather agent');
    expect(agent.kind).toBe(INTERNAL);
    expect(agent.status.code).toBe(STATUS_UNSET);
    expect(agent.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'Weather agent',
    });
    expect(agent.attributes).not.toHaveProperty(['openai.agents.guardrail.names']);
    const tool = one(found, 'execute_tool get_weather');
    expect(tool.kind).toBe(INTERNAL);
    expect(tool.attributes).toEqual({
      ...AUDIT,
      'ai_audit.feature': 'tool',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.call.id': OPENAI.toolCall.id,
      'gen_ai.tool.call.arguments': OPENAI.toolCall.arguments,
      'gen_ai.tool.call.result': 'rainy, 12°C in Paris',
    });
    const [first, second] = named(found, 'chat gpt-4o-mini') as [SinkSpan, SinkSpan];
    for (const chat of [first, second]) {
      expect(chat.kind).toBe(CLIENT);
      expect(chat.scope.name).toBe('@ai-audit/instrumentation/openai');
      expect(chat.attributes).toMatchObject({
        'gen_ai.provider.name': 'openai',
        'gen_ai.response.model': OPENAI.model,
        'gen_ai.usage.input_tokens': 18,
        'gen_ai.usage.output_tokens': 7,
      });
    }
    expect(json(first.attributes['gen_ai.output.messages'])).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: OPENAI.toolCall.id, name: 'get_weather', arguments: { city: 'Paris' } }],
        finish_reason: 'tool_call',
      },
    ]);
    expect(json(second.attributes['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: OPENAI.reply }], finish_reason: 'stop' },
    ]);
  });

  test('a handoff: a handoff step under the first agent, then the second agent in the same run', () => {
    const found = caseSpans(spans, 'handoff');
    expect(tree(found)).toBe(
      [
        'invoke_workflow Agent workflow',
        '  invoke_agent Triage agent',
        '    chat gpt-4o-mini',
        '    execute_tool Billing agent',
        '  invoke_agent Billing agent',
        '    chat gpt-4o-mini',
      ].join('\n'),
    );
    expect(one(found, 'execute_tool Billing agent').attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'Billing agent',
      'gen_ai.tool.type': 'handoff',
    });
    expect(one(found, 'invoke_agent Billing agent').attributes['gen_ai.agent.name']).toBe('Billing agent');
  });

  test('a tripped input guardrail: on the agent step, which fails, and no model call', () => {
    const found = caseSpans(spans, 'guardrail');
    expect(tree(found)).toBe(['invoke_workflow Agent workflow', '  invoke_agent Guarded agent'].join('\n'));
    const agent = one(found, 'invoke_agent Guarded agent');
    expect(agent.status).toEqual({ code: STATUS_ERROR, message: 'Error in agent run' });
    expect(agent.attributes).toMatchObject({
      'error.type': 'InputGuardrailTripwireTriggered',
      'openai.agents.guardrail.names': ['no_passwords'],
      'openai.agents.guardrail.triggered': ['no_passwords'],
    });
    expect(one(found, 'invoke_workflow Agent workflow').attributes['error.type']).toBe(
      'InputGuardrailTripwireTriggered',
    );
  });

  test("a 429: the chat span has the API's error, the agent and run fail", () => {
    const found = caseSpans(spans, 'error-429');
    expect(tree(found)).toBe(
      ['invoke_workflow Agent workflow', '  invoke_agent Limited agent', '    chat rate-limited-model'].join('\n'),
    );
    const chat = one(found, 'chat rate-limited-model');
    expect(chat.status.code).toBe(STATUS_ERROR);
    expect(chat.attributes).toMatchObject({ 'error.type': 'rate_limit_exceeded', 'http.response.status_code': 429 });
    for (const name of ['invoke_agent Limited agent', 'invoke_workflow Agent workflow']) {
      const step = one(found, name);
      expect(step.status.code).toBe(STATUS_ERROR);
      // The SDK keeps the error only as text ("Error: 429 ..."): no class name to report.
      expect(step.attributes['error.type']).toBe('_OTHER');
    }
  });

  test('a streamed run: the same tree, streamed chat spans', () => {
    const found = caseSpans(spans, 'stream');
    expect(tree(found)).toBe(WEATHER_TREE);
    for (const chat of named(found, 'chat gpt-4o-mini')) {
      expect(chat.attributes).toMatchObject({ 'gen_ai.request.stream': true, 'gen_ai.usage.input_tokens': 18 });
    }
    expect(one(found, 'execute_tool get_weather').attributes['gen_ai.tool.call.id']).toBe(OPENAI.toolCall.id);
  });

  test('the Chat Completions model nests the same way', () => {
    const found = caseSpans(spans, 'chat-completions');
    expect(tree(found)).toBe(WEATHER_TREE);
    expect(named(found, 'chat gpt-4o-mini').map((span) => span.attributes['gen_ai.response.id'])).toEqual([
      'chatcmpl-fake-tool',
      'chatcmpl-fake-1',
    ]);
  });

  test("with the SDK's tracing off for a run, no steps: the model call is still recorded", () => {
    const found = caseSpans(spans, 'tracing-disabled');
    expect(tree(found)).toBe('chat gpt-4o-mini');
  });
});

test('with content capture off, steps and chat spans carry no content', () => {
  const spans = runs.spans('no-content');
  expectNoContent(spans, SPANS_PER_RUN, CONTENT_KEYS_WITH_TOOLS);
  const tool = one(caseSpans(spans, 'tool'), 'execute_tool get_weather');
  expect(tool.attributes).toMatchObject({
    'gen_ai.tool.name': 'get_weather',
    'gen_ai.tool.call.id': OPENAI.toolCall.id,
  });
  expect(tree(caseSpans(spans, 'tool'))).toBe(WEATHER_TREE);
});

describe('through the collector', () => {
  const used = useCollector();
  let run: RunResult;

  beforeAll(async () => {
    run = await runApp({
      app: 'openai-agents-app.cjs',
      node: 'node22',
      env: {
        OPENAI_BASE_URL: `${runs.fake.url}/v1`,
        OPENAI_API_KEY: undefined,
        NODE_ENV: undefined,
        OTEL_EXPORTER_OTLP_ENDPOINT: used.endpoint(),
        OTEL_SERVICE_NAME: 'openai-agents-e2e',
      },
      timeoutMs: 60_000,
    });
  }, 120_000);

  test('a run with a function tool is one record per step and per model call, content sealed', async () => {
    expect(run.code).toBe(0);
    const rows = await eventually(async () => {
      const found = await used.collector.sql<Record<string, unknown>>(
        "SELECT * FROM ai_audit.records WHERE service_name = 'openai-agents-e2e' AND feature = 'tool'",
      );
      return found.length === 5 && found;
    });
    // Steps can start within the same millisecond: compared as a set.
    type Summary = { operation: unknown; agent_name: unknown; tool_name: unknown };
    const key = (row: Summary) => `${String(row.operation)}/${String(row.agent_name)}/${String(row.tool_name)}`;
    const byKey = (a: Summary, b: Summary) => key(a).localeCompare(key(b));
    const summary = rows.map((row) => ({
      operation: row.operation,
      agent_name: row.agent_name,
      tool_name: row.tool_name,
      tool_call_id: row.tool_call_id,
      user_id: row.user_id,
      status: row.status,
      tokens: [Number(row.input_tokens), Number(row.output_tokens)],
    }));
    const step = { tool_call_id: '', user_id: 'user-42', status: 'ok', tokens: [0, 0] };
    const chat = { ...step, operation: 'chat', agent_name: '', tool_name: '', tokens: [18, 7] };
    expect(summary.sort(byKey)).toEqual(
      [
        { ...step, operation: 'invoke_workflow', agent_name: '', tool_name: '' },
        { ...step, operation: 'invoke_agent', agent_name: 'Weather agent', tool_name: '' },
        chat,
        {
          ...step,
          operation: 'execute_tool',
          agent_name: '',
          tool_name: 'get_weather',
          tool_call_id: OPENAI.toolCall.id,
        },
        chat,
      ].sort(byKey),
    );
    const tool = rows.find((row) => row.operation === 'execute_tool') as Record<string, unknown>;
    const sealed = Object.entries(tool).filter(([key, value]) => key.endsWith('_sealed') && value !== '');
    expect(sealed.length).toBeGreaterThan(0);
    // Neither the tool's arguments nor its result are stored in clear.
    for (const row of rows) {
      const text = JSON.stringify(row);
      expect(text).not.toContain('rainy');
      expect(text).not.toContain(OPENAI.reply);
    }
  });
});
