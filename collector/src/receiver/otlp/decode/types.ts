import type { LogsExport } from '../../../model/logs';
import type { TraceExport } from '../../../model/traces';
import { InvalidInputError } from '../../../model/errors';

/** Decoding limits and results; the decoded exports themselves are model/traces.ts and model/logs.ts. */

/** The OTLP signals the receiver takes: trace exports and logs exports. */
export type Signal = 'traces' | 'logs';

/**
 * Caps applied while decoding; see DecodeStats for what was cut. Besides these, a request
 * whose decoded form would outgrow its body many times over (empty events, kvlists, ...)
 * is refused; see limiter.ts.
 */
export interface DecodeLimits {
  /**
   * More items than this in one request: the request is refused. The items are the spans of
   * a trace export or the log records of a logs export (config: max_spans_per_request).
   */
  maxSpans: number;
  /**
   * Attributes beyond this count on one span/log record/resource/event are dropped
   * (counted). The same cap applies to the entries of one array or kvlist value, so no
   * value can fan out into millions of tiny objects.
   */
  maxAttributesPerSpan: number;
  /** Events beyond this count on one span are dropped (counted). */
  maxEventsPerSpan: number;
  /**
   * String/bytes attribute and log body values longer than this (UTF-16 units / bytes) are
   * cut (counted), at any nesting level; a string is never cut inside a surrogate pair.
   */
  maxAttributeValueLength: number;
  /**
   * AnyValue nesting (arrays, kvlists) deeper than this: the request is refused. An array or
   * kvlist directly in an attribute or a log body is depth 1, so 0 allows scalar values only.
   */
  maxValueDepth: number;
}

export interface DecodeStats {
  droppedAttributes: number;
  droppedEvents: number;
  truncatedValues: number;
}

/** A decoded export (a TraceExport unless said otherwise) and what the limits cut from it. */
export interface DecodeResult<T extends TraceExport | LogsExport = TraceExport> {
  export: T;
  stats: DecodeStats;
}

/** A request that cannot be decoded; `message` is safe to return to the client (no content). */
export class OtlpDecodeError extends InvalidInputError {}
