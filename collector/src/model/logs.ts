/**
 * Log records as the pipeline sees them: the shape OTLP logs exports take once decoded,
 * whichever encoding they arrived in (protobuf or OTLP/JSON). GenAI events (message events,
 * `gen_ai.client.inference.operation.details`) arrive this way and are joined to the record
 * of the span they name (docs/architecture.md, "Joining events to spans"). Severity, flags,
 * dropped counts and schema URLs are skipped while decoding.
 */
import type { AnyValue, Attributes, InstrumentationScope } from './traces';

export interface LogRecord {
  /** Nanoseconds since the epoch; 0 when the sender left it out. */
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  /** The record's `event_name` (OTLP field 12); '' when absent (older senders use the `event.name` attribute). */
  eventName: string;
  /** Null when the record has no body. */
  body: AnyValue;
  attributes: Attributes;
  /** Lowercase hex of the bytes as received ('' when absent), like a span's ids. */
  traceId: string;
  spanId: string;
}

export interface ScopeLogs {
  scope: InstrumentationScope;
  logRecords: LogRecord[];
}

export interface ResourceLogs {
  resource: Attributes;
  scopeLogs: ScopeLogs[];
}

export interface LogsExport {
  /** Resources and scopes without any log record are left out. */
  resourceLogs: ResourceLogs[];
  /** Total log records across all resources and scopes. */
  recordCount: number;
}
