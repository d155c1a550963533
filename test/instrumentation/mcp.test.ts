/**
 * @modelcontextprotocol/sdk 1.x: a real Client calling a real McpServer over stdio, both required
 * or both imported, each process started with the hook and exporting to the OTLP sink, and once
 * through a real collector. The client's spans and the server's are one trace: the trace context
 * travels in the requests' `_meta`.
 */
import { eventually } from '../helpers/collector';
import { useCollector } from './helpers/collector-run';
import type { SinkSpan } from '../helpers/otlp-sink';
import { type AppRun, REQUIRE_AND_ESM_RUNS, useAppRuns } from './helpers/app-runs';
import { expectSameAsWithoutHook } from './helpers/expect-runs';
import { cases, runApp, type RunResult } from './helpers/run-app';
import { AUDIT, caseSpans, CLIENT, json, only, spansOf, STATUS_ERROR, STATUS_UNSET } from './helpers/spans';

/** OTLP SpanKind SERVER. */
const SERVER = 2;
/**
 * `baggage` propagates baggage (OTEL_PROPAGATORS): the client then sends its audit context,
 * which the server must still not take as its own.
 */
const RUNS: Record<string, AppRun> = {
  ...REQUIRE_AND_ESM_RUNS,
  http: { hook: 'require', env: { MCP_TRANSPORT: 'http' } },
  baggage: { hook: 'require', env: { OTEL_PROPAGATORS: 'tracecontext,baggage' } },
  // Waited for by its own test, which expects more spans than CASES.
  framework: { hook: 'require', env: { FRAMEWORK_TOOL: '1' }, spans: 0 },
};
/** One request per case, recorded on each side. */
const CASES = 7;

const runs = useAppRuns({
  app: 'mcp-client-app.cjs',
  prefix: 'mcp',
  runs: RUNS,
  spansPerRun: CASES,
  // The client app starts the server as a second process, which exports as `<service>-server`.
  servicesOf: (service) => [service, `${service}-server`],
  env: (_label, { service }) => ({ SERVER_SERVICE_NAME: `${service}-server` }),
  // Two processes a run, each loading the SDK (and the hook): slow on a busy machine.
  timeoutMs: 90_000,
  setupTimeoutMs: 240_000,
});

const SCOPE = '@ai-audit/instrumentation/@modelcontextprotocol/sdk';
const WEATHER_RESULT = { content: [{ type: 'text', text: 'rainy, 12°C in Paris' }] };

function common(feature: string) {
  return { ...AUDIT, 'ai_audit.feature': feature };
}

/**
 * The server's span of a client's request: its one child, in the same trace. The server's
 * spans carry no audit context of the client's, so the trace is what joins them.
 */
function serverChild(serverSpans: SinkSpan[], client: SinkSpan): SinkSpan {
  const children = serverSpans.filter((span) => span.parentSpanId === client.spanId);
  expect(children).toHaveLength(1);
  expect(children[0].traceId).toBe(client.traceId);
  for (const key of Object.keys(AUDIT)) expect(children[0].attributes[key]).toBeUndefined();
  return children[0];
}

describe.each([
  ['require', 'plain'],
  ['esm', 'esm-plain'],
])('@modelcontextprotocol/sdk, client and server %s', (label, plainLabel) => {
  let clientSpans: SinkSpan[];
  let serverSpans: SinkSpan[];
  beforeAll(() => {
    clientSpans = runs.spans(label);
    serverSpans = spansOf(runs.sink, `${runs.service(label)}-server`);
  });

  test('the application behaves exactly as without the hook', () => {
    expectSameAsWithoutHook(runs.result(label), runs.result(plainLabel), CASES);
  });

  test('one CLIENT span per request in the client, one SERVER span per request in the server', () => {
    expect(clientSpans).toHaveLength(CASES);
    expect(serverSpans).toHaveLength(CASES);
    for (const span of clientSpans) {
      expect(span.kind).toBe(CLIENT);
      expect(span.scope.name).toBe(SCOPE);
    }
    for (const span of serverSpans) {
      expect(span.kind).toBe(SERVER);
      expect(span.scope.name).toBe(SCOPE);
    }
  });

  test('callTool: an execute_tool step on each side, arguments and result as content, one trace', () => {
    const client = only(clientSpans, 'tool');
    expect(client.name).toBe('tools/call get_weather');
    expect(client.status.code).toBe(STATUS_UNSET);
    expect(client.attributes).toEqual({
      ...common('tool'),
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.call.arguments': JSON.stringify({ city: 'Paris' }),
      'gen_ai.tool.call.result': JSON.stringify(WEATHER_RESULT),
    });

    const server = serverChild(serverSpans, client);
    expect(server.name).toBe('tools/call get_weather');
    expect(server.status.code).toBe(STATUS_UNSET);
    expect(server.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'mcp.method.name': 'tools/call',
      'jsonrpc.request.id': expect.stringMatching(/^\d+$/),
      'gen_ai.tool.call.arguments': JSON.stringify({ city: 'Paris' }),
      'gen_ai.tool.call.result': JSON.stringify(WEATHER_RESULT),
    });
  });

  test('a tool result with isError: true is a failed tool call (tool_error) on both sides', () => {
    const client = only(clientSpans, 'tool-error');
    const server = serverChild(serverSpans, client);
    for (const span of [client, server]) {
      expect(span.status.code).toBe(STATUS_ERROR);
      expect(span.attributes['error.type']).toBe('tool_error');
      expect(span.attributes['gen_ai.tool.name']).toBe('fail_soft');
      expect(json(span.attributes['gen_ai.tool.call.result'])).toEqual({
        content: [{ type: 'text', text: 'no station in Atlantis' }],
        isError: true,
      });
    }
  });

  test('a tool that throws: the SDK answers isError, recorded as tool_error', () => {
    const client = only(clientSpans, 'tool-throws');
    const server = serverChild(serverSpans, client);
    for (const span of [client, server]) {
      expect(span.status.code).toBe(STATUS_ERROR);
      expect(span.attributes['error.type']).toBe('tool_error');
      expect(json(span.attributes['gen_ai.tool.call.result'])).toMatchObject({
        content: [{ type: 'text', text: 'sensor offline' }],
      });
    }
  });

  test('readResource: an MCP span without a GenAI operation, named without its URI', () => {
    const client = only(clientSpans, 'resource');
    expect(client.name).toBe('resources/read');
    expect(client.attributes).toEqual({
      ...common('resource'),
      'mcp.method.name': 'resources/read',
      'mcp.resource.uri': 'config://app',
    });
    const server = serverChild(serverSpans, client);
    expect(server.name).toBe('resources/read');
    expect(server.attributes).toMatchObject({
      'mcp.method.name': 'resources/read',
      'mcp.resource.uri': 'config://app',
    });
    expect(server.attributes['gen_ai.operation.name']).toBeUndefined();
  });

  test('a JSON-RPC error carries its code as error.type and rpc.response.status_code', () => {
    const client = only(clientSpans, 'resource-missing');
    const server = serverChild(serverSpans, client);
    for (const span of [client, server]) {
      expect(span.status.code).toBe(STATUS_ERROR);
      expect(span.status.message).toContain('Resource config://missing not found');
      expect(span.attributes).toMatchObject({
        'error.type': '-32602',
        'rpc.response.status_code': '-32602',
        'mcp.resource.uri': 'config://missing',
      });
    }
  });

  test('getPrompt: named after the prompt, gen_ai.prompt.name', () => {
    const client = only(clientSpans, 'prompt');
    expect(client.name).toBe('prompts/get greeting');
    expect(client.attributes).toEqual({
      ...common('prompt'),
      'mcp.method.name': 'prompts/get',
      'gen_ai.prompt.name': 'greeting',
    });
    const server = serverChild(serverSpans, client);
    expect(server.name).toBe('prompts/get greeting');
    expect(server.attributes['gen_ai.prompt.name']).toBe('greeting');
  });

  test("the caller's params (frozen, with a _meta of their own) are copied, not written to", () => {
    const client = only(clientSpans, 'params-untouched');
    const server = serverChild(serverSpans, client);
    expect(json(server.attributes['gen_ai.tool.call.arguments'])).toEqual({ city: 'Oslo' });
    expect(cases(runs.result(label).stdout)['params-untouched']).toMatchObject({
      params: { _meta: { 'com.example/origin': 'app' } },
      text: 'rainy, 12°C in Oslo',
    });
  });
});

describe('@modelcontextprotocol/sdk over Streamable HTTP', () => {
  let clientSpans: SinkSpan[];
  let serverSpans: SinkSpan[];
  beforeAll(() => {
    clientSpans = spansOf(runs.sink, 'mcp-http');
    serverSpans = spansOf(runs.sink, 'mcp-http-server');
  });

  test('the application behaves exactly as without the hook', () => {
    const hooked = runs.result('http');
    expect(hooked.code).toBe(0);
    expect(hooked.stdout).toBe(runs.result('plain').stdout);
    expect(clientSpans).toHaveLength(CASES);
    expect(serverSpans).toHaveLength(CASES);
  });

  test("both sides name the HTTP session; the client names the server's address; one trace per request", () => {
    const sessions = new Set([...clientSpans, ...serverSpans].map((span) => span.attributes['mcp.session.id']));
    expect([...sessions]).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    for (const client of clientSpans) {
      expect(client.attributes['server.address']).toBe('127.0.0.1');
      expect(client.attributes['server.port']).toEqual(expect.any(Number));
      serverChild(serverSpans, client);
    }
    expect(serverChild(serverSpans, only(clientSpans, 'tool')).attributes).toMatchObject({
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.result': JSON.stringify(WEATHER_RESULT),
    });
  });
});

test("with baggage propagated, the client's audit context reaches the server, which does not take it as its own", () => {
  const clientSpans = spansOf(runs.sink, 'mcp-baggage');
  const serverSpans = spansOf(runs.sink, 'mcp-baggage-server');
  expect(clientSpans).toHaveLength(CASES);
  expect(serverSpans).toHaveLength(CASES);
  const client = only(clientSpans, 'tool');
  expect(client.attributes['user.id']).toBe('user-42');
  // serverChild checks the trace join and that no audit attribute came across.
  serverChild(serverSpans, client);
});

test('an MCP tool called through a framework tool is that tool step alone on the client, and the server joins it', async () => {
  await runs.sink.waitFor(
    (s) => spansOf(s, 'mcp-framework').length > CASES && spansOf(s, 'mcp-framework-server').length > CASES,
    20_000,
  );
  const client = caseSpans(spansOf(runs.sink, 'mcp-framework'), 'framework-tool');
  expect(client).toHaveLength(1);
  expect(client[0].scope.name).not.toBe(SCOPE);
  expect(client[0].attributes).toMatchObject({
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'get_weather',
  });
  const server = serverChild(spansOf(runs.sink, 'mcp-framework-server'), client[0]);
  expect(server.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'mcp.method.name': 'tools/call' });
});

test('with content capture off, neither side records arguments or results', () => {
  const spans = [...spansOf(runs.sink, 'mcp-no-content'), ...spansOf(runs.sink, 'mcp-no-content-server')];
  expect(spans).toHaveLength(2 * CASES);
  for (const span of spans) {
    expect(span.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    expect(span.attributes['gen_ai.tool.call.result']).toBeUndefined();
  }
  const client = only(spansOf(runs.sink, 'mcp-no-content'), 'tool-error');
  const tools = [client, serverChild(spansOf(runs.sink, 'mcp-no-content-server'), client)];
  expect(tools.map((span) => span.attributes['error.type'])).toEqual(['tool_error', 'tool_error']);
  expect(tools.map((span) => span.attributes['gen_ai.tool.name'])).toEqual(['fail_soft', 'fail_soft']);
});

describe('through the collector', () => {
  const used = useCollector();
  let run: RunResult;

  beforeAll(async () => {
    run = await runApp({
      app: 'mcp-client-app.cjs',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: used.endpoint(),
        OTEL_SERVICE_NAME: 'mcp-e2e',
        SERVER_SERVICE_NAME: 'mcp-e2e-server',
      },
      timeoutMs: 90_000,
    });
  }, 180_000);

  test('each tool call is an execute_tool record on each side, sealed, the server one a child of the client one', async () => {
    expect(run.code).toBe(0);
    // Four cases call a tool; resources/read and prompts/get carry no GenAI operation: no records.
    const rows = await eventually(async () => {
      const found = await used.collector.sql<Record<string, unknown>>(
        "SELECT service_name, feature, operation, tool_name, user_id, session_id, status, error_type, trace_id, span_id, parent_span_id, length(content_sealed) > 0 AS sealed FROM ai_audit.records WHERE service_name IN ('mcp-e2e', 'mcp-e2e-server') ORDER BY feature, service_name",
      );
      return found.length === 8 && found;
    }, 30_000);
    const clients = rows.filter((row) => row.service_name === 'mcp-e2e');
    expect(clients.map((row) => row.feature)).toEqual(['params-untouched', 'tool', 'tool-error', 'tool-throws']);
    for (const client of clients) {
      expect(client).toMatchObject({ operation: 'execute_tool', user_id: 'user-42', session_id: 'session-7' });
      // The server's record: the client's child in the same trace, with no user of the client's.
      const server = rows.find((row) => row.parent_span_id === client.span_id);
      expect(server).toMatchObject({
        service_name: 'mcp-e2e-server',
        operation: 'execute_tool',
        trace_id: client.trace_id,
        tool_name: client.tool_name,
        status: client.status,
        user_id: '',
        session_id: '',
      });
      for (const row of [client, server]) expect(Boolean(Number(row?.sealed))).toBe(true);
    }
    expect(clients.find((row) => row.feature === 'tool')).toMatchObject({
      tool_name: 'get_weather',
      status: 'ok',
      error_type: '',
    });
    expect(clients.find((row) => row.feature === 'tool-error')).toMatchObject({
      tool_name: 'fail_soft',
      status: 'error',
      error_type: 'tool_error',
    });
  });
});
