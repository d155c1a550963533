import { ERROR_TYPE_OTHER } from './semconv';

/** `error.type` from the error's name or class (RateLimitError, ThrottlingException); plain Error says nothing. */
export function errorTypeOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return ERROR_TYPE_OTHER;
  const names = [(err as { name?: unknown }).name, err.constructor?.name];
  const name = names.find(
    (candidate) => typeof candidate === 'string' && candidate !== '' && candidate !== 'Error' && candidate !== 'Object',
  );
  return typeof name === 'string' ? name : ERROR_TYPE_OTHER;
}
