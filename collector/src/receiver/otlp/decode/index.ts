/** OTLP trace decoding (protobuf, JSON) and export response encoding. */
export { decodeTraceExportProtobuf } from './decode-protobuf';
export { decodeTraceExportJson } from './decode-json';
export {
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeStatusJson,
  encodeStatusProtobuf,
} from './encode-response';
export { OtlpDecodeError, SpanKind, StatusCode } from './types';
export type {
  AnyValue,
  Attributes,
  DecodeLimits,
  DecodeResult,
  DecodeStats,
  InstrumentationScope,
  KeyValueList,
  ResourceSpans,
  ScopeSpans,
  Span,
  SpanEvent,
  TraceExport,
} from './types';
