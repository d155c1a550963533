import type { Attributes, Counter as OtelCounter, Histogram as OtelHistogram, Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/**
 * The collector's own metrics (`/metrics`), on the OpenTelemetry metrics SDK: counters and
 * histograms are synchronous instruments updated on the hot path, gauges are observable and
 * read when scraped. `exporter` renders them in the Prometheus text format on request.
 */

type Labels = Record<string, string>;

/**
 * The exporter writes labels in the order of the first recording of a label set; sorting the
 * keys keeps the exposition independent of how callers spell the object
 * (`{outcome="…",protocol="…"}`), as scrapers and tests that match series text expect.
 */
function sortedLabels(labels: Labels): Attributes {
  const keys = Object.keys(labels);
  if (keys.length < 2) return labels;
  return Object.fromEntries(keys.sort().map((key) => [key, labels[key]]));
}

export class Counter {
  constructor(
    private readonly counter: OtelCounter,
    labelled: boolean,
  ) {
    // An unlabelled counter is exported from the first scrape at 0, not only once it has
    // counted, so that increase()/rate() see its first increment. A labelled one is not: OTel
    // never drops a series, and a lone unlabelled 0 beside the real ones would show on every
    // dashboard that groups by its labels.
    if (!labelled) counter.add(0);
  }

  inc(amount = 1, labels: Labels = {}): void {
    this.counter.add(amount, sortedLabels(labels));
  }
}

export class Histogram {
  constructor(private readonly histogram: OtelHistogram) {}

  observe(value: number): void {
    this.histogram.record(value);
  }
}

export class MetricsRegistry {
  /**
   * A pull reader with no server of its own: service/metrics-server.ts serves its request
   * handler. Scope labels and target_info are left out so the series are exactly the
   * collector's own names and labels, as the dashboards (deploy/grafana) query them.
   */
  readonly exporter = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: true,
    withoutTargetInfo: true,
  });
  private readonly meter: Meter = new MeterProvider({ readers: [this.exporter] }).getMeter('ai-audit-collector');

  /**
   * `name` is the exported name and must end in `_total` (the exporter would append it);
   * `labels` names the labels every count carries, if any.
   * Asking again for a name (one receiver each) counts into the same series: the SDK shares
   * instruments of identical name and description.
   */
  counter(name: string, help: string, labels: readonly string[] = []): Counter {
    return new Counter(this.meter.createCounter(name, { description: help }), labels.length > 0);
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    return new Histogram(
      this.meter.createHistogram(name, { description: help, advice: { explicitBucketBoundaries: buckets } }),
    );
  }

  /** Registering a name again leaves the last `read` in effect (the SDK keeps the last observation). */
  gauge(name: string, help: string, read: () => number): void {
    this.meter.createObservableGauge(name, { description: help }).addCallback((result) => result.observe(read()));
  }
}
