/**
 * The Stainless APIPromise observation against a stand-in with the SDK's semantics (then() parses
 * lazily through parseResponse), and the guarantee that the hook never throws into the caller.
 */
import { createNoopMeter } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { GenAiCall, type CallRequest } from '../../../instrumentation/src/call';
import { GenAiMetrics } from '../../../instrumentation/src/metrics';
import { instrumentMethod, observeApiPromise, type Create } from '../../../instrumentation/src/stainless';

const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
const telemetry = { tracer, metrics: new GenAiMetrics(createNoopMeter()), capture: 'span_only' as const };
const REQUEST: CallRequest = { operation: 'chat', provider: 'openai', model: 'm', stream: false };
const start = (describe: () => CallRequest) => new GenAiCall(telemetry, describe());

beforeEach(() => exporter.reset());

/** Like the SDK's APIPromise: nothing is parsed until someone reads it. */
class FakeApiPromise extends Promise<unknown> {
  parsedPromise: Promise<unknown> | undefined;
  constructor(
    public responsePromise: Promise<unknown>,
    public parseResponse: (props: unknown) => unknown = async (props) => (props as { body: unknown }).body,
  ) {
    super((resolve) => resolve(null));
  }
  static override get [Symbol.species]() {
    return Promise;
  }
  parse(): Promise<unknown> {
    this.parsedPromise ??= this.responsePromise.then((props) => this.parseResponse(props));
    return this.parsedPromise;
  }
  override then<A = unknown, B = never>(
    onfulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ) {
    return this.parse().then(onfulfilled, onrejected);
  }
}

test('the caller gets the same promise and the same value; the call ends with the parsed result', async () => {
  const body = { id: 'r1' };
  const promise = new FakeApiPromise(Promise.resolve({ body }));
  const call = start(() => REQUEST);
  observeApiPromise(promise, call, { result: (parsed) => ({ responseId: (parsed as { id: string }).id }) });
  expect(Object.keys(promise).sort()).toEqual(['parseResponse', 'parsedPromise', 'responsePromise']);
  expect(await promise).toBe(body);
  await new Promise((resolve) => setImmediate(resolve));
  expect(exporter.getFinishedSpans()[0]?.attributes['gen_ai.response.id']).toBe('r1');
});

test('the result reader is told whether output messages are wanted: only when content is captured', async () => {
  const wanted: boolean[] = [];
  for (const capture of ['span_only', 'no_content'] as const) {
    const promise = new FakeApiPromise(Promise.resolve({ body: {} }));
    observeApiPromise(promise, new GenAiCall({ ...telemetry, capture }, REQUEST), {
      result: (_parsed, withOutput) => {
        wanted.push(withOutput);
        return {};
      },
    });
    await promise;
  }
  await new Promise((resolve) => setImmediate(resolve));
  expect(wanted).toEqual([true, false]);
});

test('a result reader that throws ends the call without a result; the caller is not disturbed', async () => {
  const body = { id: 'r1' };
  const promise = new FakeApiPromise(Promise.resolve({ body }));
  observeApiPromise(
    promise,
    start(() => REQUEST),
    {
      result: () => {
        throw new Error('unexpected shape');
      },
    },
  );
  expect(await promise).toBe(body);
  await new Promise((resolve) => setImmediate(resolve));
  expect(exporter.getFinishedSpans()).toHaveLength(1);
});

test('a failure is recorded, and the caller gets the same error', async () => {
  const error = Object.assign(new Error('boom'), { status: 500, code: 'server_error' });
  const promise = new FakeApiPromise(Promise.reject(error));
  observeApiPromise(
    promise,
    start(() => ({ ...REQUEST, errorType: (err) => (err as { code: string }).code })),
    { result: () => ({}) },
  );
  await expect(promise).rejects.toBe(error);
  await new Promise((resolve) => setImmediate(resolve));
  expect(exporter.getFinishedSpans()[0]?.attributes).toMatchObject({
    'error.type': 'server_error',
    'http.response.status_code': 500,
  });
});

test("openai 7's own _thenUnwrap: a failure read through it is the caller's alone to handle", async () => {
  const error = new Error('boom');
  const request = Promise.reject(error);
  // openai 7 gives each promise a _thenUnwrap of its own, which reads the request directly.
  const promise = Object.assign(new FakeApiPromise(request), {
    _thenUnwrap: (transform: (value: unknown) => unknown) =>
      request.then((props) => transform((props as { body: unknown }).body)),
  });
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    observeApiPromise(
      promise,
      start(() => REQUEST),
      { result: () => ({}) },
    );
    await expect(promise._thenUnwrap((value) => value)).rejects.toBe(error);
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  expect(unhandled).toEqual([]);
  expect(exporter.getFinishedSpans()[0]?.status.code).toBe(2);
});

test('instrumentMethod: whatever the hook fails at, the SDK method runs and its result or error passes through', async () => {
  const value = new FakeApiPromise(Promise.resolve({ body: 'ok' }));
  const original: Create = function (this: unknown, body: unknown) {
    if ((body as { bad?: boolean }).bad) throw new TypeError('invalid body');
    return value;
  };
  const failingDescribe = instrumentMethod(() => undefined, original, {
    describe: () => REQUEST,
    handlers: () => ({ result: () => ({}) }),
  });
  expect(failingDescribe.call({}, { model: 'm' })).toBe(value);

  const instrumented = instrumentMethod(start, original, {
    describe: () => REQUEST,
    handlers: () => ({ result: () => ({}) }),
  });
  expect(instrumented.call({}, { model: 'm' })).toBe(value);
  expect(() => instrumented.call({}, { bad: true })).toThrow(TypeError);
  expect(instrumented.call({}, 'not an object' as unknown)).toBe(value);
  expect(exporter.getFinishedSpans().map((span) => span.attributes['error.type'])).toEqual(['TypeError']);
});
