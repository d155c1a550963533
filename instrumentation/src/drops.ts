import { createNoopMeter, type Attributes, type Counter, type Meter, type MeterProvider } from '@opentelemetry/api';
import { warn } from './log';
import { ERROR_TYPE, ERROR_TYPE_QUEUE_FULL, METRIC_SDK_SPANS_PROCESSED } from './semconv';

const REPORT_INTERVAL_MS = 60_000;

/**
 * Counts the spans the batch span processor drops because its queue is full, from the
 * processor's own self-observability counter (`otel.sdk.processor.span.processed` with
 * `error.type=queue_full`), and says so on stderr: at the first drop, at most once a minute
 * after that, and at exit.
 */
export class DropCounter {
  private total = 0;
  private reported = 0;
  private lastReport = 0;

  constructor(private readonly queueSize: string) {}

  /** The meter provider to give the batch span processor as `selfObsMeterProvider`. */
  meterProvider(): MeterProvider {
    const noop = createNoopMeter();
    const counter: Counter = {
      add: (value: number, attributes?: Attributes) => {
        if (attributes?.[ERROR_TYPE] === ERROR_TYPE_QUEUE_FULL) this.dropped(value);
      },
    };
    const meter: Meter = Object.create(noop, {
      createCounter: {
        value: (name: string) => (name === METRIC_SDK_SPANS_PROCESSED ? counter : noop.createCounter(name)),
      },
    });
    return { getMeter: () => meter };
  }

  private dropped(count: number): void {
    this.total += count;
    const now = Date.now();
    if (this.reported === 0 || now - this.lastReport >= REPORT_INTERVAL_MS) this.report(now);
  }

  /** Reports drops not yet reported (called before exit). */
  flush(): void {
    if (this.total > this.reported) this.report(Date.now());
  }

  private report(now: number): void {
    this.reported = this.total;
    this.lastReport = now;
    warn(
      `${this.total} span(s) dropped so far: the export queue (${this.queueSize} spans) was full; raise OTEL_BSP_MAX_QUEUE_SIZE or check the collector`,
    );
  }
}
