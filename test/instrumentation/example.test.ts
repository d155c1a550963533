/**
 * instrumentation/examples/ask-service.js, run as its README says (with the hook), against the
 * fake OpenAI server: each request's caller shows up on its span; SIGTERM ends it cleanly.
 */
import { startOtlpSink, type OtlpSink } from '../helpers/otlp-sink';
import { OPENAI, openaiRoute } from './fakes/openai';
import { startFakeServer, type FakeServer } from './fakes/server';
import { runExample } from './helpers/example';
import { json, spansOf } from './helpers/spans';

let sink: OtlpSink;
let fake: FakeServer;

beforeAll(async () => {
  [sink, fake] = await Promise.all([startOtlpSink(), startFakeServer([openaiRoute])]);
});

afterAll(async () => {
  await Promise.all([sink?.close(), fake?.close()]);
});

test('each answered question is a span attributed to the asking user; SIGTERM stops the service after flushing', async () => {
  const { run, answers } = await runExample({
    openaiBaseUrl: `${fake.url}/v1`,
    otlpEndpoint: sink.endpoint,
    service: 'ask-service',
    questions: [
      { user: 'alice', session: 'session-1', question: 'What is an audit trail?' },
      { user: 'bob', question: 'Why seal content?' },
    ],
  });
  expect(run).toMatchObject({ code: 0, signal: null });
  expect(answers).toEqual([
    { status: 200, body: { answer: OPENAI.reply } },
    { status: 200, body: { answer: OPENAI.reply } },
  ]);
  // Flushed before the service exited: nothing to wait for.
  const spans = spansOf(sink, 'ask-service');
  expect(spans.map((span) => [span.attributes['user.id'], span.attributes['session.id']]).sort()).toEqual([
    ['alice', 'session-1'],
    ['bob', undefined],
  ]);
  for (const span of spans) {
    expect(span.attributes).toMatchObject({
      'ai_audit.tenant_id': 'acme',
      'ai_audit.feature': 'ask',
      'gen_ai.request.model': 'gpt-4o-mini',
    });
    expect(json(span.attributes['gen_ai.input.messages'])).toHaveLength(2);
  }
});
