/** Reading back what the hook exported, per application run and per app case. */
import type { AttributeValue, OtlpSink, SinkSpan } from '../../helpers/otlp-sink';

/** OTLP SpanKind CLIENT and StatusCode values. */
export const CLIENT = 3;
export const STATUS_UNSET = 0;
export const STATUS_ERROR = 2;

/** What every test app passes to withAuditContext, besides `feature` (the case name). */
export const AUDIT = {
  'user.id': 'user-42',
  'session.id': 'session-7',
  'gen_ai.conversation.id': 'conversation-9',
  'ai_audit.tenant_id': 'acme',
};

/** The spans of one application run (its OTEL_SERVICE_NAME), in start order. */
export function spansOf(sink: OtlpSink, service: string): SinkSpan[] {
  return sink.spans
    .filter((span) => span.resource['service.name'] === service)
    .sort((a, b) =>
      a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0,
    );
}

/** The spans of one app case (the `ai_audit.feature` it ran under). */
export function caseSpans(spans: SinkSpan[], feature: string): SinkSpan[] {
  return spans.filter((span) => span.attributes['ai_audit.feature'] === feature);
}

/** The one span of a case; fails when there is not exactly one. */
export function only(spans: SinkSpan[], feature: string): SinkSpan {
  const found = caseSpans(spans, feature);
  if (found.length !== 1)
    throw new Error(`expected one span for ${feature}, got ${found.length}: ${found.map((s) => s.name).join(', ')}`);
  return found[0] as SinkSpan;
}

/** A content attribute (a JSON string) as the value it encodes. */
export function json(value: AttributeValue | undefined): unknown {
  if (typeof value !== 'string') throw new Error(`expected a JSON string attribute, got ${String(value)}`);
  return JSON.parse(value);
}

/** Waits until every run's spans arrived (the hook flushes before each app exits). */
export async function waitForSpans(sink: OtlpSink, counts: Record<string, number>): Promise<void> {
  await sink.waitFor((s) => Object.entries(counts).every(([service, n]) => spansOf(s, service).length >= n), 15_000);
}
