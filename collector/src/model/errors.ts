/**
 * What a failure means for whoever receives it, after the OpenTelemetry Collector's
 * `consumererror` (docs/architecture.md, "Errors"):
 *
 * - `retryable`: the same request may succeed later (the write-ahead log is full, an erasure
 *   of one of its users is running, the store is held by another process). Receivers answer
 *   with a status OTLP exporters retry on.
 * - `permanent`: it fails again if repeated unchanged (a store error, a key that is gone).
 * - `invalid`: the caller's input is wrong (arguments, configuration, a request body). The
 *   CLI exits 2 for these and 1 for the rest.
 *
 * Every error the collector raises on purpose extends AuditError, so callers decide on
 * `kind`, not on a list of classes. Messages are one line and never carry content or keys.
 */
export type ErrorKind = 'retryable' | 'permanent' | 'invalid';

export class AuditError extends Error {
  override readonly name: string;
  readonly kind: ErrorKind = 'permanent';

  constructor(message: string, options?: { kind?: ErrorKind; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.kind) this.kind = options.kind;
  }
}

/** A refusal that passes: the sender should send the same thing again later. */
export class RetryLaterError extends AuditError {
  override readonly kind: ErrorKind = 'retryable';
}

/** Out of room (the write-ahead log is full): the sender should slow down, then retry. */
export class CapacityError extends RetryLaterError {}

/** The caller's input is wrong; repeating it changes nothing. */
export class InvalidInputError extends AuditError {
  override readonly kind: ErrorKind = 'invalid';
}

/** Whether a failure of any origin is worth retrying. */
export function isRetryable(error: unknown): boolean {
  return error instanceof AuditError && error.kind === 'retryable';
}

/** Whether a failure of any origin is the caller's (bad input) rather than the system's. */
export function isInvalidInput(error: unknown): boolean {
  return error instanceof AuditError && error.kind === 'invalid';
}
