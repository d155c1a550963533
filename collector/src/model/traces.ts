/**
 * Spans as the pipeline sees them: the shape OTLP trace exports take once decoded, whichever
 * encoding they arrived in (protobuf or OTLP/JSON). Only what the audit pipeline reads is
 * kept: links, dropped counts, trace state and flags are skipped while decoding.
 */

/**
 * An OTLP AnyValue. `kvlistValue` becomes a null-prototype object, `bytesValue` a
 * Uint8Array, `intValue` a number when it is a safe integer and a bigint otherwise.
 * An AnyValue with no value set decodes to null.
 */
export type AnyValue = string | number | bigint | boolean | Uint8Array | null | AnyValue[] | KeyValueList;

export interface KeyValueList {
  [key: string]: AnyValue;
}

/** Span, resource, scope or event attributes: a null-prototype object, last key wins. */
export type Attributes = KeyValueList;

export interface SpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export const enum SpanKind {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5,
}

export const enum StatusCode {
  Unset = 0,
  Ok = 1,
  Error = 2,
}

export interface Span {
  /** Lowercase hex of the bytes as received ('' when absent); validity is checked later. */
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: SpanEvent[];
  statusCode: number;
  statusMessage: string;
}

export interface InstrumentationScope {
  name: string;
  version: string;
}

export interface ScopeSpans {
  scope: InstrumentationScope;
  spans: Span[];
}

export interface ResourceSpans {
  resource: Attributes;
  scopeSpans: ScopeSpans[];
}

export interface TraceExport {
  /** Resources and scopes without any span are left out (the spec lets receivers ignore them). */
  resourceSpans: ResourceSpans[];
  /** Total spans across all resources and scopes. */
  spanCount: number;
}

/** Null prototype: attribute keys such as `__proto__` or `constructor` are plain data. */
export function newAttributes(): Attributes {
  return Object.create(null) as Attributes;
}

/** A span with nothing set: what decoding fills in, and what normalize reads a span's events into. */
export function newSpan(): Span {
  return {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: newAttributes(),
    events: [],
    statusCode: 0,
    statusMessage: '',
  };
}
