/**
 * Spans of third-party instrumentations, made by the real packages in a child process and
 * exported with the official OTLP exporters to a real collector, become complete audit
 * records: Arize's OpenInference instrumentation of the openai SDK (OTLP/gRPC), the Vercel AI
 * SDK's own telemetry with `@ai-sdk/openai` (OTLP/HTTP), OpenLLMetry (`@traceloop/node-server-sdk`,
 * its own OTLP/HTTP protobuf exporter), the OpenTelemetry contrib instrumentation of the openai
 * SDK (spans over OTLP/HTTP, its message events over OTLP logs, joined to the span's record) and
 * OpenLIT (its own OTLP/HTTP exporter), each for a chat with a tool
 * definition, a stream with usage, and a call answered with a tool call.
 */
import { CollectorProcess, eventually, filesContaining, runCli } from '../helpers/collector';
import { OPENAI, openaiRoute } from '../instrumentation/fakes/openai';
import { startFakeServer, type FakeServer } from '../instrumentation/fakes/server';
import { cases, runApp } from '../instrumentation/helpers/run-app';

const CANARY = 'CANARY-3p41-unknown-key';
const CASES = ['chat', 'stream', 'tool'] as const;
type Case = (typeof CASES)[number];

/**
 * What each library is, and what its spans carry. `identity`: the user and session ids.
 * `tokens`: which of input, output, cache-read and reasoning tokens. `stream`: whether the span
 * says it streamed, and the usage of a stream: the server's (`reported`), the library's own
 * count (`estimated`), or none (then the span keeps the requested model, not the answering one).
 * `outputFinish`: the `finish_reason` the output message itself carries (sealed as sent: OpenLLMetry
 * writes the semconv word `tool_call`, OpenLIT the API's `tool_calls`), if any.
 */
interface LibraryInfo {
  app: string;
  service: string;
  endpoint: (collector: CollectorProcess) => string;
  /** Where its OTLP log exporter sends, when it sends GenAI events as logs. */
  logsEndpoint?: (collector: CollectorProcess) => string;
  identity: { user: string; session: string } | null;
  tokens: boolean[];
  stream: { said: boolean; usage: 'none' | 'reported' | 'estimated' };
  /** False when the library does not send tool definitions. */
  tools?: boolean;
  outputFinish: { chat?: string; tool?: string };
}

type Library = 'openinference' | 'vercel' | 'openllmetry' | 'otel' | 'openlit';
const ALL_TOKENS = [true, true, true, true];
const NO_FINISH = {};
const LIBRARIES: Record<Library, LibraryInfo> = {
  openinference: {
    app: 'openinference-app.cjs',
    service: 'openinference-app',
    endpoint: (collector: CollectorProcess) => `http://${collector.grpcEndpoint}`,
    identity: { user: 'oi-user-', session: 'oi-session-' },
    tokens: ALL_TOKENS,
    stream: { said: true, usage: 'none' },
    outputFinish: NO_FINISH,
  },
  vercel: {
    app: 'vercel-ai-app.cjs',
    service: 'vercel-ai-app',
    endpoint: (collector: CollectorProcess) => collector.otlpHttpUrl,
    identity: { user: 'ai-user-', session: 'ai-session-' },
    tokens: ALL_TOKENS,
    stream: { said: true, usage: 'reported' },
    outputFinish: NO_FINISH,
  },
  // OpenLLMetry ignores `include_usage` and counts a stream's tokens with tiktoken itself.
  openllmetry: {
    app: 'openllmetry-app.cjs',
    service: 'openllmetry-app',
    // A base URL: its exporter appends /v1/traces.
    endpoint: (collector: CollectorProcess) => `http://${collector.httpEndpoint}`,
    identity: { user: 'll-user-', session: 'll-session-' },
    tokens: [true, true, false, false],
    stream: { said: false, usage: 'estimated' },
    outputFinish: { chat: 'stop', tool: 'tool_call' },
  },
  // Its messages come as log events (OTLP logs), joined to the span's record by the collector;
  // it sends no tool definitions.
  otel: {
    app: 'otel-openai-app.cjs',
    service: 'otel-openai-app',
    endpoint: (collector: CollectorProcess) => collector.otlpHttpUrl,
    logsEndpoint: (collector: CollectorProcess) => collector.otlpLogsUrl,
    identity: null,
    tokens: [true, true, false, false],
    stream: { said: false, usage: 'reported' },
    tools: false,
    outputFinish: { chat: 'stop', tool: 'tool_calls' },
  },
  openlit: {
    app: 'openlit-app.cjs',
    service: 'openlit-app',
    endpoint: (collector: CollectorProcess) => `http://${collector.httpEndpoint}`,
    identity: { user: 'lit-user-', session: 'lit-session-' },
    tokens: [true, true, true, false],
    stream: { said: true, usage: 'reported' },
    outputFinish: { chat: 'stop', tool: 'tool_calls' },
  },
};

const prompt = (library: Library, name: Case): string =>
  `${library} ${name}: send the Paris forecast to ${library}.${name}@example.com please`;

interface Row {
  record_id: string;
  operation: string;
  provider: string;
  request_model: string;
  response_model: string;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  reasoning_tokens: number | null;
  user_id: string;
  session_id: string;
  streaming: boolean;
  finish_reasons: string[];
  cost_usd: number | null;
  ttft_ms: number | null;
  prompt_hash: string;
  violations: string[];
  attributes: Record<string, string>;
}

let collector: CollectorProcess;
let fake: FakeServer;
const records: Record<string, Record<string, Row>> = {};

async function cli(args: string[]) {
  return runCli([...args, '--config', collector.configPath]);
}

async function show(recordId: string): Promise<Record<string, unknown>> {
  const { stdout, stderr, code } = await cli(['show', recordId, '--decrypt', '--reason', 'third-party check']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const content = JSON.parse(stdout).content as Record<string, string>;
  return Object.fromEntries(Object.entries(content).map(([field, text]) => [field, JSON.parse(text)]));
}

async function runLibrary(library: Library): Promise<void> {
  const { app, service, endpoint, logsEndpoint } = LIBRARIES[library];
  const run = await runApp({
    app,
    hook: 'none',
    timeoutMs: 60_000,
    env: {
      FAKE_URL: fake.url,
      OTLP_ENDPOINT: endpoint(collector),
      ...(logsEndpoint ? { OTLP_LOGS_ENDPOINT: logsEndpoint(collector) } : {}),
      // runApp sets test-app, which OpenLLMetry's NodeSDK would prefer to its appName.
      OTEL_SERVICE_NAME: service,
      PROMPTS: JSON.stringify(Object.fromEntries(CASES.map((name) => [name, prompt(library, name)]))),
      CANARY,
    },
  });
  expect({ library, code: run.code, stderr: run.stderr }).toEqual({ library, code: 0, stderr: '' });
  expect(Object.keys(cases(run.stdout))).toEqual([...CASES]);
  const rows = await eventually(async () => {
    const found = await collector.sql<Row>(
      `SELECT record_id, operation, provider, request_model, response_model, input_tokens, output_tokens,
              cache_read_tokens, reasoning_tokens, user_id, session_id, streaming, finish_reasons, cost_usd,
              ttft_ms, prompt_hash, violations, attributes
       FROM ai_audit.records WHERE service_name = '${service}' ORDER BY timestamp`,
    );
    return found.length >= CASES.length && found;
  });
  // One record per model call: the Vercel AI SDK's outer ai.generateText / ai.streamText
  // spans are not records, only its doGenerate / doStream spans are.
  expect(rows).toHaveLength(CASES.length);
  // The app makes the calls one after the other, in the order of CASES.
  records[library] = Object.fromEntries(rows.map((row, i) => [CASES[i], row]));
}

beforeAll(async () => {
  [collector, fake] = await Promise.all([CollectorProcess.start(), startFakeServer([openaiRoute])]);
  // Each app is its own service: they can run side by side.
  const runs = await Promise.allSettled((Object.keys(LIBRARIES) as Library[]).map(runLibrary));
  for (const run of runs) if (run.status === 'rejected') throw run.reason;
}, 180_000);

afterAll(async () => {
  await Promise.all([collector?.stop(), fake?.close()]);
});

const tokens = (row: Row) =>
  [row.input_tokens, row.output_tokens, row.cache_read_tokens, row.reasoning_tokens].map((n) =>
    n === null ? null : Number(n),
  );
const finish = (reason: string | undefined) => (reason ? { finish_reason: reason } : {});
const USAGE = [
  OPENAI.usage.prompt_tokens,
  OPENAI.usage.completion_tokens,
  OPENAI.usage.prompt_tokens_details.cached_tokens,
  OPENAI.usage.completion_tokens_details.reasoning_tokens,
];

describe.each(Object.keys(LIBRARIES) as Library[])('%s spans become audit records', (library) => {
  const { identity, tokens: carried, stream, outputFinish } = LIBRARIES[library];

  it('fill operation, provider, models, user, session, streaming, finish reasons, tokens and cost', () => {
    const rows = records[library];
    expect(Object.keys(rows).sort()).toEqual([...CASES].sort());
    for (const name of CASES) {
      const row = rows[name];
      expect(row).toMatchObject({
        operation: 'chat',
        provider: 'openai',
        request_model: 'gpt-4o-mini',
        // The OTel contrib instrumentation has no way to say who calls.
        user_id: identity ? `${identity.user}${name}` : '',
        session_id: identity ? `${identity.session}${name}` : '',
        // OpenLLMetry and the OTel contrib instrumentation do not say a call streamed.
        streaming: name === 'stream' && stream.said,
        finish_reasons: [name === 'tool' ? 'tool_calls' : 'stop'],
      });
    }
    // The record cannot have what the span lacks.
    const usage = USAGE.map((n, i) => (carried[i] ? n : null));
    for (const name of CASES) {
      const row = rows[name];
      const usageOf = name === 'stream' ? stream.usage : 'reported';
      expect(row.response_model).toBe(usageOf === 'none' ? 'gpt-4o-mini' : OPENAI.model);
      if (usageOf === 'estimated') {
        expect(tokens(row)).toEqual([expect.any(Number), expect.any(Number), null, null]);
      } else {
        expect(tokens(row)).toEqual(usageOf === 'reported' ? usage : [null, null, null, null]);
      }
      expect(row.cost_usd === null).toBe(usageOf === 'none');
    }
    if (library === 'vercel') expect(Number(rows.stream.ttft_ms)).toBeGreaterThan(0);
  });

  it('hash the prompt as `ai-audit hash` does and flag the e-mail address', async () => {
    for (const name of CASES) {
      const row = records[library][name];
      const { stdout, code } = await cli(['hash', '--tenant', 'default', prompt(library, name)]);
      expect(code).toBe(0);
      expect(row.prompt_hash).toBe(stdout.trim());
      expect(row.violations).toContain('pii:email');
    }
  });

  it('seal the messages, the tool definition and the tool call, which show --decrypt opens', async () => {
    const chat = await show(records[library].chat.record_id);
    const tool = await show(records[library].tool.record_id);
    expect(chat.input).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
      { role: 'user', parts: [{ type: 'text', content: prompt(library, 'chat') }] },
    ]);
    expect(chat.output).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: OPENAI.reply }], ...finish(outputFinish.chat) },
    ]);
    if (LIBRARIES[library].tools === false) expect(chat.tools).toBeUndefined();
    else
      expect(chat.tools).toEqual([
        expect.objectContaining({
          type: 'function',
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: expect.objectContaining({ required: ['city'] }),
        }),
      ]);
    expect(tool.output).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: OPENAI.toolCall.id, name: OPENAI.toolCall.name, arguments: { city: 'Paris' } },
        ],
        ...finish(outputFinish.tool),
      },
    ]);
  });

  it('keep prompts and the canary of an unknown attribute off the disk in clear, sealed in extra', async () => {
    for (const name of CASES) {
      expect(filesContaining(collector.dir, prompt(library, name))).toEqual([]);
      expect(filesContaining(collector.dir, `${library}.${name}@example.com`)).toEqual([]);
      expect(JSON.stringify(records[library][name].attributes)).not.toContain(CANARY);
    }
    expect(filesContaining(collector.dir, CANARY)).toEqual([]);
    const { extra } = await show(records[library].chat.record_id);
    expect(JSON.stringify(extra)).toContain(CANARY);
  });
});
