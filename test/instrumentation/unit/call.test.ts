/** A call's span from start to its single end, against the real SDK tracer and an in-memory exporter. */
import { createNoopMeter } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { abandonOpenCalls, GenAiCall, type CallRequest } from '../../../instrumentation/src/call';
import type { ContentCapture } from '../../../instrumentation/src/config';
import { GenAiMetrics } from '../../../instrumentation/src/metrics';

const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
const metrics = new GenAiMetrics(createNoopMeter());

beforeEach(() => exporter.reset());

const REQUEST: CallRequest = {
  operation: 'chat',
  provider: 'openai',
  model: 'gpt-4o-mini',
  stream: true,
  attributes: { 'gen_ai.request.max_tokens': 10, 'gen_ai.request.temperature': undefined },
  content: () => ({ input: [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }] }),
};

function start(capture: ContentCapture = 'span_only', request: CallRequest = REQUEST): GenAiCall {
  return new GenAiCall({ tracer, metrics, capture }, request);
}

function finished(): ReadableSpan[] {
  return exporter.getFinishedSpans();
}

test('ends exactly once: the first outcome wins', () => {
  const call = start();
  call.succeed({ responseId: 'r1', usage: { input: 3, output: 2 } });
  call.fail(new Error('late'));
  call.abandon('return');
  expect(finished()).toHaveLength(1);
  const [span] = finished();
  expect(span?.name).toBe('chat gpt-4o-mini');
  expect(span?.attributes).toMatchObject({
    'gen_ai.response.id': 'r1',
    'gen_ai.usage.input_tokens': 3,
    'gen_ai.request.max_tokens': 10,
  });
  expect(span?.attributes).not.toHaveProperty('gen_ai.request.temperature');
  expect(span?.attributes).not.toHaveProperty('error.type');
});

test('error.type: the provider code, else the error class name, else _OTHER', () => {
  start('span_only', { ...REQUEST, errorType: () => 'rate_limit_exceeded' }).fail(
    Object.assign(new Error('x'), { status: 429 }),
  );
  class ThrottlingException extends Error {
    override name = 'ThrottlingException';
  }
  start().fail(new ThrottlingException('slow down'));
  start().fail('a string');
  expect(
    finished().map((span) => [
      span.attributes['error.type'],
      span.attributes['http.response.status_code'],
      span.status.code,
    ]),
  ).toEqual([
    ['rate_limit_exceeded', 429, 2],
    ['ThrottlingException', undefined, 2],
    ['_OTHER', undefined, 2],
  ]);
});

test('an in-band failure (a Responses response.failed) is an error too', () => {
  start().succeed({ failure: { type: 'server_error', message: 'boom' } });
  expect(finished()[0]?.attributes['error.type']).toBe('server_error');
  expect(finished()[0]?.status).toEqual({ code: 2, message: 'boom' });
});

test('a stream observer: time to first chunk, done, and abandonment with partial output', () => {
  const call = start();
  const observer = call.observe({
    add: () => true,
    result: () => ({ output: [{ role: 'assistant', parts: [], finish_reason: 'incomplete' }] }),
  });
  observer.chunk({});
  observer.closed();
  observer.done();
  const [span] = finished();
  expect(span?.attributes['ai_audit.abandon.reason']).toBe('return');
  expect(span?.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0);
  expect(span?.attributes['gen_ai.output.messages']).toBe(
    '[{"role":"assistant","parts":[],"finish_reason":"incomplete"}]',
  );
});

test('an aborted source ends as abort, a finished one as a success', () => {
  start()
    .observe({ add: () => true, result: () => ({}) }, () => true)
    .done();
  start()
    .observe({ add: () => true, result: () => ({ finishReasons: ['stop'] }) }, () => false)
    .done();
  expect(
    finished().map((span) => [
      span.attributes['ai_audit.abandon.reason'],
      span.attributes['gen_ai.response.finish_reasons'],
    ]),
  ).toEqual([
    ['abort', undefined],
    [undefined, ['stop']],
  ]);
});

test('content capture: off, on the span, on an event', () => {
  start('no_content').succeed({ output: [] });
  start('span_only').succeed({ output: [] });
  start('event_only').succeed({ output: [] });
  const [off, onSpan, onEvent] = finished();
  expect(off?.attributes).not.toHaveProperty('gen_ai.input.messages');
  expect(off?.events).toEqual([]);
  expect(onSpan?.attributes['gen_ai.input.messages']).toBe(
    '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
  );
  expect(onSpan?.attributes['gen_ai.output.messages']).toBe('[]');
  expect(onEvent?.attributes).not.toHaveProperty('gen_ai.input.messages');
  expect(onEvent?.events[0]?.name).toBe('gen_ai.client.inference.operation.details');
  expect(onEvent?.events[0]?.attributes).toEqual({
    'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
    'gen_ai.output.messages': '[]',
  });
});

test('calls still open at shutdown end as abandoned', () => {
  const done = start();
  done.succeed({});
  start();
  abandonOpenCalls('shutdown');
  expect(finished().map((span) => span.attributes['ai_audit.abandon.reason'])).toEqual([undefined, 'shutdown']);
});
