import type { OtlpLimitsConfig } from '../../config/types';
import type { TracesConsumer } from '../../component/component';
import { CapacityError, isRetryable } from '../../model/errors';
import { errorMessage, type Logger } from '../../telemetry/logger';
import type { MetricsRegistry } from '../../telemetry/metrics';
import type { Authenticator, Credentials } from './auth';
import type { RateLimiter } from './rate-limit';
import { decodeTraceExportJson, decodeTraceExportProtobuf, OtlpDecodeError, type DecodeLimits } from './decode';

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

export class ExportHandler {
  private readonly limits: DecodeLimits;
  private readonly requests;
  private readonly spans;
  private readonly truncations;
  private closed = false;
  private inflightBytes = 0;
  private readonly maxInflightBytes: number;

  constructor(
    private readonly consumer: TracesConsumer,
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
      'OTLP export requests by protocol and outcome.',
      ['protocol', 'outcome'],
    );
    this.spans = metrics.counter(
      'ai_audit_receiver_spans_total',
      'Spans received, by what became of them (accepted, dropped: not GenAI, refused: by reason).',
      ['outcome', 'reason'],
    );
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
  busy(protocol: string): ExportOutcome {
    this.requests.inc(1, { protocol, outcome: 'busy' });
    return BUSY;
  }

  /** The tenant of a request, or the refusal to send (before its body is even read). */
  authenticate(credentials: Credentials, protocol: string): { tenantId: string } | ExportOutcome {
    const result = this.authenticator.authenticate(credentials);
    if ('tenantId' in result) return result;
    this.requests.inc(1, { protocol, outcome: 'unauthenticated' });
    return { kind: 'unauthenticated', message: result.refused };
  }

  async handle(body: Uint8Array, encoding: BodyEncoding, tenantId: string, protocol: string): Promise<ExportOutcome> {
    const outcome = await this.run(body, encoding, tenantId);
    this.requests.inc(1, { protocol, outcome: outcome.kind });
    return outcome;
  }

  private async run(body: Uint8Array, encoding: BodyEncoding, tenantId: string): Promise<ExportOutcome> {
    if (this.closed) return { kind: 'unavailable', message: 'the collector is shutting down', retryAfterSeconds: 1 };
    // Refused before decoding: a collector that is out of room should spend nothing on it.
    if (!this.consumer.accepting()) return BACKPRESSURE;
    let decoded;
    try {
      decoded =
        encoding === 'protobuf'
          ? decodeTraceExportProtobuf(body, this.limits)
          : decodeTraceExportJson(Buffer.from(body.buffer, body.byteOffset, body.byteLength), this.limits);
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      this.spans.inc(1, { outcome: 'refused', reason: 'malformed_request' });
      return { kind: 'invalid', message: error.message };
    }
    const { stats } = decoded;
    if (stats.droppedAttributes) this.truncations.inc(stats.droppedAttributes, { kind: 'attribute_dropped' });
    if (stats.droppedEvents) this.truncations.inc(stats.droppedEvents, { kind: 'event_dropped' });
    if (stats.truncatedValues) this.truncations.inc(stats.truncatedValues, { kind: 'value_truncated' });
    const total = decoded.export.spanCount;
    const wait = this.rateLimiter?.take(tenantId, total) ?? 0;
    if (wait > 0) {
      this.spans.inc(total, { outcome: 'refused', reason: 'rate_limit' });
      return {
        kind: 'exhausted',
        message: `tenant ${tenantId} is over its span rate limit; retry later`,
        retryAfterSeconds: wait,
      };
    }
    try {
      const result = await this.consumer.consume(tenantId, decoded.export);
      this.spans.inc(result.accepted, { outcome: 'accepted' });
      this.spans.inc(total - result.accepted - result.rejected, { outcome: 'dropped' });
      if (result.rejected) this.spans.inc(result.rejected, { outcome: 'refused', reason: 'invalid_span' });
      return {
        kind: 'accepted',
        rejected: result.rejected,
        message: result.rejected ? (result.rejectReason ?? 'invalid spans') : '',
      };
    } catch (error) {
      if (error instanceof CapacityError) {
        this.spans.inc(total, { outcome: 'refused', reason: 'backpressure' });
        return BACKPRESSURE;
      }
      if (isRetryable(error)) {
        this.spans.inc(total, { outcome: 'refused', reason: 'retry_later' });
        return { kind: 'unavailable', message: (error as Error).message, retryAfterSeconds: 1 };
      }
      this.spans.inc(total, { outcome: 'refused', reason: 'internal' });
      this.logger.error('export failed', { error: errorMessage(error) });
      return {
        kind: 'unavailable',
        message: 'the collector could not store this export; retry later',
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      };
    }
  }
}
