import { documentValue, valueDocument, type ContentDocument } from '../../model/content';
import { CONTENT_FIELDS, EVENTS_ONLY, type AuditRecord } from '../../model/record';

/**
 * How a span's record and the record made of its GenAI events become one
 * (docs/architecture.md, "Joining events to spans"). The span's record is the record: its id,
 * times, names and status stay. What it lacks (messages, system instructions, tool
 * definitions, models, tokens, finish reasons, ...) the events fill in. `extra` keeps both:
 * the events' part under `events_record`.
 */

/** Columns the events may fill where the span's record has nothing. */
const FILLED = [
  'user_id',
  'session_id',
  'conversation_id',
  'feature',
  'provider',
  'request_model',
  'response_model',
  'response_id',
  'server_address',
  'agent_name',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'ttft_ms',
  'finish_reasons',
] as const satisfies readonly (keyof AuditRecord)[];

function empty(value: unknown): boolean {
  return value === '' || value === null || (Array.isArray(value) && value.length === 0);
}

export function joinEvents(span: AuditRecord, events: AuditRecord): AuditRecord {
  const joined: AuditRecord = { ...span, join: undefined };
  const target = joined as unknown as Record<string, unknown>;
  for (const column of FILLED) if (empty(target[column])) target[column] = events[column];
  joined.streaming = span.streaming || events.streaming;
  joined.attributes = { ...events.attributes, ...span.attributes };
  delete joined.attributes[EVENTS_ONLY];
  joined.resource = { ...events.resource, ...span.resource };
  const content = { ...span.content };
  for (const field of CONTENT_FIELDS) {
    if (field === 'extra' || events.content[field] === undefined) continue;
    content[field] ??= events.content[field];
  }
  const eventsExtra = events.content.extra;
  if (eventsExtra) content.extra = withEventsExtra(span.content.extra, eventsExtra);
  joined.content = content;
  return joined;
}

function withEventsExtra(spanExtra: ContentDocument | undefined, eventsExtra: ContentDocument): ContentDocument {
  const own = spanExtra ? (documentValue(spanExtra) as Record<string, unknown>) : {};
  return valueDocument({ ...own, events_record: documentValue(eventsExtra) });
}

/**
 * Two records of the same span's events (they came in separate exports): one record whose
 * message lists are both lists, in arrival order; other fields as joinEvents fills them.
 */
export function mergeEvents(first: AuditRecord, second: AuditRecord): AuditRecord {
  const merged = joinEvents(first, second);
  merged.join = 'events';
  merged.attributes[EVENTS_ONLY] = 'true';
  merged.timestamp = first.timestamp < second.timestamp ? first.timestamp : second.timestamp;
  for (const field of CONTENT_FIELDS) {
    const a = first.content[field];
    const b = second.content[field];
    if (!a || !b) continue;
    const [x, y] = [documentValue(a), documentValue(b)];
    if (Array.isArray(x) && Array.isArray(y)) merged.content[field] = valueDocument([...x, ...y]);
  }
  return merged;
}
