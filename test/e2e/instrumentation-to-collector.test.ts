/**
 * The example service with the hook, through a real collector (`ai-audit start` on a temporary
 * embedded store), into ai_audit.records: each call is a row with the user from withAuditContext.
 * A groq-sdk application takes the same way, for a provider other than OpenAI.
 */
import { CollectorProcess, eventually } from '../helpers/collector';
import { GROQ, groqRoute } from '../instrumentation/fakes/groq';
import { OPENAI, openaiRoute } from '../instrumentation/fakes/openai';
import { startFakeServer, type FakeServer } from '../instrumentation/fakes/server';
import { runExample } from '../instrumentation/helpers/example';
import { runApp } from '../instrumentation/helpers/run-app';

let collector: CollectorProcess;
let fake: FakeServer;

beforeAll(async () => {
  [collector, fake] = await Promise.all([CollectorProcess.start(), startFakeServer([openaiRoute, groqRoute])]);
}, 60_000);

afterAll(async () => {
  await Promise.all([collector?.stop(), fake?.close()]);
});

test('the calls of an instrumented service appear in ai_audit.records with their users', async () => {
  const { run, answers } = await runExample({
    openaiBaseUrl: `${fake.url}/v1`,
    otlpEndpoint: `http://${collector.grpcEndpoint}`,
    service: 'ask-service-e2e',
    questions: [
      { user: 'alice', session: 'session-1', question: 'What is an audit trail?' },
      { user: 'bob', session: 'session-2', question: 'Why seal content?' },
    ],
  });
  expect(run.code).toBe(0);
  expect(answers.map((answer) => answer.status)).toEqual([200, 200]);

  const rows = await eventually(async () => {
    const found = await collector.sql<Record<string, unknown>>(
      "SELECT user_id, session_id, operation, provider, request_model, response_model, response_id, input_tokens, output_tokens, cache_read_tokens, reasoning_tokens, streaming, status FROM ai_audit.records WHERE service_name = 'ask-service-e2e' ORDER BY user_id",
    );
    return found.length === 2 && found;
  });
  const expected = {
    operation: 'chat',
    provider: 'openai',
    request_model: 'gpt-4o-mini',
    response_model: OPENAI.model,
    response_id: 'chatcmpl-fake-1',
    streaming: false,
    status: 'ok',
  };
  expect(
    rows.map((row) => ({
      ...row,
      input_tokens: Number(row.input_tokens),
      output_tokens: Number(row.output_tokens),
      cache_read_tokens: Number(row.cache_read_tokens),
      reasoning_tokens: Number(row.reasoning_tokens),
    })),
  ).toEqual([
    {
      ...expected,
      user_id: 'alice',
      session_id: 'session-1',
      input_tokens: 21,
      output_tokens: 9,
      cache_read_tokens: 5,
      reasoning_tokens: 2,
    },
    {
      ...expected,
      user_id: 'bob',
      session_id: 'session-2',
      input_tokens: 21,
      output_tokens: 9,
      cache_read_tokens: 5,
      reasoning_tokens: 2,
    },
  ]);
});

test('the calls of a groq-sdk application appear in ai_audit.records as provider groq', async () => {
  const run = await runApp({
    app: 'groq-app.cjs',
    env: {
      FAKE_URL: fake.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${collector.grpcEndpoint}`,
      OTEL_SERVICE_NAME: 'groq-e2e',
    },
  });
  expect(run.code).toBe(0);

  // The app's 7 cases make 8 calls; its "tools" case makes two.
  const rows = await eventually(async () => {
    const found = await collector.sql<Record<string, unknown>>(
      "SELECT user_id, feature, provider, request_model, response_model, response_id, input_tokens, output_tokens, streaming, status FROM ai_audit.records WHERE service_name = 'groq-e2e' AND feature IN ('chat', 'chat-stream', 'error-404')",
    );
    return found.length === 3 && found;
  });
  const byFeature = Object.fromEntries(rows.map((row) => [row.feature, row]));
  const tokens = (row: Record<string, unknown> | undefined) => [Number(row?.input_tokens), Number(row?.output_tokens)];
  expect(byFeature.chat).toMatchObject({
    user_id: 'user-42',
    provider: 'groq',
    request_model: 'llama-3.3-70b-versatile',
    response_model: GROQ.model,
    response_id: 'chatcmpl-fake-groq-1',
    streaming: false,
    status: 'ok',
  });
  expect(tokens(byFeature.chat)).toEqual([24, 11]);
  expect(byFeature['chat-stream']).toMatchObject({ provider: 'groq', streaming: true, status: 'ok' });
  expect(tokens(byFeature['chat-stream'])).toEqual([24, 11]);
  expect(byFeature['error-404']).toMatchObject({ provider: 'groq', request_model: 'missing-model', status: 'error' });
});
