import { diag } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { GenAiCall, type CallRequest, type Telemetry } from '../call';
import type { ContentCapture } from '../config';
import { GenAiMetrics } from '../metrics';
import { VERSION } from '../version';

export interface AuditInstrumentationConfig extends InstrumentationConfig {
  capture: ContentCapture;
}

/** What every provider instrumentation shares: the telemetry its calls record into. */
export abstract class AuditInstrumentation extends InstrumentationBase<AuditInstrumentationConfig> {
  /** Created lazily: the base constructor runs before this class's fields exist. */
  private metrics: GenAiMetrics | undefined;

  /** `module` is the npm package the subclass patches; it also names the instrumentation scope. */
  constructor(module: string, config: AuditInstrumentationConfig) {
    super(`@ai-audit/instrumentation/${module}`, VERSION, config);
  }

  /** Called by the base class whenever a meter provider is (re)set. */
  protected override _updateMetricInstruments(): void {
    this.metrics = new GenAiMetrics(this.meter);
  }

  private telemetry(): Telemetry {
    this.metrics ??= new GenAiMetrics(this.meter);
    return { tracer: this.tracer, metrics: this.metrics, capture: this.getConfig().capture };
  }

  /**
   * Starts a call span. Returns undefined when describing the request fails: the SDK call then
   * runs uninstrumented rather than failing because of the hook.
   */
  protected startCall(describe: () => CallRequest): GenAiCall | undefined {
    try {
      return new GenAiCall(this.telemetry(), describe());
    } catch (err) {
      diag.debug(`${this.instrumentationName}: could not start a span`, err);
      return undefined;
    }
  }
}
