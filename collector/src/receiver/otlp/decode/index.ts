/** OTLP trace and logs decoding (protobuf, JSON) into model/traces.ts and model/logs.ts, and export response encoding. */
export { decodeLogsExportProtobuf, decodeTraceExportProtobuf } from './decode-protobuf';
export { decodeLogsExportJson, decodeTraceExportJson } from './decode-json';
export {
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeStatusJson,
  encodeStatusProtobuf,
} from './encode-response';
export { OtlpDecodeError } from './types';
export type { DecodeLimits, DecodeResult, DecodeStats, Signal } from './types';
