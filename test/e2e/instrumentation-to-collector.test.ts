/**
 * The example service with the hook, through a real collector (`ai-audit start` on a temporary
 * embedded store), into ai_audit.records: each call is a row with the user from withAuditContext.
 */
import { CollectorProcess, eventually } from '../helpers/collector';
import { OPENAI, openaiRoute } from '../instrumentation/fakes/openai';
import { startFakeServer, type FakeServer } from '../instrumentation/fakes/server';
import { runExample } from '../instrumentation/helpers/example';

let collector: CollectorProcess;
let fake: FakeServer;

beforeAll(async () => {
  [collector, fake] = await Promise.all([CollectorProcess.start(), startFakeServer([openaiRoute])]);
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
