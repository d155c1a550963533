/**
 * Spans of third-party instrumentations, made by the real packages in a child process and
 * exported with the official OTLP exporters to a real collector, become complete audit
 * records: Arize's OpenInference instrumentation of the openai SDK (OTLP/gRPC) and the
 * Vercel AI SDK's own telemetry with `@ai-sdk/openai` (OTLP/HTTP), each for a chat with a
 * tool definition, a stream with usage, and a call answered with a tool call.
 */
import { CollectorProcess, eventually, filesContaining, runCli } from '../helpers/collector';
import { OPENAI, openaiRoute } from '../instrumentation/fakes/openai';
import { startFakeServer, type FakeServer } from '../instrumentation/fakes/server';
import { cases, runApp } from '../instrumentation/helpers/run-app';

const CANARY = 'CANARY-3p41-unknown-key';
const CASES = ['chat', 'stream', 'tool'] as const;
type Case = (typeof CASES)[number];

const LIBRARIES = {
  openinference: {
    app: 'openinference-app.cjs',
    service: 'openinference-app',
    user: 'oi-user-',
    session: 'oi-session-',
    endpoint: (collector: CollectorProcess) => `http://${collector.grpcEndpoint}`,
  },
  vercel: {
    app: 'vercel-ai-app.cjs',
    service: 'vercel-ai-app',
    user: 'ai-user-',
    session: 'ai-session-',
    endpoint: (collector: CollectorProcess) => collector.otlpHttpUrl,
  },
} as const;
type Library = keyof typeof LIBRARIES;

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

beforeAll(async () => {
  [collector, fake] = await Promise.all([CollectorProcess.start(), startFakeServer([openaiRoute])]);
  for (const library of Object.keys(LIBRARIES) as Library[]) {
    const { app, service, endpoint } = LIBRARIES[library];
    const run = await runApp({
      app,
      hook: 'none',
      timeoutMs: 60_000,
      env: {
        FAKE_URL: fake.url,
        OTLP_ENDPOINT: endpoint(collector),
        PROMPTS: JSON.stringify(Object.fromEntries(CASES.map((name) => [name, prompt(library, name)]))),
        CANARY,
      },
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(Object.keys(cases(run.stdout))).toEqual([...CASES]);
    const rows = await eventually(async () => {
      const found = await collector.sql<Row>(
        `SELECT record_id, operation, provider, request_model, response_model, input_tokens, output_tokens,
                cache_read_tokens, reasoning_tokens, user_id, session_id, streaming, finish_reasons, cost_usd,
                ttft_ms, prompt_hash, violations, attributes
         FROM ai_audit.records WHERE service_name = '${service}'`,
      );
      return found.length >= CASES.length && found;
    });
    // One record per model call: the Vercel AI SDK's outer ai.generateText / ai.streamText
    // spans are not records, only its doGenerate / doStream spans are.
    expect(rows).toHaveLength(CASES.length);
    records[library] = Object.fromEntries(rows.map((row) => [row.user_id.split('-').pop(), row]));
  }
}, 180_000);

afterAll(async () => {
  await Promise.all([collector?.stop(), fake?.close()]);
});

const tokens = (row: Row) =>
  [row.input_tokens, row.output_tokens, row.cache_read_tokens, row.reasoning_tokens].map((n) =>
    n === null ? null : Number(n),
  );
const USAGE = [
  OPENAI.usage.prompt_tokens,
  OPENAI.usage.completion_tokens,
  OPENAI.usage.prompt_tokens_details.cached_tokens,
  OPENAI.usage.completion_tokens_details.reasoning_tokens,
];

describe.each(Object.keys(LIBRARIES) as Library[])('%s spans become audit records', (library) => {
  const { user, session } = LIBRARIES[library];

  it('fill operation, provider, models, user, session, streaming, finish reasons, tokens and cost', () => {
    const rows = records[library];
    expect(Object.keys(rows).sort()).toEqual([...CASES].sort());
    for (const name of CASES) {
      const row = rows[name];
      expect(row).toMatchObject({
        operation: 'chat',
        provider: 'openai',
        request_model: 'gpt-4o-mini',
        user_id: `${user}${name}`,
        session_id: `${session}${name}`,
        streaming: name === 'stream',
        finish_reasons: [name === 'tool' ? 'tool_calls' : 'stop'],
      });
    }
    // OpenInference records neither the usage nor the answering model of a stream
    // (it keeps the requested one): the record cannot have what the span lacks.
    const streamHasUsage = library === 'vercel';
    for (const name of CASES) {
      const row = rows[name];
      const complete = name !== 'stream' || streamHasUsage;
      expect(row.response_model).toBe(complete ? OPENAI.model : 'gpt-4o-mini');
      expect(tokens(row)).toEqual(complete ? USAGE : [null, null, null, null]);
      expect(row.cost_usd === null).toBe(!complete);
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
    expect(chat.input).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
      { role: 'user', parts: [{ type: 'text', content: prompt(library, 'chat') }] },
    ]);
    expect(chat.output).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: OPENAI.reply }] }]);
    expect(chat.tools).toEqual([
      expect.objectContaining({
        type: 'function',
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: expect.objectContaining({ required: ['city'] }),
      }),
    ]);

    const tool = await show(records[library].tool.record_id);
    expect(tool.output).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: OPENAI.toolCall.id, name: OPENAI.toolCall.name, arguments: { city: 'Paris' } },
        ],
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
