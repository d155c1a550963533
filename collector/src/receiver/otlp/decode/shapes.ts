/**
 * The one place decoded objects are created, so protobuf and JSON requests produce objects
 * of the same shape (same properties, same order, same defaults for absent fields) and the
 * code reading them downstream stays monomorphic.
 */
import type { LogRecord, ResourceLogs, ScopeLogs } from '../../../model/logs';
import { newAttributes } from '../../../model/traces';
import type {
  Attributes,
  InstrumentationScope,
  ResourceSpans,
  ScopeSpans,
  Span,
  SpanEvent,
} from '../../../model/traces';
import type { Item } from './limiter';

// Spans and attribute lists are made where every span is (model/traces.ts): events read as spans too.
export { newAttributes, newSpan } from '../../../model/traces';

function newScope(): InstrumentationScope {
  return { name: '', version: '' };
}

export function newResourceSpans(): ResourceSpans {
  return { resource: newAttributes(), scopeSpans: [] };
}

export function newScopeSpans(): ScopeSpans {
  return { scope: newScope(), spans: [] };
}

export function newEvent(): SpanEvent {
  return { name: '', timeUnixNano: 0n, attributes: newAttributes() };
}

export function newResourceLogs(): ResourceLogs {
  return { resource: newAttributes(), scopeLogs: [] };
}

export function newScopeLogs(): ScopeLogs {
  return { scope: newScope(), logRecords: [] };
}

export function newLogRecord(): LogRecord {
  return {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    eventName: '',
    body: null,
    attributes: newAttributes(),
    traceId: '',
    spanId: '',
  };
}

/** What ResourceSpans and ResourceLogs have in common. */
export interface ResourceGroup {
  resource: Attributes;
}

/** What ScopeSpans and ScopeLogs have in common. */
export interface ScopeGroup {
  scope: InstrumentationScope;
}

/**
 * How an export nests, the same for traces and logs (and with the same protobuf field
 * numbers): resources holding scopes holding items, spans or log records. Both decoders read
 * this envelope through one descriptor per signal, so only the items need code of their own.
 */
export interface Envelope<Resource extends ResourceGroup, Scope extends ScopeGroup, Entry> {
  /** What the items are, for maxSpans and its refusal. */
  item: Item;
  /** The OTLP/JSON keys of the three lists, which the JSON decoder's error paths name too. */
  json: { resources: string; scopes: string; items: string };
  newResource(): Resource;
  scopesOf(resource: Resource): Scope[];
  newScope(): Scope;
  itemsOf(scope: Scope): Entry[];
}

export const TRACES: Envelope<ResourceSpans, ScopeSpans, Span> = {
  item: 'span',
  json: { resources: 'resourceSpans', scopes: 'scopeSpans', items: 'spans' },
  newResource: newResourceSpans,
  scopesOf: (resource) => resource.scopeSpans,
  newScope: newScopeSpans,
  itemsOf: (scope) => scope.spans,
};

export const LOGS: Envelope<ResourceLogs, ScopeLogs, LogRecord> = {
  item: 'log record',
  json: { resources: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords' },
  newResource: newResourceLogs,
  scopesOf: (resource) => resource.scopeLogs,
  newScope: newScopeLogs,
  itemsOf: (scope) => scope.logRecords,
};
