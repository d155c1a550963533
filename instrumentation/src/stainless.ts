/**
 * `openai` and `@anthropic-ai/sdk` share one generated client core (Stainless): a method returns
 * an `APIPromise` that parses the response only when someone reads it, and a streamed body is a
 * `Stream` whose `iterator` makes the async iterator behind `for await`, `tee()` and
 * `toReadableStream()`. This observes both in place, so the caller gets the SDK's own objects.
 */
import { diag } from '@opentelemetry/api';
import type { CallRequest, CallResult, GenAiCall, StreamAccumulator } from './call';
import { obj, type Obj } from './shape';

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
  /**
   * The parsed body of a call that was not streamed. `withOutput`: whether the output messages
   * are recorded (content is captured); otherwise building them is wasted work on every call.
   */
  result(parsed: unknown, withOutput: boolean): CallResult;
  /** A fresh accumulator for a streamed call. */
  stream?: () => StreamAccumulator<C>;
}

function settle<C>(call: GenAiCall, value: unknown, handlers: ResultHandlers<C>): void {
  const stream = obj(value);
  if (handlers.stream && stream && typeof stream.iterator === 'function') {
    const signal = obj(obj(stream.controller)?.signal);
    call.observeStream(stream, 'iterator', handlers.stream(), () => signal?.aborted === true);
    return;
  }
  call.succeed(handlers.stream ? {} : handlers.result(value, call.capturesContent));
}

/** One observed APIPromise: its call, and whether its body has been seen. */
class ApiPromiseObserver {
  private parsed = false;

  constructor(
    private readonly call: GenAiCall,
    private readonly handlers: ResultHandlers<unknown>,
  ) {}

  /** The body the application gets; only its first reading ends the call. */
  parse(value: unknown): void {
    if (this.parsed) return;
    this.parsed = true;
    this.call.guard(() => settle(this.call, value, this.handlers));
  }

  fail(err: unknown): void {
    this.call.fail(err);
  }
}

/*
 * The functions and promises put on an APIPromise are made here, apart from observeApiPromise,
 * so that each closes over what it uses and nothing more. Functions closing over all of
 * observeApiPromise's variables kept every call's objects alive past the young generation
 * (measured: twice the bytes promoted per call, and the old-space collections that follow).
 */

/**
 * What the SDK reads in place of its response promise: the same outcome, once the call has seen
 * a failure. When nobody reads the APIPromise, this one's failure is left unhandled, exactly as
 * the SDK would have left its own.
 */
function observingFailure(responsePromise: Promise<unknown>, observer: ApiPromiseObserver): Promise<unknown> {
  return responsePromise.then(undefined, (err: unknown) => {
    observer.fail(err);
    throw err;
  });
}

/** Reading the body goes through parseResponse; its result is observed on the side, returned untouched. */
function observingParse(parseResponse: ApiPromiseLike['parseResponse'], observer: ApiPromiseObserver) {
  return function (this: unknown, ...args: unknown[]): unknown {
    let result: unknown;
    try {
      result = parseResponse.apply(this, args);
    } catch (err) {
      observer.fail(err);
      throw err;
    }
    Promise.resolve(result).then(
      (value) => observer.parse(value),
      (err: unknown) => observer.fail(err),
    );
    return result;
  };
}

type ThenUnwrap = NonNullable<ApiPromiseLike['_thenUnwrap']>;

function ignore(): void {}

/**
 * openai 7's own _thenUnwrap: the value its transform gets is the parsed body. It reads the
 * SDK's own request, not `replaced`: a failure reaches the application through what it returns,
 * so the failure of `replaced`, which nobody reads then, must not surface as unhandled too.
 */
function observingThenUnwrap(
  thenUnwrap: ThenUnwrap,
  observer: ApiPromiseObserver,
  replaced: Promise<unknown>,
): ThenUnwrap {
  return function (this: unknown, transform, ...rest) {
    replaced.then(undefined, ignore);
    return thenUnwrap.call(
      this,
      (value: unknown, ...more: unknown[]) => {
        observer.parse(value);
        return transform(value, ...more);
      },
      ...rest,
    );
  };
}

/** A shape this code does not know: observe it as a plain promise. */
function observeThenable<C>(promise: unknown, call: GenAiCall, handlers: ResultHandlers<C>): void {
  if (typeof obj(promise)?.then !== 'function') {
    call.succeed({});
    return;
  }
  (promise as PromiseLike<unknown>).then(
    (value) => call.guard(() => settle(call, value, handlers)),
    (err: unknown) => call.fail(err),
  );
}

/**
 * Ends `call` with what `promise` (an APIPromise) turns out to hold, without reading anything
 * the application would not have read itself, and without handing it a different object.
 */
export function observeApiPromise<C>(promise: unknown, call: GenAiCall, handlers: ResultHandlers<C>): void {
  if (!isApiPromise(promise)) {
    observeThenable(promise, call, handlers);
    return;
  }
  const observer = new ApiPromiseObserver(call, handlers);
  // Plain assignments, to the data properties the SDK made: the promise keeps its keys and its
  // shape (an accessor in place of one would turn every promise into a slower dictionary object).
  // Every read of the response goes through `responsePromise` (then/parse/asResponse/
  // withResponse, and the prototype's _thenUnwrap), and of the body through `parseResponse`.
  const replaced = observingFailure(promise.responsePromise, observer);
  promise.responsePromise = replaced;
  promise.parseResponse = observingParse(promise.parseResponse, observer);
  // openai 7 gives each promise its own _thenUnwrap (the SDK's helpers, parse(), ... read
  // through it), around its private request and parser.
  const thenUnwrap = promise._thenUnwrap;
  if (typeof thenUnwrap === 'function' && Object.prototype.hasOwnProperty.call(promise, '_thenUnwrap')) {
    promise._thenUnwrap = observingThenUnwrap(thenUnwrap, observer, replaced);
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
