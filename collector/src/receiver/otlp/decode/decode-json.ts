/**
 * OTLP/JSON `ExportTraceServiceRequest` and `ExportLogsServiceRequest` into the decoded
 * types, per the OTLP spec's "JSON Protobuf Encoding" (opentelemetry-proto
 * docs/specification.md):
 * - keys are lowerCamelCase; keys we do not know are ignored, and snake_case keys are
 *   "not valid" per the spec, so they are ignored like any unknown key;
 * - traceId/spanId/parentSpanId are case-insensitive hex (not base64), in spans and log
 *   records alike;
 * - enums are integers (the spec forbids names; we accept names too, being lenient);
 * - 64-bit integers are decimal strings or numbers (numbers past 2^53 have already lost
 *   precision in JSON.parse; senders should use strings, as the spec says);
 * - null stands for an absent field (proto3 JSON mapping);
 * - lone surrogates in strings become U+FFFD, as invalid UTF-8 does in protobuf.
 * Error messages name the field path (`resourceSpans[0].scopeSpans[0].spans[3].kind`) and
 * what was expected, never a value.
 */
import { asDecodeError } from './errors';
import { checkJsonShape } from './json-shape';
import { jsonSyntaxError } from '../../../model/json-scan';
import { Limiter } from './limiter';
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
import type { AnyValue, Attributes, KeyValueList, Span, SpanEvent, TraceExport } from '../../../model/traces';
import { OtlpDecodeError } from './types';

type JsonObject = { readonly [key: string]: unknown };

const EMPTY: readonly unknown[] = Object.freeze([]);
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const UNSIGNED = /^[0-9]{1,20}$/;
const SIGNED = /^-?[0-9]{1,19}$/;
const DECIMAL = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
/** Standard or URL-safe alphabet, padding optional (proto3 JSON accepts both). */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const SPAN_KINDS: ReadonlyMap<string, number> = new Map([
  ['SPAN_KIND_UNSPECIFIED', 0],
  ['SPAN_KIND_INTERNAL', 1],
  ['SPAN_KIND_SERVER', 2],
  ['SPAN_KIND_CLIENT', 3],
  ['SPAN_KIND_PRODUCER', 4],
  ['SPAN_KIND_CONSUMER', 5],
]);
const STATUS_CODES: ReadonlyMap<string, number> = new Map([
  ['STATUS_CODE_UNSET', 0],
  ['STATUS_CODE_OK', 1],
  ['STATUS_CODE_ERROR', 2],
]);

export function decodeTraceExportJson(text: string | Buffer, limits: DecodeLimits): DecodeResult<TraceExport> {
  const { resources, lim } = readRequest(text, limits, TRACES, readSpan);
  return { export: { resourceSpans: resources, spanCount: lim.itemCount }, stats: lim.stats };
}

export function decodeLogsExportJson(text: string | Buffer, limits: DecodeLimits): DecodeResult<LogsExport> {
  const { resources, lim } = readRequest(text, limits, LOGS, readLogRecord);
  return { export: { resourceLogs: resources, recordCount: lim.itemCount }, stats: lim.stats };
}

/**
 * Reads the span or log record `v`, element `index` of the list at `list` (its path is
 * `${list}[${index}]`; a body's AnyValue wants the two apart).
 */
type ItemReader<Entry> = (v: JsonObject, list: string, index: number, lim: Limiter) => Entry;

/** The resources of an export request, each item read by `readItem`; `lim` counted them. */
function readRequest<R extends ResourceGroup, S extends ScopeGroup, I>(
  text: string | Buffer,
  limits: DecodeLimits,
  envelope: Envelope<R, S, I>,
  readItem: ItemReader<I>,
): { resources: R[]; lim: Limiter } {
  checkJsonShape(typeof text === 'string' ? Buffer.from(text) : text);
  const source = typeof text === 'string' ? text : text.toString('utf8');
  let root: unknown;
  try {
    root = JSON.parse(source);
  } catch {
    throw new OtlpDecodeError(describeSyntaxError(source));
  }
  // UTF-16 units of a string body stand in for its bytes: the budget only needs a scale.
  const lim = new Limiter(limits, text.length, envelope.item);
  try {
    return { resources: readResources(root, lim, envelope, readItem), lim };
  } catch (err) {
    throw asDecodeError(err);
  }
}

function readResources<R extends ResourceGroup, S extends ScopeGroup, I>(
  root: unknown,
  lim: Limiter,
  envelope: Envelope<R, S, I>,
  readItem: ItemReader<I>,
): R[] {
  if (!isObject(root)) throw new OtlpDecodeError('request body must be a JSON object');
  const key = envelope.json.resources;
  const list = listField(root[key], '', key);
  const out: R[] = [];
  for (let i = 0; i < list.length; i++) {
    const path = `${key}[${i}]`;
    const resource = readResourceGroup(element(list[i], path), path, lim, envelope, readItem);
    // Envelopes without items are dropped, as in the protobuf decoder.
    if (envelope.scopesOf(resource).length > 0) out.push(resource);
  }
  return out;
}

/** A ResourceSpans or ResourceLogs. */
function readResourceGroup<R extends ResourceGroup, S extends ScopeGroup, I>(
  v: JsonObject,
  path: string,
  lim: Limiter,
  envelope: Envelope<R, S, I>,
  readItem: ItemReader<I>,
): R {
  const out = envelope.newResource();
  const resource = optionalObject(v.resource, path, 'resource');
  if (resource !== undefined) out.resource = readAttributes(resource.attributes, `${path}.resource`, lim);
  const key = envelope.json.scopes;
  const list = listField(v[key], path, key);
  for (let i = 0; i < list.length; i++) {
    const itemPath = `${path}.${key}[${i}]`;
    const scope = readScopeGroup(element(list[i], itemPath), itemPath, lim, envelope, readItem);
    if (envelope.itemsOf(scope).length > 0) envelope.scopesOf(out).push(scope);
  }
  return out;
}

/** A ScopeSpans or ScopeLogs. */
function readScopeGroup<R extends ResourceGroup, S extends ScopeGroup, I>(
  v: JsonObject,
  path: string,
  lim: Limiter,
  envelope: Envelope<R, S, I>,
  readItem: ItemReader<I>,
): S {
  const out = envelope.newScope();
  const scope = optionalObject(v.scope, path, 'scope');
  if (scope !== undefined) {
    out.scope.name = stringField(scope.name, `${path}.scope`, 'name');
    out.scope.version = stringField(scope.version, `${path}.scope`, 'version');
  }
  const key = envelope.json.items;
  const list = listField(v[key], path, key);
  const listPath = `${path}.${key}`;
  const items = envelope.itemsOf(out);
  for (let i = 0; i < list.length; i++) {
    lim.addItem();
    items.push(readItem(element(list[i], `${listPath}[${i}]`), listPath, i, lim));
  }
  return out;
}

function readSpan(v: JsonObject, list: string, index: number, lim: Limiter): Span {
  const path = `${list}[${index}]`;
  const span = newSpan();
  span.traceId = hexField(v.traceId, path, 'traceId');
  span.spanId = hexField(v.spanId, path, 'spanId');
  span.parentSpanId = hexField(v.parentSpanId, path, 'parentSpanId');
  span.name = stringField(v.name, path, 'name');
  span.kind = enumField(v.kind, SPAN_KINDS, path, 'kind');
  span.startTimeUnixNano = uint64Field(v.startTimeUnixNano, path, 'startTimeUnixNano');
  span.endTimeUnixNano = uint64Field(v.endTimeUnixNano, path, 'endTimeUnixNano');
  span.attributes = readAttributes(v.attributes, path, lim);
  const events = listField(v.events, path, 'events');
  for (let i = 0; i < events.length; i++) {
    if (!lim.keepEvent(span.events.length)) continue;
    const itemPath = `${path}.events[${i}]`;
    span.events.push(readEvent(element(events[i], itemPath), itemPath, lim));
  }
  const status = optionalObject(v.status, path, 'status');
  if (status !== undefined) {
    span.statusCode = enumField(status.code, STATUS_CODES, `${path}.status`, 'code');
    span.statusMessage = stringField(status.message, `${path}.status`, 'message');
  }
  return span;
}

function readEvent(v: JsonObject, path: string, lim: Limiter): SpanEvent {
  const event = newEvent();
  event.timeUnixNano = uint64Field(v.timeUnixNano, path, 'timeUnixNano');
  event.name = stringField(v.name, path, 'name');
  event.attributes = readAttributes(v.attributes, path, lim);
  return event;
}

function readLogRecord(v: JsonObject, list: string, index: number, lim: Limiter): LogRecord {
  const path = `${list}[${index}]`;
  const record = newLogRecord();
  record.timeUnixNano = uint64Field(v.timeUnixNano, path, 'timeUnixNano');
  record.observedTimeUnixNano = uint64Field(v.observedTimeUnixNano, path, 'observedTimeUnixNano');
  record.eventName = stringField(v.eventName, path, 'eventName');
  // The body is an AnyValue like an attribute's, under the same caps (depth 0: its own
  // array or kvlist is depth 1).
  record.body = readAnyValue(v.body, lim, 0, list, index, '.body');
  record.attributes = readAttributes(v.attributes, path, lim);
  record.traceId = hexField(v.traceId, path, 'traceId');
  record.spanId = hexField(v.spanId, path, 'spanId');
  return record;
}

/** The `attributes` list of the object at `path`. */
function readAttributes(list: unknown, path: string, lim: Limiter): Attributes {
  const attributes = newAttributes();
  readKeyValues(listField(list, path, 'attributes'), `${path}.attributes`, lim, attributes, 0);
  return attributes;
}

/** KeyValue entries (of an attribute list or a kvlist value) whose values sit at `depth`. */
function readKeyValues(list: readonly unknown[], path: string, lim: Limiter, into: KeyValueList, depth: number): void {
  for (let i = 0; i < list.length; i++) {
    if (!lim.keepAttribute(i)) continue;
    const kv = list[i];
    if (!isObject(kv)) throw fail(`${path}[${i}]`, 'expected a KeyValue object');
    const key = stringField(kv.key, `${path}[${i}]`, 'key');
    into[key] = readAnyValue(kv.value, lim, depth, path, i, '.value');
  }
}

/**
 * An AnyValue; its path, `${parent}[${index}]${suffix}`, is only built for an error or a
 * nested container, so the common flat attribute costs no string work.
 */
function readAnyValue(
  v: unknown,
  lim: Limiter,
  depth: number,
  parent: string,
  index: number,
  suffix: string,
): AnyValue {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw fail(`${parent}[${index}]${suffix}`, 'expected an AnyValue object');
  let x: unknown;
  if ((x = v.stringValue) != null) {
    if (typeof x !== 'string') throw fail(`${parent}[${index}]${suffix}.stringValue`, 'expected a string');
    // JSON escapes can spell lone surrogates ("\ud800"), which protobuf's UTF-8 cannot:
    // make them U+FFFD here too, so no later stage (hashing, keys, the store) meets them.
    return lim.cutString(x.toWellFormed());
  }
  if ((x = v.boolValue) != null) {
    if (typeof x !== 'boolean') throw fail(`${parent}[${index}]${suffix}.boolValue`, 'expected true or false');
    return x;
  }
  if ((x = v.intValue) != null) return int64Value(x, parent, index, suffix);
  if ((x = v.doubleValue) != null) return doubleValue(x, parent, index, suffix);
  if ((x = v.arrayValue) != null) {
    const path = `${parent}[${index}]${suffix}.arrayValue`;
    lim.enterArray(depth + 1, path);
    if (!isObject(x)) throw fail(path, 'expected an object');
    const list = listField(x.values, path, 'values');
    const values: AnyValue[] = [];
    for (let i = 0; i < list.length; i++) {
      if (lim.keepAttribute(i)) values.push(readAnyValue(list[i], lim, depth + 1, `${path}.values`, i, ''));
    }
    return values;
  }
  if ((x = v.kvlistValue) != null) {
    const path = `${parent}[${index}]${suffix}.kvlistValue`;
    lim.enterKvlist(depth + 1, path);
    if (!isObject(x)) throw fail(path, 'expected an object');
    const values = newAttributes();
    readKeyValues(listField(x.values, path, 'values'), `${path}.values`, lim, values, depth + 1);
    return values;
  }
  if ((x = v.bytesValue) != null) return bytesValue(x, lim, parent, index, suffix);
  return null;
}

function int64Value(x: unknown, parent: string, index: number, suffix: string): number | bigint {
  if (typeof x === 'number') {
    if (Number.isSafeInteger(x)) return x;
    if (Number.isInteger(x) && x >= -(2 ** 63) && x < 2 ** 63) return BigInt(x);
  } else if (typeof x === 'string' && SIGNED.test(x)) {
    const big = BigInt(x);
    if (big >= INT64_MIN && big <= INT64_MAX) {
      const n = Number(big);
      return Number.isSafeInteger(n) ? n : big;
    }
  }
  throw fail(`${parent}[${index}]${suffix}.intValue`, 'expected a 64-bit integer (number or decimal string)');
}

function doubleValue(x: unknown, parent: string, index: number, suffix: string): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'string') {
    if (x === 'NaN') return NaN;
    if (x === 'Infinity') return Infinity;
    if (x === '-Infinity') return -Infinity;
    if (DECIMAL.test(x)) return Number(x);
  }
  throw fail(`${parent}[${index}]${suffix}.doubleValue`, 'expected a number');
}

/** Base64 bytes; past the length cap only the kept prefix is decoded. */
function bytesValue(x: unknown, lim: Limiter, parent: string, index: number, suffix: string): Uint8Array {
  if (typeof x !== 'string' || !BASE64.test(x)) {
    throw fail(`${parent}[${index}]${suffix}.bytesValue`, 'expected a base64 string');
  }
  let digits = x.length;
  while (digits > 0 && x.charCodeAt(digits - 1) === 0x3d /* = */) digits--;
  const kept = lim.keptBytes(Math.floor((digits * 3) / 4));
  // Whole 4-character groups covering the kept bytes.
  const decoded = Buffer.from(x.slice(0, Math.ceil(kept / 3) * 4), 'base64');
  // A fresh copy: small Buffers share Node's pool slab, which a kept value would pin.
  const out = new Uint8Array(kept);
  out.set(decoded.subarray(0, kept));
  return out;
}

function hexField(x: unknown, path: string, field: string): string {
  if (x === undefined || x === null) return '';
  if (typeof x !== 'string' || !HEX.test(x)) throw fail(`${path}.${field}`, 'expected a hex string');
  return x.toLowerCase();
}

function stringField(x: unknown, path: string, field: string): string {
  if (x === undefined || x === null) return '';
  if (typeof x !== 'string') throw fail(`${path}.${field}`, 'expected a string');
  return x.toWellFormed();
}

/** A fixed64/uint64 (timestamps) as a decimal string or a number. */
function uint64Field(x: unknown, path: string, field: string): bigint {
  if (x === undefined || x === null) return 0n;
  if (typeof x === 'string' && UNSIGNED.test(x)) {
    const big = BigInt(x);
    if (big <= UINT64_MAX) return big;
  } else if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < 2 ** 64) {
    return BigInt(x);
  }
  throw fail(`${path}.${field}`, 'expected an unsigned 64-bit integer (decimal string or number)');
}

/** An enum as its integer (any int32: proto3 enums are open) or, leniently, its name. */
function enumField(x: unknown, names: ReadonlyMap<string, number>, path: string, field: string): number {
  if (x === undefined || x === null) return 0;
  if (typeof x === 'number' && (x | 0) === x) return x;
  if (typeof x === 'string') {
    const value = names.get(x);
    if (value !== undefined) return value;
  }
  throw fail(`${path}.${field}`, 'expected an enum integer');
}

/** A list field; absent or null is empty. */
function listField(x: unknown, path: string, field: string): readonly unknown[] {
  if (x === undefined || x === null) return EMPTY;
  if (!Array.isArray(x)) throw fail(path === '' ? field : `${path}.${field}`, 'expected an array');
  return x;
}

/** A singular message field; absent or null is undefined. */
function optionalObject(x: unknown, path: string, field: string): JsonObject | undefined {
  if (x === undefined || x === null) return undefined;
  if (!isObject(x)) throw fail(`${path}.${field}`, 'expected an object');
  return x;
}

/** An element of a repeated message field, which may not be null. */
function element(x: unknown, path: string): JsonObject {
  if (!isObject(x)) throw fail(path, 'expected an object');
  return x;
}

function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fail(path: string, what: string): OtlpDecodeError {
  return new OtlpDecodeError(`${path}: ${what}`);
}

/**
 * `invalid JSON at byte <n>: <reason>`, never quoting the body (it carries customer content).
 * The offset counts UTF-8 bytes of the body as decoded (an invalid byte counts as U+FFFD's 3).
 */
function describeSyntaxError(source: string): string {
  const error = jsonSyntaxError(source);
  // Nothing found when JSON.parse failed for another reason (e.g. memory).
  return error === undefined
    ? 'invalid JSON'
    : `invalid JSON at byte ${Buffer.byteLength(source.slice(0, error.at))}: ${error.reason}`;
}
