let last: Promise<unknown> = Promise.resolve();

/**
 * Runs administrative operations that rewrite keys one at a time in this process: an
 * erasure and a key rotation running together could write back a key the erasure just
 * destroyed, and two erasures would share the subject table.
 */
export function exclusively<T>(run: () => Promise<T>): Promise<T> {
  const result = last.then(run, run);
  last = result.catch(() => undefined);
  return result;
}
