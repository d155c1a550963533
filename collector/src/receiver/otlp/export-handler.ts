import type { OtlpLimitsConfig } from '../../config/types';
import type { ConsumeResult, ExportConsumer } from '../../component/component';
import { CapacityError, isRetryable } from '../../model/errors';
import { errorMessage, type Logger } from '../../telemetry/logger';
import type { Counter, MetricsRegistry } from '../../telemetry/metrics';
import type { Authenticator, Credentials } from './auth';
import type { RateLimiter } from './rate-limit';
import {
  decodeLogsExportJson,
  decodeLogsExportProtobuf,
  decodeTraceExportJson,
  decodeTraceExportProtobuf,
  OtlpDecodeError,
  type DecodeLimits,
  type DecodeStats,
  type Signal,
} from './decode';

/**
 * What one OTLP export request came to, independent of the transport: the gRPC and HTTP
 * receivers only translate it into their status codes and bodies.
 */
export type ExportOutcome =
  | { kind: 'accepted'; rejected: number; message: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'unauthenticated'; message: string }
  | { kind: 'exhausted'; message: string; retryAfterSeconds: number }
  | { kind: 'unavailable'; message: string; retryAfterSeconds: number };

export type BodyEncoding = 'protobuf' | 'json';

export interface Admission {
  /** False when `bytes` more would exceed the in-flight budget. */
  claim(bytes: number): boolean;
  release(): void;
}

/** How long a refused sender should wait before retrying while the store catches up. */
const RETRY_AFTER_SECONDS = 5;

const BUSY: ExportOutcome = {
  kind: 'unavailable',
  message: 'the collector is busy with other large requests; retry shortly',
  retryAfterSeconds: 1,
};

const BACKPRESSURE: ExportOutcome = {
  kind: 'exhausted',
  message: 'the collector is catching up with its store; retry later',
  retryAfterSeconds: RETRY_AFTER_SECONDS,
};

/** A decoded body, bound to the consumer call that takes it. */
interface Decoded {
  stats: DecodeStats;
  /** Spans or log records in it. */
  count: number;
  consume(consumer: ExportConsumer, tenantId: string): Promise<ConsumeResult>;
}

/** What differs between a trace and a logs export; everything else about a request is the same. */
interface SignalHandling {
  /** Throws OtlpDecodeError. */
  decode(body: Uint8Array, encoding: BodyEncoding, limits: DecodeLimits): Decoded;
  /** ai_audit_receiver_spans_total or ai_audit_receiver_log_records_total. */
  items: Counter;
  /** The `reason` of items the pipeline refused as invalid. */
  invalidReason: string;
  /** What the partial success says when the pipeline gave no reason. */
  invalidMessage: string;
  /**
   * Labels of ai_audit_receiver_requests_total besides protocol and outcome: none for
   * traces, whose series predate logs and are matched as they are by dashboards and alerts.
   */
  requestLabels: Record<string, string>;
}

/** JSON bodies are text: a Buffer view over the same bytes, no copy. */
const asBuffer = (body: Uint8Array): Buffer => Buffer.from(body.buffer, body.byteOffset, body.byteLength);

function decodeTraces(body: Uint8Array, encoding: BodyEncoding, limits: DecodeLimits): Decoded {
  const { export: traces, stats } =
    encoding === 'protobuf' ? decodeTraceExportProtobuf(body, limits) : decodeTraceExportJson(asBuffer(body), limits);
  return { stats, count: traces.spanCount, consume: (consumer, tenantId) => consumer.consume(tenantId, traces) };
}

function decodeLogs(body: Uint8Array, encoding: BodyEncoding, limits: DecodeLimits): Decoded {
  const { export: logs, stats } =
    encoding === 'protobuf' ? decodeLogsExportProtobuf(body, limits) : decodeLogsExportJson(asBuffer(body), limits);
  return { stats, count: logs.recordCount, consume: (consumer, tenantId) => consumer.consumeLogs(tenantId, logs) };
}

export class ExportHandler {
  private readonly limits: DecodeLimits;
  private readonly requests;
  private readonly signals: Record<Signal, SignalHandling>;
  private readonly truncations;
  private closed = false;
  private inflightBytes = 0;
  private readonly maxInflightBytes: number;

  constructor(
    private readonly consumer: ExportConsumer,
    limits: OtlpLimitsConfig,
    private readonly authenticator: Authenticator,
    private readonly rateLimiter: RateLimiter | undefined,
    metrics: MetricsRegistry,
    private readonly logger: Logger,
  ) {
    this.limits = {
      maxSpans: limits.max_spans_per_request,
      maxAttributesPerSpan: limits.max_attributes_per_span,
      maxEventsPerSpan: limits.max_events_per_span,
      maxAttributeValueLength: limits.max_attribute_value_length,
      maxValueDepth: limits.max_value_depth,
    };
    this.maxInflightBytes = limits.max_inflight_size;
    this.requests = metrics.counter(
      'ai_audit_receiver_requests_total',
      'OTLP export requests by protocol and outcome; those of logs exports are labelled signal=logs.',
      ['protocol', 'outcome', 'signal'],
    );
    this.signals = {
      traces: {
        decode: decodeTraces,
        items: metrics.counter(
          'ai_audit_receiver_spans_total',
          'Spans received, by what became of them (accepted, dropped: not GenAI, refused: by reason).',
          ['outcome', 'reason'],
        ),
        invalidReason: 'invalid_span',
        invalidMessage: 'invalid spans',
        requestLabels: {},
      },
      logs: {
        decode: decodeLogs,
        items: metrics.counter(
          'ai_audit_receiver_log_records_total',
          'Log records received, by what became of them (accepted, dropped: not GenAI, refused: by reason).',
          ['outcome', 'reason'],
        ),
        invalidReason: 'invalid_log_record',
        invalidMessage: 'invalid log records',
        requestLabels: { signal: 'logs' },
      },
    };
    this.truncations = metrics.counter(
      'ai_audit_receiver_truncations_total',
      'Attributes, events or values cut by the decode limits.',
      ['kind'],
    );
  }

  /** After this, requests are answered UNAVAILABLE so senders retry elsewhere or later. */
  close(): void {
    this.closed = true;
  }

  /**
   * A request's share of the in-flight budget (body bytes being read and decoded, over
   * both protocols), claimed as bytes arrive so a compressed body is charged what it
   * inflates to. When the budget is spent the request is answered UNAVAILABLE / 503 and
   * the sender retries shortly; a request on its own is always admitted.
   */
  admit(): Admission {
    let held = 0;
    return {
      claim: (bytes) => {
        if (this.inflightBytes > held && this.inflightBytes + bytes > this.maxInflightBytes) return false;
        this.inflightBytes += bytes;
        held += bytes;
        return true;
      },
      release: () => {
        this.inflightBytes -= held;
        held = 0;
      },
    };
  }

  /** Counts a request turned away because the in-flight budget was spent. */
  busy(protocol: string, signal: Signal): ExportOutcome {
    this.countRequest(protocol, signal, 'busy');
    return BUSY;
  }

  /** The tenant of a request, or the refusal to send (before its body is even read). */
  authenticate(credentials: Credentials, protocol: string, signal: Signal): { tenantId: string } | ExportOutcome {
    const result = this.authenticator.authenticate(credentials);
    if ('tenantId' in result) return result;
    this.countRequest(protocol, signal, 'unauthenticated');
    return { kind: 'unauthenticated', message: result.refused };
  }

  async handle(
    body: Uint8Array,
    encoding: BodyEncoding,
    tenantId: string,
    protocol: string,
    signal: Signal,
  ): Promise<ExportOutcome> {
    const outcome = await this.run(body, encoding, tenantId, this.signals[signal]);
    this.countRequest(protocol, signal, outcome.kind);
    return outcome;
  }

  private countRequest(protocol: string, signal: Signal, outcome: string): void {
    this.requests.inc(1, { protocol, outcome, ...this.signals[signal].requestLabels });
  }

  private async run(
    body: Uint8Array,
    encoding: BodyEncoding,
    tenantId: string,
    signal: SignalHandling,
  ): Promise<ExportOutcome> {
    if (this.closed) return { kind: 'unavailable', message: 'the collector is shutting down', retryAfterSeconds: 1 };
    // Refused before decoding: a collector that is out of room should spend nothing on it.
    if (!this.consumer.accepting()) return BACKPRESSURE;
    const { items } = signal;
    let decoded: Decoded;
    try {
      decoded = signal.decode(body, encoding, this.limits);
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      items.inc(1, { outcome: 'refused', reason: 'malformed_request' });
      return { kind: 'invalid', message: error.message };
    }
    const { stats } = decoded;
    if (stats.droppedAttributes) this.truncations.inc(stats.droppedAttributes, { kind: 'attribute_dropped' });
    if (stats.droppedEvents) this.truncations.inc(stats.droppedEvents, { kind: 'event_dropped' });
    if (stats.truncatedValues) this.truncations.inc(stats.truncatedValues, { kind: 'value_truncated' });
    const total = decoded.count;
    // Spans and log records draw on the one bucket: the rate is what the tenant may send.
    const wait = this.rateLimiter?.take(tenantId, total) ?? 0;
    if (wait > 0) {
      items.inc(total, { outcome: 'refused', reason: 'rate_limit' });
      return {
        kind: 'exhausted',
        message: `tenant ${tenantId} is over its rate limit (spans and log records); retry later`,
        retryAfterSeconds: wait,
      };
    }
    try {
      const result = await decoded.consume(this.consumer, tenantId);
      items.inc(result.accepted, { outcome: 'accepted' });
      items.inc(total - result.accepted - result.rejected, { outcome: 'dropped' });
      if (result.rejected) items.inc(result.rejected, { outcome: 'refused', reason: signal.invalidReason });
      return {
        kind: 'accepted',
        rejected: result.rejected,
        message: result.rejected ? (result.rejectReason ?? signal.invalidMessage) : '',
      };
    } catch (error) {
      if (error instanceof CapacityError) {
        items.inc(total, { outcome: 'refused', reason: 'backpressure' });
        return BACKPRESSURE;
      }
      if (isRetryable(error)) {
        items.inc(total, { outcome: 'refused', reason: 'retry_later' });
        return { kind: 'unavailable', message: (error as Error).message, retryAfterSeconds: 1 };
      }
      items.inc(total, { outcome: 'refused', reason: 'internal' });
      this.logger.error('export failed', { error: errorMessage(error) });
      return {
        kind: 'unavailable',
        message: 'the collector could not store this export; retry later',
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      };
    }
  }
}
