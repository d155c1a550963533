import type { LogRecord, ResourceLogs } from '../../model/logs';
import {
  newAttributes,
  newSpan,
  type Attributes,
  type InstrumentationScope,
  type Span,
  type SpanEvent,
} from '../../model/traces';
import { isMessageEvent } from './content';
import { asString } from './values';

/**
 * GenAI events sent as OTLP log records (docs/architecture.md, "Joining events to spans"),
 * grouped by the span they name and read as that span would be: one span per group, whose
 * attributes are the events' attributes and whose span events are the message events. The
 * normalizer then makes one record of it like of any span, so every dialect reader serves
 * events too:
 * - message events (`gen_ai.user.message`, `gen_ai.choice`, ..., v1.28–v1.36) become span
 *   events with their body's fields, read as messages;
 * - other `gen_ai.*` events (`gen_ai.client.inference.operation.details`, v1.37+) carry the
 *   operation's attributes (`gen_ai.input.messages`, usage, models), merged into the span's;
 *   a body they carry is kept as a span event, sealed with the rest of `extra`.
 */

/** The events of one span, as a span, with the resource and scope they came with. */
export interface EventSpan {
  resource: Attributes;
  scope: InstrumentationScope;
  span: Span;
}

export interface GroupedEvents {
  /** One per span named (ids as sent: the normalizer refuses groups that name no valid span). */
  spans: EventSpan[];
  /** Log records that are not GenAI events. */
  dropped: number;
}

/** The event's name: the record's `event_name`, or the `event.name` attribute older senders set. */
export function eventNameOf(log: LogRecord): string {
  return log.eventName || asString(log.attributes['event.name']);
}

export function groupEvents(resourceLogs: readonly ResourceLogs[]): GroupedEvents {
  const out: GroupedEvents = { spans: [], dropped: 0 };
  for (const { resource, scopeLogs } of resourceLogs) {
    const bySpan = new Map<string, EventSpan>();
    for (const { scope, logRecords } of scopeLogs) {
      for (const log of logRecords) {
        const name = eventNameOf(log);
        if (!name.startsWith('gen_ai.')) {
          out.dropped++;
          continue;
        }
        const key = `${log.traceId}/${log.spanId}`;
        let group = bySpan.get(key);
        if (!group) {
          group = { resource, scope, span: { ...newSpan(), traceId: log.traceId, spanId: log.spanId } };
          bySpan.set(key, group);
          out.spans.push(group);
        }
        addEvent(group.span, name, log);
      }
    }
  }
  return out;
}

function addEvent(span: Span, name: string, log: LogRecord): void {
  const time = log.timeUnixNano || log.observedTimeUnixNano;
  if (time > 0n && (span.startTimeUnixNano === 0n || time < span.startTimeUnixNano)) span.startTimeUnixNano = time;
  if (time > span.endTimeUnixNano) span.endTimeUnixNano = time;
  for (const key of Object.keys(log.attributes)) if (key !== 'event.name') span.attributes[key] = log.attributes[key];
  const body = log.body;
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) && !(body instanceof Uint8Array);
  if (isMessageEvent(name)) {
    span.events.push(event(name, time, fields ? body : body === null ? {} : { content: body }));
  } else if (body !== null) {
    span.events.push(event(name, time, { body }));
  }
}

function event(name: string, timeUnixNano: bigint, attributes: Attributes): SpanEvent {
  const own = newAttributes();
  for (const key of Object.keys(attributes)) own[key] = attributes[key];
  return { name, timeUnixNano, attributes: own };
}
