import { OtlpDecodeError } from './types';

/**
 * Lets only OtlpDecodeError out of a decoder. Anything else (a bug, or an engine limit)
 * becomes a generic refusal without the original text or cause, because engine messages
 * (BigInt, JSON.parse, ...) may quote the request, and requests carry customer content.
 */
export function asDecodeError(err: unknown): OtlpDecodeError {
  return err instanceof OtlpDecodeError ? err : new OtlpDecodeError('malformed request');
}
