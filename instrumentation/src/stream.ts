/**
 * The one stream wrapper every provider uses. It never replaces the SDK's stream object: it
 * patches, on that very instance, the method that produces its iterator (or the iterator's own
 * next/return/throw), so the application keeps the SDK's class, its helper methods, `tee()`,
 * `controller.abort()` and `break`.
 */

export interface ChunkObserver<T> {
  /** Sees every chunk the source yields. Returns false to keep the chunk from the consumer. */
  chunk(value: T): boolean;
  /** The source ended normally. */
  done(): void;
  /** The source threw. */
  error(err: unknown): void;
  /** The consumer stopped early: `return()` (a `break`, an exception in the loop body) or `throw()`. */
  closed(): void;
}

type AsyncIteratorLike<T> = {
  next(...args: unknown[]): Promise<IteratorResult<T>>;
  return?(value?: unknown): Promise<IteratorResult<T>>;
  throw?(err?: unknown): Promise<IteratorResult<T>>;
};

function define(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { configurable: true, writable: true, enumerable: false, value });
}

/** Calls an observer method; observing must never break the consumer's iteration. */
function safely<R>(fn: () => R, fallback: R): R {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/**
 * Reports everything that happens to `iterator` to `observer`, exactly one of done / error /
 * closed at most once. Calls to `next` are chained so that a chunk kept from the consumer never
 * lets two reads of the source interleave (`tee()` reads ahead without awaiting).
 */
export function observeIterator<T>(iterator: AsyncIteratorLike<T>, observer: ChunkObserver<T>): void {
  const next = iterator.next;
  const ret = iterator.return;
  const thr = iterator.throw;
  let settled = false;
  const settle = (fn: () => void): void => {
    if (settled) return;
    settled = true;
    safely(fn, undefined);
  };
  let queue: Promise<unknown> = Promise.resolve();

  const read = async (self: unknown, args: unknown[]): Promise<IteratorResult<T>> => {
    for (;;) {
      let result: IteratorResult<T>;
      try {
        result = await next.apply(self, args);
      } catch (err) {
        settle(() => observer.error(err));
        throw err;
      }
      if (result.done) {
        settle(() => observer.done());
        return result;
      }
      if (settled || safely(() => observer.chunk(result.value), true) !== false) return result;
    }
  };

  define(iterator, 'next', function (this: unknown, ...args: unknown[]) {
    const result = queue.then(() => read(this, args));
    queue = result.catch(() => undefined);
    return result;
  });
  if (ret) {
    define(iterator, 'return', function (this: unknown, value?: unknown) {
      settle(() => observer.closed());
      return ret.call(this, value);
    });
  }
  if (thr) {
    define(iterator, 'throw', function (this: unknown, err?: unknown) {
      settle(() => observer.closed());
      return thr.call(this, err);
    });
  }
}

/**
 * Patches `owner[method]` (a function returning an async iterator, such as a Stream's
 * `iterator` or `[Symbol.asyncIterator]`) so that the first iterator it produces is observed.
 * Later calls get the SDK's own iterator untouched: the SDK decides what a second read means.
 */
export function observeIterable<T>(
  owner: object,
  method: PropertyKey,
  observer: ChunkObserver<T>,
  onIterator?: (iterator: object) => void,
): void {
  const original = (owner as Record<PropertyKey, unknown>)[method];
  if (typeof original !== 'function') return;
  let observed = false;
  define(owner, method, function (this: unknown, ...args: unknown[]) {
    const iterator = original.apply(this, args) as AsyncIteratorLike<T>;
    if (!observed && iterator && typeof iterator.next === 'function') {
      observed = true;
      observeIterator(iterator, observer);
      onIterator?.(iterator);
    }
    return iterator;
  });
}
