/**
 * The one place decoded objects are created, so protobuf and JSON requests produce objects
 * of the same shape (same properties, same order, same defaults for absent fields) and the
 * code reading them downstream stays monomorphic.
 */
import type { Attributes, ResourceSpans, ScopeSpans, Span, SpanEvent } from '../../../model/traces';

/** Null prototype: attribute keys such as `__proto__` or `constructor` are plain data. */
export function newAttributes(): Attributes {
  return Object.create(null) as Attributes;
}

export function newResourceSpans(): ResourceSpans {
  return { resource: newAttributes(), scopeSpans: [] };
}

export function newScopeSpans(): ScopeSpans {
  return { scope: { name: '', version: '' }, spans: [] };
}

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

export function newEvent(): SpanEvent {
  return { name: '', timeUnixNano: 0n, attributes: newAttributes() };
}
