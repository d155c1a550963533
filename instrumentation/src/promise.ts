/**
 * SDKs whose methods return a plain promise (of a body, or of a stream to read): the call ends
 * when the promise settles, and the application gets the SDK's very promise back.
 */
import type { CallRequest, GenAiCall } from './call';
import { obj, type Obj } from './shape';

export type Method = (this: unknown, ...args: unknown[]) => unknown;

/** How one SDK method's calls are described and read. */
export interface PromiseMethodSpec {
  /** `self` is the SDK object the method was called on. */
  describe(request: Obj, self: unknown): CallRequest;
  /** Ends `call` from what the promise resolved to: a result, or a stream to observe. */
  settle(call: GenAiCall, value: unknown, request: Obj): void;
}

/**
 * Wraps a method taking a request object first, such as `Chat.prototype.complete(request,
 * options)`. The SDK call runs with the call's span active; a failure the hook meets reading the
 * result ends the call without one, and never reaches the application.
 */
export function instrumentPromiseMethod(
  start: (describe: () => CallRequest) => GenAiCall | undefined,
  original: Method,
  spec: PromiseMethodSpec,
): Method {
  return function instrumented(this: unknown, ...args: unknown[]): unknown {
    const request = obj(args[0]);
    const call = request && start(() => spec.describe(request, this));
    if (!request || !call) return original.apply(this, args);
    const promise = call.run(() => original.apply(this, args));
    Promise.resolve(promise).then(
      (value) => call.guard(() => spec.settle(call, value, request)),
      (err: unknown) => call.fail(err),
    );
    return promise;
  };
}
