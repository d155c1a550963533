/**
 * Binary protobuf `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest` and
 * `opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest` straight into the decoded
 * types, one pass, no intermediate message objects.
 *
 * Field numbers are those of opentelemetry-proto (collector/trace/v1/trace_service.proto,
 * trace/v1/trace.proto, collector/logs/v1/logs_service.proto, logs/v1/logs.proto,
 * common/v1/common.proto, resource/v1/resource.proto). Each message is a loop over its tags;
 * a tag is matched together with its wire type, so a known field sent with an unexpected
 * wire type is skipped like an unknown one (as protobuf-go does). Links, trace state,
 * severity, flags, schema URLs, scope attributes and dropped counts are skipped.
 */
import { asDecodeError } from './errors';
import { KeyCache } from './key-cache';
import { Limiter } from './limiter';
import { ProtoReader } from './proto-reader';
import {
  LOGS,
  newAttributes,
  newEvent,
  newLogRecord,
  newSpan,
  TRACES,
  type Envelope,
  type ResourceGroup,
  type ScopeGroup,
} from './shapes';
import type { DecodeLimits, DecodeResult } from './types';
import type { LogRecord, LogsExport } from '../../../model/logs';
import type {
  AnyValue,
  Attributes,
  InstrumentationScope,
  KeyValueList,
  Span,
  SpanEvent,
  TraceExport,
} from '../../../model/traces';

// Tags as they appear on the wire: (field number << 3) | wire type (0 varint, 1 fixed64,
// 2 length-delimited).
const enum Tag {
  // ExportTraceServiceRequest and ExportLogsServiceRequest: resource_spans, resource_logs
  Resources = (1 << 3) | 2,
  // ResourceSpans and ResourceLogs: resource, then scope_spans or scope_logs
  Resource = (1 << 3) | 2,
  Scopes = (2 << 3) | 2,
  // Resource
  ResourceAttributes = (1 << 3) | 2,
  // ScopeSpans and ScopeLogs: scope, then spans or log_records
  Scope = (1 << 3) | 2,
  Items = (2 << 3) | 2,
  // InstrumentationScope
  ScopeName = (1 << 3) | 2,
  ScopeVersion = (2 << 3) | 2,
  // Span
  TraceId = (1 << 3) | 2,
  SpanId = (2 << 3) | 2,
  ParentSpanId = (4 << 3) | 2,
  SpanName = (5 << 3) | 2,
  Kind = (6 << 3) | 0,
  StartTime = (7 << 3) | 1,
  EndTime = (8 << 3) | 1,
  SpanAttributes = (9 << 3) | 2,
  Events = (11 << 3) | 2,
  Status = (15 << 3) | 2,
  // Span.Event
  EventTime = (1 << 3) | 1,
  EventName = (2 << 3) | 2,
  EventAttributes = (3 << 3) | 2,
  // Status
  StatusMessage = (2 << 3) | 2,
  StatusCode = (3 << 3) | 0,
  // LogRecord
  LogTime = (1 << 3) | 1,
  LogBody = (5 << 3) | 2,
  LogAttributes = (6 << 3) | 2,
  LogTraceId = (9 << 3) | 2,
  LogSpanId = (10 << 3) | 2,
  LogObservedTime = (11 << 3) | 1,
  LogEventName = (12 << 3) | 2,
  // KeyValue
  Key = (1 << 3) | 2,
  Value = (2 << 3) | 2,
  // AnyValue
  StringValue = (1 << 3) | 2,
  BoolValue = (2 << 3) | 0,
  IntValue = (3 << 3) | 0,
  DoubleValue = (4 << 3) | 1,
  ArrayValue = (5 << 3) | 2,
  KvlistValue = (6 << 3) | 2,
  BytesValue = (7 << 3) | 2,
  // ArrayValue and KeyValueList
  Values = (1 << 3) | 2,
}

/** Shared by all requests: attribute keys are the same from one request to the next. */
const keys = new KeyCache();

export function decodeTraceExportProtobuf(bytes: Uint8Array, limits: DecodeLimits): DecodeResult<TraceExport> {
  const { resources, lim } = readRequest(bytes, limits, TRACES, readSpan);
  return { export: { resourceSpans: resources, spanCount: lim.itemCount }, stats: lim.stats };
}

export function decodeLogsExportProtobuf(bytes: Uint8Array, limits: DecodeLimits): DecodeResult<LogsExport> {
  const { resources, lim } = readRequest(bytes, limits, LOGS, readLogRecord);
  return { export: { resourceLogs: resources, recordCount: lim.itemCount }, stats: lim.stats };
}

/** Reads one span or log record whose payload ends at `end`. */
type ItemReader<Entry> = (r: ProtoReader, end: number, lim: Limiter) => Entry;

/** The resources of an export request, each item read by `readItem`; `lim` counted them. */
function readRequest<R extends ResourceGroup, S extends ScopeGroup, I>(
  bytes: Uint8Array,
  limits: DecodeLimits,
  envelope: Envelope<R, S, I>,
  readItem: ItemReader<I>,
): { resources: R[]; lim: Limiter } {
  const r = new ProtoReader(bytes);
  const lim = new Limiter(limits, bytes.byteLength, envelope.item);
  const resources: R[] = [];
  try {
    const end = r.buf.length;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === Tag.Resources) {
        const resource = readResourceGroup(r, r.lengthEnd(end), lim, envelope, readItem);
        // Envelopes without items are dropped (the spec lets receivers ignore them):
        // nothing downstream wants them, and millions of empty ones then leave nothing behind.
        if (envelope.scopesOf(resource).length > 0) resources.push(resource);
      } else {
        r.skip(tag, end);
      }
    }
  } catch (err) {
    throw asDecodeError(err);
  }
  return { resources, lim };
}

/** A ResourceSpans or ResourceLogs. */
function readResourceGroup<R extends ResourceGroup, S extends ScopeGroup, I>(
  r: ProtoReader,
  end: number,
  lim: Limiter,
  envelope: Envelope<R, S, I>,
  readItem: ItemReader<I>,
): R {
  const out = envelope.newResource();
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === Tag.Resource) {
      // A second `resource` replaces the first (protobuf would merge; no encoder sends two).
      out.resource = readResource(r, r.lengthEnd(end), lim);
    } else if (tag === Tag.Scopes) {
      const scope = readScopeGroup(r, r.lengthEnd(end), lim, envelope, readItem);
      if (envelope.itemsOf(scope).length > 0) envelope.scopesOf(out).push(scope);
    } else {
      r.skip(tag, end);
    }
  }
  return out;
}

function readResource(r: ProtoReader, end: number, lim: Limiter): Attributes {
  const attributes = newAttributes();
  let held = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === Tag.ResourceAttributes) held = readAttribute(r, end, lim, attributes, held);
    else r.skip(tag, end);
  }
  return attributes;
}

/** A ScopeSpans or ScopeLogs. */
function readScopeGroup<R extends ResourceGroup, S extends ScopeGroup, I>(
  r: ProtoReader,
  end: number,
  lim: Limiter,
  envelope: Envelope<R, S, I>,
  readItem: ItemReader<I>,
): S {
  const out = envelope.newScope();
  const items = envelope.itemsOf(out);
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === Tag.Items) {
      const itemEnd = r.lengthEnd(end);
      lim.addItem();
      items.push(readItem(r, itemEnd, lim));
    } else if (tag === Tag.Scope) {
      readScope(r, r.lengthEnd(end), out.scope);
    } else {
      r.skip(tag, end);
    }
  }
  return out;
}

function readScope(r: ProtoReader, end: number, into: InstrumentationScope): void {
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === Tag.ScopeName) into.name = r.string(end);
    else if (tag === Tag.ScopeVersion) into.version = r.string(end);
    else r.skip(tag, end);
  }
}

function readSpan(r: ProtoReader, end: number, lim: Limiter): Span {
  const span = newSpan();
  let held = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case Tag.TraceId:
        span.traceId = r.hexString(end);
        break;
      case Tag.SpanId:
        span.spanId = r.hexString(end);
        break;
      case Tag.ParentSpanId:
        span.parentSpanId = r.hexString(end);
        break;
      case Tag.SpanName:
        span.name = r.string(end);
        break;
      case Tag.Kind:
        span.kind = r.uint32(end) | 0; // enum: int32
        break;
      case Tag.StartTime:
        span.startTimeUnixNano = r.fixed64BigInt(end);
        break;
      case Tag.EndTime:
        span.endTimeUnixNano = r.fixed64BigInt(end);
        break;
      case Tag.SpanAttributes:
        held = readAttribute(r, end, lim, span.attributes, held);
        break;
      case Tag.Events: {
        const eventEnd = r.lengthEnd(end);
        // Events past the cap are skipped unread.
        if (lim.keepEvent(span.events.length)) span.events.push(readEvent(r, eventEnd, lim));
        else r.pos = eventEnd;
        break;
      }
      case Tag.Status:
        readStatus(r, r.lengthEnd(end), span);
        break;
      default:
        r.skip(tag, end);
    }
  }
  return span;
}

function readEvent(r: ProtoReader, end: number, lim: Limiter): SpanEvent {
  const event = newEvent();
  let held = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === Tag.EventAttributes) held = readAttribute(r, end, lim, event.attributes, held);
    else if (tag === Tag.EventTime) event.timeUnixNano = r.fixed64BigInt(end);
    else if (tag === Tag.EventName) event.name = r.string(end);
    else r.skip(tag, end);
  }
  return event;
}

function readStatus(r: ProtoReader, end: number, into: Span): void {
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === Tag.StatusCode) into.statusCode = r.uint32(end) | 0;
    else if (tag === Tag.StatusMessage) into.statusMessage = r.string(end);
    else r.skip(tag, end);
  }
}

function readLogRecord(r: ProtoReader, end: number, lim: Limiter): LogRecord {
  const record = newLogRecord();
  let held = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case Tag.LogTime:
        record.timeUnixNano = r.fixed64BigInt(end);
        break;
      case Tag.LogObservedTime:
        record.observedTimeUnixNano = r.fixed64BigInt(end);
        break;
      case Tag.LogEventName:
        record.eventName = r.string(end);
        break;
      case Tag.LogBody:
        // The body is an AnyValue like an attribute's, under the same caps (depth 0: its own
        // array or kvlist is depth 1).
        record.body = readAnyValue(r, r.lengthEnd(end), lim, 0);
        break;
      case Tag.LogAttributes:
        held = readAttribute(r, end, lim, record.attributes, held);
        break;
      case Tag.LogTraceId:
        record.traceId = r.hexString(end);
        break;
      case Tag.LogSpanId:
        record.spanId = r.hexString(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  return record;
}

/**
 * One KeyValue of an attribute list (or of a kvlist value) whose length prefix is at `pos`.
 * Returns the new count of entries held; an entry past the cap is skipped unread.
 */
function readAttribute(r: ProtoReader, end: number, lim: Limiter, into: KeyValueList, held: number, depth = 0): number {
  const kvEnd = r.lengthEnd(end);
  if (!lim.keepAttribute(held)) {
    r.pos = kvEnd;
    return held;
  }
  let key = '';
  let value: AnyValue = null;
  while (r.pos < kvEnd) {
    const tag = r.tag(kvEnd);
    if (tag === Tag.Key) {
      const stop = r.lengthEnd(kvEnd);
      key = keys.get(r.buf, r.pos, stop);
      r.pos = stop;
    } else if (tag === Tag.Value) value = readAnyValue(r, r.lengthEnd(kvEnd), lim, depth);
    else r.skip(tag, kvEnd);
  }
  into[key] = value;
  return held + 1;
}

/** An AnyValue inside `depth` arrays/kvlists; an AnyValue with nothing set is null. */
function readAnyValue(r: ProtoReader, end: number, lim: Limiter, depth: number): AnyValue {
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case Tag.StringValue:
        value = readStringValue(r, end, lim);
        break;
      case Tag.BoolValue:
        r.varint64(end);
        value = (r.lo | r.hi) !== 0;
        break;
      case Tag.IntValue:
        r.varint64(end);
        value = int64(r.lo, r.hi);
        break;
      case Tag.DoubleValue:
        value = r.double(end);
        break;
      case Tag.ArrayValue: {
        lim.enterArray(depth + 1, r.pos);
        value = readArray(r, r.lengthEnd(end), lim, depth + 1);
        break;
      }
      case Tag.KvlistValue: {
        lim.enterKvlist(depth + 1, r.pos);
        value = readKvlist(r, r.lengthEnd(end), lim, depth + 1);
        break;
      }
      case Tag.BytesValue: {
        const stop = r.lengthEnd(end);
        const start = r.pos;
        r.pos = stop;
        value = r.copy(start, start + lim.keptBytes(stop - start));
        break;
      }
      default:
        r.skip(tag, end);
    }
  }
  return value;
}

function readArray(r: ProtoReader, end: number, lim: Limiter, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === Tag.Values) {
      const valueEnd = r.lengthEnd(end);
      if (lim.keepAttribute(values.length)) values.push(readAnyValue(r, valueEnd, lim, depth));
      else r.pos = valueEnd;
    } else {
      r.skip(tag, end);
    }
  }
  return values;
}

function readKvlist(r: ProtoReader, end: number, lim: Limiter, depth: number): KeyValueList {
  const values = newAttributes();
  let held = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === Tag.Values) held = readAttribute(r, end, lim, values, held, depth);
    else r.skip(tag, end);
  }
  return values;
}

/**
 * A string value, decoding no more bytes than can fill maxAttributeValueLength UTF-16
 * units: every complete UTF-8 sequence (or replaced invalid one) spends at most 3 bytes per
 * unit, so 3 * max + 4 bytes always yield more than `max` units identical to the full
 * decode's, and a huge value is cut without ever being decoded whole.
 */
function readStringValue(r: ProtoReader, end: number, lim: Limiter): string {
  const stop = r.lengthEnd(end);
  const start = r.pos;
  r.pos = stop;
  return lim.cutString(r.utf8(start, Math.min(stop, start + 3 * lim.maxValueLength + 4)));
}

/** A two's-complement int64 from its halves: a number when it is a safe integer, else a bigint. */
function int64(lo: number, hi: number): number | bigint {
  const high = hi | 0;
  // With |high| < 2^21 the sum is exact and within ±2^53.
  if (high >= -0x200000 && high < 0x200000) {
    const value = high * 0x100000000 + lo;
    if (Number.isSafeInteger(value)) return value;
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}
