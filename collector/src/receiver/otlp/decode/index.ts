/** OTLP trace decoding (protobuf, JSON) into model/traces.ts, and export response encoding. */
export { decodeTraceExportProtobuf } from './decode-protobuf';
export { decodeTraceExportJson } from './decode-json';
export {
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeStatusJson,
  encodeStatusProtobuf,
} from './encode-response';
export { OtlpDecodeError } from './types';
export type { DecodeLimits, DecodeResult, DecodeStats } from './types';
