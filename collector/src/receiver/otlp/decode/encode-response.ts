/**
 * Response bodies of OTLP trace and logs exports, per the OTLP spec (opentelemetry-proto
 * docs/specification.md, collector/trace/v1/trace_service.proto,
 * collector/logs/v1/logs_service.proto):
 *
 *   ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
 *   ExportTracePartialSuccess  { int64 rejected_spans = 1; string error_message = 2; }
 *   ExportLogsServiceResponse  { ExportLogsPartialSuccess partial_success = 1; }
 *   ExportLogsPartialSuccess   { int64 rejected_log_records = 1; string error_message = 2; }
 *
 * The two are the same on the wire; only the JSON key of the count differs.
 * `partial_success` MUST stay unset on full success; it is set when items were rejected,
 * or (as the spec allows) to carry a warning with a rejected count of 0.
 *
 *   google.rpc.Status { int32 code = 1; string message = 2; }
 *
 * is the body of every OTLP/HTTP 4xx/5xx response (the spec does not use `code`; we send
 * the gRPC code, e.g. 3 INVALID_ARGUMENT, for troubleshooting).
 *
 * Zero and empty fields are omitted, as proto3 encoders do, in both encodings. JSON
 * follows the proto3 mapping: lowerCamelCase keys, int64 as a decimal string.
 */

import type { Signal } from './types';

/** The JSON key of ExportTracePartialSuccess.rejected_spans and ExportLogsPartialSuccess.rejected_log_records. */
const REJECTED_KEY: Record<Signal, string> = { traces: 'rejectedSpans', logs: 'rejectedLogRecords' };

/** The response to a trace or logs export (the same bytes for both): `rejected` spans or log records. */
export function encodeExportResponseProtobuf(rejected: number, errorMessage = ''): Uint8Array {
  checkCount(rejected, 'rejected');
  if (rejected === 0 && errorMessage === '') return new Uint8Array(0);
  const partial = Buffer.concat([uintField(1, rejected), stringField(2, errorMessage)]);
  return bytesField(1, partial);
}

export function encodeExportResponseJson(rejected: number, errorMessage = '', signal: Signal = 'traces'): string {
  checkCount(rejected, 'rejected');
  if (rejected === 0 && errorMessage === '') return '{}';
  const partialSuccess: Record<string, string> = {};
  if (rejected !== 0) partialSuccess[REJECTED_KEY[signal]] = String(rejected);
  if (errorMessage !== '') partialSuccess.errorMessage = errorMessage;
  return JSON.stringify({ partialSuccess });
}

export function encodeStatusProtobuf(code: number, message: string, retryAfterSeconds?: number): Uint8Array {
  checkCode(code);
  const details = retryAfterSeconds === undefined ? Buffer.alloc(0) : bytesField(3, retryInfoAny(retryAfterSeconds));
  return Buffer.concat([uintField(1, code), stringField(2, message), details]);
}

/**
 * google.protobuf.Any { string type_url = 1; bytes value = 2; } holding
 * google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; } with
 * Duration { int64 seconds = 1; }. OTLP exporters retry RESOURCE_EXHAUSTED only when
 * the status carries RetryInfo (sent in the grpc-status-details-bin trailer).
 */
function retryInfoAny(seconds: number): Buffer {
  checkCount(seconds, 'retryAfterSeconds');
  const retryInfo = bytesField(1, uintField(1, seconds));
  return Buffer.concat([stringField(1, 'type.googleapis.com/google.rpc.RetryInfo'), bytesField(2, retryInfo)]);
}

export function encodeStatusJson(code: number, message: string): string {
  checkCode(code);
  const status: { code?: number; message?: string } = {};
  if (code !== 0) status.code = code;
  if (message !== '') status.message = message;
  return JSON.stringify(status);
}

function checkCount(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer`);
}

/** int32 on the wire; gRPC codes are 0-16, and a negative one would need a 10-byte varint. */
function checkCode(code: number): void {
  if (!Number.isInteger(code) || code < 0 || code > 0x7fffffff) {
    throw new RangeError('code must be a non-negative 32-bit integer');
  }
}

/** Base-128 varint of a non-negative safe integer (division, not bit ops: values may pass 2^32). */
function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

function uintField(field: number, n: number): Buffer {
  return n === 0 ? Buffer.alloc(0) : Buffer.concat([varint(field << 3), varint(n)]);
}

function bytesField(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}

function stringField(field: number, s: string): Buffer {
  return s === '' ? Buffer.alloc(0) : bytesField(field, Buffer.from(s, 'utf8'));
}
