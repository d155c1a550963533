/**
 * Spans for the OTLP decoder tests, built as SDK ReadableSpans so the official
 * otlp-transformer serializers (the ones the exporters use) produce the request bodies,
 * plus the decoded shape we expect back from them.
 */
import type { Attributes as OtelAttributes, HrTime, TraceState } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import * as protobuf from 'protobufjs';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeTraceExportJson } from '../../collector/src/receiver/otlp/decode/decode-json';
import { decodeTraceExportProtobuf } from '../../collector/src/receiver/otlp/decode/decode-protobuf';
import type { DecodeLimits, DecodeResult } from '../../collector/src/receiver/otlp/decode/types';
import type { AnyValue, KeyValueList, ResourceSpans, Span, TraceExport } from '../../collector/src/model/traces';

/** Caps no fixture reaches, for tests about something else. */
export const ROOMY_LIMITS: DecodeLimits = {
  maxSpans: 10_000,
  maxAttributesPerSpan: 1_000,
  maxEventsPerSpan: 1_000,
  maxAttributeValueLength: 1_000_000,
  maxValueDepth: 16,
};

/** Planted in every content-bearing place of the fixtures; must never show up in an error. */
export const CANARY = 'CANARY-7f3a9c';

type Scope = ReadableSpan['instrumentationScope'];

export interface SpanInit {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** API SpanKind (INTERNAL = 0); OTLP adds one. */
  kind?: number;
  startTime?: HrTime;
  endTime?: HrTime;
  status?: { code: number; message?: string };
  /** Anything the OTel serializers accept, beyond the API's Attributes type (kvlists, bytes, null). */
  attributes?: Record<string, unknown>;
  events?: { name: string; time: HrTime; attributes?: Record<string, unknown> }[];
  resource: Resource;
  scope: Scope;
}

const TRACE_STATE: TraceState = {
  set: () => TRACE_STATE,
  unset: () => TRACE_STATE,
  get: () => undefined,
  serialize: () => 'vendor=opaque',
};

export function readableSpan(init: SpanInit): ReadableSpan {
  const startTime = init.startTime ?? [1_760_000_000, 123_456_789];
  return {
    name: init.name,
    kind: init.kind ?? 0,
    spanContext: () => ({ traceId: init.traceId, spanId: init.spanId, traceFlags: 1, traceState: TRACE_STATE }),
    parentSpanContext: init.parentSpanId
      ? { traceId: init.traceId, spanId: init.parentSpanId, traceFlags: 1, isRemote: true }
      : undefined,
    startTime,
    endTime: init.endTime ?? [startTime[0] + 1, 5],
    status: init.status ?? { code: 0 },
    attributes: (init.attributes ?? {}) as OtelAttributes,
    // A link, which the decoder skips.
    links: [
      {
        context: { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 1 },
        attributes: { 'link.note': CANARY },
      },
    ],
    events: (init.events ?? []).map((e) => ({ ...e, attributes: e.attributes as OtelAttributes | undefined })),
    duration: [1, 0],
    ended: true,
    resource: init.resource,
    instrumentationScope: init.scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

const GENAI_RESOURCE = resourceFromAttributes({
  'service.name': 'checkout',
  'service.version': '1.4.2',
  'deployment.environment.name': 'production',
  'telemetry.sdk.language': 'nodejs',
});
const GENAI_SCOPE: Scope = { name: '@ai-audit/instrumentation', version: '0.1.0' };

/** A ~2 KB `gen_ai.input.messages` JSON string, as GenAI semconv v1.41 puts on spans. */
export function inputMessagesJson(): string {
  const messages = [
    { role: 'system', parts: [{ type: 'text', content: 'You are a helpful assistant for an online shop.' }] },
    {
      role: 'user',
      parts: [
        { type: 'text', content: `${CANARY} Where is my order? ${'I ordered a blue jacket last week. '.repeat(55)}` },
      ],
    },
  ];
  return JSON.stringify(messages);
}

/** A chat span with ~25 attributes, one of them a 2 KB JSON string: the typical audited span. */
export function typicalGenAiSpan(i = 0): ReadableSpan {
  const hex = (i + 1).toString(16).padStart(4, '0');
  return readableSpan({
    traceId: `5b8efff798038103d269b633813f${hex}`,
    spanId: `eee19b7ec3c1${hex}`,
    parentSpanId: `aaa19b7ec3c1${hex}`,
    name: 'chat gpt-4o',
    kind: 2,
    status: { code: 0 },
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': 'chatcmpl-AbCdEf0123456789',
      'gen_ai.request.temperature': 0.7,
      'gen_ai.request.top_p': 1,
      'gen_ai.request.max_tokens': 1024,
      'gen_ai.request.stream': true,
      'gen_ai.usage.input_tokens': 812,
      'gen_ai.usage.output_tokens': 143,
      'gen_ai.usage.cache_read.input_tokens': 512,
      'gen_ai.usage.reasoning.output_tokens': 0,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.conversation.id': 'conv_8c1f2e',
      'gen_ai.input.messages': inputMessagesJson(),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: 'It ships tomorrow.' }] },
      ]),
      'server.address': 'api.openai.com',
      'server.port': 443,
      'user.id': 'user-42',
      'session.id': 'sess-9',
      'tenant.id': 'acme',
      'app.feature': 'order-status',
      'http.response.status_code': 200,
      'gen_ai.server.time_to_first_token': 0.231,
    },
    resource: GENAI_RESOURCE,
    scope: GENAI_SCOPE,
  });
}

/**
 * Spans over two resources and three scopes carrying every AnyValue type, events, statuses,
 * kinds, and content (the canary) in keys, names and values.
 */
export function richSpans(): ReadableSpan[] {
  const resourceA = resourceFromAttributes({ 'service.name': 'api', 'service.instance.id': CANARY, 'host.cpus': 8 });
  const resourceB = resourceFromAttributes({ 'service.name': 'worker', 'process.pid': 4242 });
  const scopeA: Scope = { name: 'scope-a', version: '1.0.0' };
  const scopeB: Scope = { name: 'scope-b' };
  const scopeC: Scope = { name: 'scope-c', version: '3' };
  return [
    readableSpan({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      name: `root ${CANARY}`,
      kind: 1,
      status: { code: 1 },
      attributes: {
        str: `hello ${CANARY}`,
        empty: '',
        unicode: 'héllo wörld € 😀 中文',
        bool_true: true,
        bool_false: false,
        int: 42,
        zero: 0,
        negative: -7,
        max_safe: Number.MAX_SAFE_INTEGER,
        big: 2 ** 60,
        big_negative: -(2 ** 60),
        double: 3.25,
        negative_double: -0.001,
        array: ['a', 1, 2.5, true, null],
        nested: { inner: { list: [1, [2, [3]]], flag: false }, text: CANARY },
        bytes: new Uint8Array([0, 1, 2, 254, 255]),
        [`key ${CANARY}`]: 'content in the key',
        ['__proto__']: 'plain data',
      },
      events: [
        { name: 'gen_ai.user.message', time: [1_760_000_000, 500], attributes: { content: CANARY, index: 0 } },
        { name: 'exception', time: [1_760_000_001, 0], attributes: { 'exception.type': 'TypeError' } },
        { name: 'bare', time: [1_760_000_002, 1] },
      ],
      resource: resourceA,
      scope: scopeA,
    }),
    readableSpan({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'b7ad6b7169203331',
      name: 'child',
      kind: 2,
      status: { code: 2, message: `failed: ${CANARY}` },
      attributes: { 'error.type': 'timeout' },
      resource: resourceA,
      scope: scopeA,
    }),
    readableSpan({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '53995c3f42cd8ad8',
      name: 'other scope',
      kind: 4,
      resource: resourceA,
      scope: scopeB,
    }),
    readableSpan({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4737',
      spanId: '53995c3f42cd8ad9',
      name: 'consumer',
      kind: 3,
      startTime: [0, 0],
      endTime: [18_446_744_073, 709_551_615], // the largest fixed64
      resource: resourceB,
      scope: scopeC,
    }),
  ];
}

export function toProtobuf(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('serializer returned nothing');
  return bytes;
}

export function toJson(spans: ReadableSpan[]): Buffer {
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('serializer returned nothing');
  return Buffer.from(bytes);
}

/** What decoding the serialized spans must give back (grouped as the serializers group). */
export function expectedExport(spans: ReadableSpan[]): TraceExport {
  const byResource = new Map<Resource, Map<Scope, ReadableSpan[]>>();
  for (const span of spans) {
    let byScope = byResource.get(span.resource);
    if (!byScope) byResource.set(span.resource, (byScope = new Map()));
    const list = byScope.get(span.instrumentationScope) ?? [];
    byScope.set(span.instrumentationScope, list);
    list.push(span);
  }
  const resourceSpans: ResourceSpans[] = [];
  for (const [resource, byScope] of byResource) {
    resourceSpans.push({
      resource: expectedAttributes(resource.attributes),
      scopeSpans: [...byScope].map(([scope, list]) => ({
        scope: { name: scope.name, version: scope.version ?? '' },
        spans: list.map(expectedSpan),
      })),
    });
  }
  return { resourceSpans, spanCount: spans.length };
}

function expectedSpan(span: ReadableSpan): Span {
  const ctx = span.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    name: span.name,
    kind: span.kind + 1,
    startTimeUnixNano: hrTimeToNanos(span.startTime),
    endTimeUnixNano: hrTimeToNanos(span.endTime),
    attributes: expectedAttributes(span.attributes),
    events: span.events.map((e) => ({
      name: e.name,
      timeUnixNano: hrTimeToNanos(e.time),
      attributes: expectedAttributes(e.attributes ?? {}),
    })),
    statusCode: span.status.code,
    statusMessage: span.status.message ?? '',
  };
}

export function hrTimeToNanos([seconds, nanos]: HrTime): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

function expectedAttributes(attributes: object): KeyValueList {
  const out = Object.create(null) as KeyValueList;
  for (const [key, value] of Object.entries(attributes)) out[key] = expectedValue(value);
  return out;
}

function expectedValue(value: unknown): AnyValue {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Number.isSafeInteger(value)) return value;
    return BigInt(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(expectedValue);
  if (value !== null && typeof value === 'object') return expectedAttributes(value);
  return null;
}

/** Both wire encodings behind one signature, for tests that must hold for each. */
export const ENCODINGS: { name: string; decode: (spans: ReadableSpan[], limits: DecodeLimits) => DecodeResult }[] = [
  { name: 'protobuf', decode: (spans, limits) => decodeTraceExportProtobuf(toProtobuf(spans), limits) },
  { name: 'json', decode: (spans, limits) => decodeTraceExportJson(toJson(spans), limits) },
];

/**
 * The OTLP trace messages for protobufjs, field numbers from opentelemetry-proto. With
 * `extras`, every message also carries fields the decoder does not know, one of each wire
 * type (varint, fixed64, length-delimited string and message, fixed32, packed), numbered
 * high enough to need multi-byte tags.
 */
export function otlpProtoRoot(extras: boolean): protobuf.Root {
  const x = extras
    ? `uint64 x_varint = 1001; fixed64 x_fixed64 = 1002; string x_text = 1003; Extra x_message = 1004;
       fixed32 x_fixed32 = 1005; repeated sint64 x_packed = 1006 [packed = true];`
    : '';
  const schema = `
    syntax = "proto3";
    package otlp;
    message Extra { string note = 1; repeated Extra children = 2; }
    message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; ${x} }
    message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; ${x} }
    message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; ${x} }
    message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; ${x} }
    message InstrumentationScope {
      string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; ${x}
    }
    message Span {
      bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
      string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
      repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10; repeated Event events = 11;
      uint32 dropped_events_count = 12; repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15; ${x}
    }
    message Event {
      fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; ${x}
    }
    message Link {
      bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4;
      uint32 dropped_attributes_count = 5; fixed32 flags = 6; ${x}
    }
    message Status { string message = 2; int32 code = 3; ${x} }
    message KeyValue { string key = 1; AnyValue value = 2; ${x} }
    message AnyValue {
      oneof value {
        string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
        ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
      }
      ${x}
    }
    message ArrayValue { repeated AnyValue values = 1; ${x} }
    message KeyValueList { repeated KeyValue values = 1; ${x} }
  `;
  return protobuf.parse(schema, { keepCase: false }).root;
}

/** Encodes a plain ExportTraceServiceRequest object (protobufjs camelCase field names). */
export function encodeWithProtobufjs(root: protobuf.Root, request: object): Uint8Array {
  const type = root.lookupType('otlp.ExportTraceServiceRequest');
  return type.encode(type.fromObject(request)).finish();
}
