import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import {
  DURATION_BUCKETS,
  ERROR_TYPE,
  GEN_AI_TOKEN_TYPE,
  METRIC_OPERATION_DURATION,
  METRIC_TOKEN_USAGE,
  TOKEN_TYPE_INPUT,
  TOKEN_TYPE_OUTPUT,
  TOKEN_USAGE_BUCKETS,
} from './semconv';

/**
 * The two GenAI client histograms, with the semconv bucket boundaries. They record into the
 * global meter provider, which is a no-op unless a metrics endpoint is configured (see sdk.ts),
 * so recording costs nothing and can never fail when metrics are off.
 */
export class GenAiMetrics {
  private readonly tokenUsage: Histogram;
  private readonly duration: Histogram;

  constructor(meter: Meter) {
    this.tokenUsage = meter.createHistogram(METRIC_TOKEN_USAGE, {
      description: 'Number of input and output tokens used.',
      unit: '{token}',
      advice: { explicitBucketBoundaries: TOKEN_USAGE_BUCKETS },
    });
    this.duration = meter.createHistogram(METRIC_OPERATION_DURATION, {
      description: 'GenAI operation duration.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
  }

  /** `error.type` goes on the duration only: semconv leaves it off token usage. */
  record(
    seconds: number,
    attributes: Attributes,
    errorType?: string,
    inputTokens?: number,
    outputTokens?: number,
  ): void {
    this.duration.record(seconds, errorType ? { ...attributes, [ERROR_TYPE]: errorType } : attributes);
    if (inputTokens !== undefined)
      this.tokenUsage.record(inputTokens, { ...attributes, [GEN_AI_TOKEN_TYPE]: TOKEN_TYPE_INPUT });
    if (outputTokens !== undefined)
      this.tokenUsage.record(outputTokens, { ...attributes, [GEN_AI_TOKEN_TYPE]: TOKEN_TYPE_OUTPUT });
  }
}
