import type { AnyValue, Attributes, Span, SpanEvent, TraceExport } from '../../collector/src/model/traces';

/** Decoded spans for pipeline tests (what the OTLP decoders produce). */

export function attributes(values: Record<string, AnyValue>): Attributes {
  return Object.assign(Object.create(null) as Attributes, values);
}

let counter = 0;

export function span(attrs: Record<string, AnyValue>, overrides: Partial<Span> = {}): Span {
  counter++;
  return {
    traceId: counter.toString(16).padStart(32, 'a'),
    spanId: counter.toString(16).padStart(16, 'b'),
    parentSpanId: '',
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: 1_764_237_600_000_000_000n,
    endTimeUnixNano: 1_764_237_601_250_000_000n,
    attributes: attributes(attrs),
    events: [],
    statusCode: 0,
    statusMessage: '',
    ...overrides,
  };
}

export function event(name: string, attrs: Record<string, AnyValue>): SpanEvent {
  return { name, timeUnixNano: 1_764_237_600_500_000_000n, attributes: attributes(attrs) };
}

export function traceExport(
  spans: Span[],
  resource: Record<string, AnyValue> = { 'service.name': 'checkout', 'deployment.environment.name': 'prod' },
): TraceExport {
  return {
    resourceSpans: [
      { resource: attributes(resource), scopeSpans: [{ scope: { name: 'test-scope', version: '1.0' }, spans }] },
    ],
    spanCount: spans.length,
  };
}
