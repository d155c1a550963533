import type { TraceExport } from '../../../model/traces';
import { InvalidInputError } from '../../../model/errors';

/** Decoding limits and results; the decoded spans themselves are model/traces.ts. */

/**
 * Caps applied while decoding; see DecodeStats for what was cut. Besides these, a request
 * whose decoded form would outgrow its body many times over (empty events, kvlists, ...)
 * is refused; see limiter.ts.
 */
export interface DecodeLimits {
  /** More spans than this in one request: the request is refused. */
  maxSpans: number;
  /**
   * Attributes beyond this count on one span/resource/event are dropped (counted). The same
   * cap applies to the entries of one array or kvlist value, so no value can fan out into
   * millions of tiny objects.
   */
  maxAttributesPerSpan: number;
  /** Events beyond this count on one span are dropped (counted). */
  maxEventsPerSpan: number;
  /**
   * String/bytes attribute values longer than this (UTF-16 units / bytes) are cut (counted),
   * at any nesting level; a string is never cut inside a surrogate pair.
   */
  maxAttributeValueLength: number;
  /**
   * AnyValue nesting (arrays, kvlists) deeper than this: the request is refused. An array or
   * kvlist directly in an attribute is depth 1, so 0 allows scalar values only.
   */
  maxValueDepth: number;
}

export interface DecodeStats {
  droppedAttributes: number;
  droppedEvents: number;
  truncatedValues: number;
}

export interface DecodeResult {
  export: TraceExport;
  stats: DecodeStats;
}

/** A request that cannot be decoded; `message` is safe to return to the client (no content). */
export class OtlpDecodeError extends InvalidInputError {}
