import { valueDocument, type ContentDocument } from '../../model/content';
import type { AnyValue, Attributes, SpanEvent } from '../../model/traces';
import { isMessageEvent, MESSAGE_EVENT_KEYS } from './content';
import { asString, toPlain } from './values';

/**
 * Splits attributes into what may be stored in clear and what is sealed with the record
 * (default-deny, see metadata.ts). `skip` names keys handled elsewhere (columns, content,
 * exclusions), which go to neither side.
 */
export function splitAttributes(
  attributes: Attributes,
  skip: (key: string) => boolean,
  clear: (key: string, value: AnyValue) => boolean,
): { clear: Record<string, string>; sealed: Record<string, unknown> | undefined } {
  // Null prototypes: attribute keys are client input ("__proto__" included).
  const inClear: Record<string, string> = Object.create(null);
  let sealed: Record<string, unknown> | undefined;
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value === null || skip(key)) continue;
    if (clear(key, value)) inClear[key] = asString(value);
    else (sealed ??= Object.create(null) as Record<string, unknown>)[key] = toPlain(value);
  }
  return { clear: inClear, sealed };
}

/**
 * What of the span's events is not read as messages, to be sealed: names, times and
 * attributes of the other events, and of message events the attributes left over once the
 * message is read (an unknown key on a message event is content we cannot place).
 */
export function sealedEvents(events: readonly SpanEvent[]): unknown[] | undefined {
  const kept: unknown[] = [];
  for (const event of events) {
    let attributes: Attributes = event.attributes;
    if (isMessageEvent(event.name)) {
      const leftover = Object.keys(attributes).filter((key) => !MESSAGE_EVENT_KEYS.has(key));
      if (leftover.length === 0) continue;
      attributes = Object.fromEntries(leftover.map((key) => [key, event.attributes[key]]));
    }
    kept.push({ name: event.name, time_unix_nano: event.timeUnixNano.toString(), attributes: toPlain(attributes) });
  }
  return kept.length === 0 ? undefined : kept;
}

/** The `extra` content document, or undefined when there is nothing to seal. */
export function extraDocument(parts: {
  attributes?: Record<string, unknown>;
  resource?: Record<string, unknown>;
  events?: unknown[];
}): ContentDocument | undefined {
  const present = Object.entries(parts).filter(([, value]) => value !== undefined);
  return present.length === 0 ? undefined : valueDocument(Object.fromEntries(present));
}
