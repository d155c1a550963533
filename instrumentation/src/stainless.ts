/**
 * `openai` and `@anthropic-ai/sdk` share one generated client core (Stainless): a method returns
 * an `APIPromise` that parses the response only when someone reads it, and a streamed body is a
 * `Stream` whose `iterator` makes the async iterator behind `for await`, `tee()` and
 * `toReadableStream()`. This observes both in place, so the caller gets the SDK's own objects.
 */
import { diag } from '@opentelemetry/api';
import type { CallRequest, CallResult, GenAiCall, StreamAccumulator } from './call';
import { obj, type Obj } from './shape';
import { observeIterable } from './stream';

interface ApiPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse: (...args: unknown[]) => unknown;
  _thenUnwrap?: (transform: (value: unknown, ...rest: unknown[]) => unknown, ...rest: unknown[]) => unknown;
}

function isApiPromise(value: unknown): value is ApiPromiseLike {
  const candidate = obj(value);
  return typeof obj(candidate?.responsePromise)?.then === 'function' && typeof candidate?.parseResponse === 'function';
}

export interface ResultHandlers<C> {
  /** The parsed body of a call that was not streamed. */
  result(parsed: unknown): CallResult;
  /** A fresh accumulator for a streamed call. */
  stream?: () => StreamAccumulator<C>;
}

function settle<C>(call: GenAiCall, value: unknown, handlers: ResultHandlers<C>): void {
  const stream = obj(value);
  if (handlers.stream && stream && typeof stream.iterator === 'function') {
    const signal = obj(obj(stream.controller)?.signal);
    const observer = call.observe(handlers.stream(), () => signal?.aborted === true);
    observeIterable(stream, 'iterator', observer, (iterator) => call.watch(iterator));
    call.watch(stream);
    return;
  }
  call.succeed(handlers.stream ? {} : handlers.result(value));
}

/** Sets an own property the way the SDK had it: Object.keys() of the promise must not change. */
function define(target: object, key: string, value: unknown): void {
  const enumerable = Object.getOwnPropertyDescriptor(target, key)?.enumerable ?? false;
  Object.defineProperty(target, key, { configurable: true, writable: true, enumerable, value });
}

/**
 * Ends `call` with what `promise` (an APIPromise) turns out to hold, without reading anything
 * the application would not have read itself, and without handing it a different object.
 */
export function observeApiPromise<C>(promise: unknown, call: GenAiCall, handlers: ResultHandlers<C>): void {
  if (!isApiPromise(promise)) {
    // A shape this code does not know: observe it as a plain promise.
    const thenable = obj(promise);
    if (typeof thenable?.then === 'function') {
      (promise as PromiseLike<unknown>).then(
        (value) => call.guard(() => settle(call, value, handlers)),
        (err: unknown) => call.fail(err),
      );
    } else {
      call.succeed({});
    }
    return;
  }

  const { responsePromise, parseResponse, _thenUnwrap: thenUnwrap } = promise;
  // Failures are observed once someone reads the promise, never before: an APIPromise nobody
  // reads keeps its failure unhandled, exactly as the SDK would leave it. Every read goes
  // through this property (then/parse/asResponse/withResponse), or through _thenUnwrap below.
  let reading = false;
  const read = (): void => {
    if (reading) return;
    reading = true;
    responsePromise.then(undefined, (err: unknown) => call.fail(err));
  };
  Object.defineProperty(promise, 'responsePromise', {
    configurable: true,
    enumerable: true,
    get: () => {
      read();
      return responsePromise;
    },
    set: (value: unknown) => define(promise, 'responsePromise', value),
  });

  let parsedOnce = false;
  const parsed = (value: unknown): void => {
    if (parsedOnce) return;
    parsedOnce = true;
    settle(call, value, handlers);
  };
  // Reading the body goes through parseResponse; its result is observed on the side, returned untouched.
  define(promise, 'parseResponse', function (this: unknown, ...args: unknown[]) {
    let result: unknown;
    try {
      result = parseResponse.apply(this, args);
    } catch (err) {
      call.fail(err);
      throw err;
    }
    Promise.resolve(result).then(
      (value) => call.guard(() => parsed(value)),
      (err: unknown) => call.fail(err),
    );
    return result;
  });
  // The SDK's own helpers (parse(), ...) read through _thenUnwrap, which openai 7 implements
  // per instance around its private request and parser: observe the value its transform gets.
  if (typeof thenUnwrap === 'function') {
    define(
      promise,
      '_thenUnwrap',
      function (this: unknown, transform: (value: unknown, ...rest: unknown[]) => unknown, ...rest: unknown[]) {
        read();
        return thenUnwrap.call(
          this,
          (value: unknown, ...more: unknown[]) => {
            call.guard(() => parsed(value));
            return transform(value, ...more);
          },
          ...rest,
        );
      },
    );
  }
}

export type Create = (this: unknown, ...args: unknown[]) => unknown;

/** How one SDK method's calls are described and read. */
export interface MethodSpec {
  describe(body: Obj, client: Obj | undefined): CallRequest;
  handlers(body: Obj): ResultHandlers<unknown>;
  /** The arguments actually sent, when the hook adds to the request. */
  args?(body: Obj, args: unknown[]): unknown[];
}

/**
 * Wraps a resource method such as `Completions.prototype.create(body, options)`. The SDK call
 * runs with the call's span active; whatever the hook fails at, the application gets the SDK's
 * own result (or error) unchanged.
 */
export function instrumentMethod(
  start: (describe: () => CallRequest) => GenAiCall | undefined,
  original: Create,
  spec: MethodSpec,
): Create {
  return function instrumented(this: unknown, ...args: unknown[]): unknown {
    const body = obj(args[0]);
    const client = obj(obj(this)?._client);
    const call = body && start(() => spec.describe(body, client));
    if (!body || !call) return original.apply(this, args);
    const sent = spec.args?.(body, args) ?? args;
    const promise = call.run(() => original.apply(this, sent));
    try {
      observeApiPromise(promise, call, spec.handlers(body));
    } catch (err) {
      diag.debug('ai-audit: could not observe an API promise', err);
      call.succeed({});
    }
    return promise;
  };
}
