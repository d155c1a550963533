/**
 * Per-tenant span rate limits: a token bucket per tenant holding up to `burst` spans and
 * refilled at `spansPerSecond`. A request takes its span count from its tenant's bucket or
 * is refused with the time after which it would fit.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;

  constructor(
    private readonly spansPerSecond: number,
    burst: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.burst = burst ?? Math.max(1, Math.ceil(spansPerSecond));
  }

  /** Takes `spans` from the tenant's bucket: 0 when allowed, else seconds to wait. */
  take(tenantId: string, spans: number): number {
    const now = this.now();
    const bucket = this.buckets.get(tenantId) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.spansPerSecond);
    bucket.at = now;
    this.buckets.set(tenantId, bucket);
    // A request larger than the whole bucket is admitted once the bucket is full, so a
    // sender's batch size can never lock it out for good.
    const needed = Math.min(spans, this.burst);
    if (bucket.tokens >= needed) {
      bucket.tokens -= spans;
      return 0;
    }
    return Math.max(1, Math.ceil((needed - bucket.tokens) / this.spansPerSecond));
  }
}
