import { context, diag } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { GenAiCall, type CallRequest, type Telemetry } from '../call';
import type { ContentCapture } from '../config';
import { providerCallsSuppressed } from '../context/suppress';
import { GenAiMetrics } from '../metrics';
import { GenAiStep, type StepRequest } from '../step';
import { VERSION } from '../version';

export interface AuditInstrumentationConfig extends InstrumentationConfig {
  capture: ContentCapture;
  /**
   * Record the GenAI metrics (default true). The hook turns it off when no metrics endpoint is
   * configured: recording into the no-op meter still costs a few µs a call.
   */
  metrics?: boolean;
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
    const config = this.getConfig();
    if (config.metrics === false) return { tracer: this.tracer, metrics: undefined, capture: config.capture };
    this.metrics ??= new GenAiMetrics(this.meter);
    return { tracer: this.tracer, metrics: this.metrics, capture: config.capture };
  }

  /**
   * Starts a call span. Returns undefined when describing the request fails: the SDK call then
   * runs uninstrumented rather than failing because of the hook.
   */
  protected startCall(describe: () => CallRequest): GenAiCall | undefined {
    // A framework above already records this model call (see context/suppress.ts).
    if (providerCallsSuppressed(context.active())) return undefined;
    try {
      return new GenAiCall(this.telemetry(), describe());
    } catch (err) {
      diag.debug(`${this.instrumentationName}: could not start a span`, err);
      return undefined;
    }
  }

  /**
   * Starts an agent, tool or workflow step. Returns undefined when describing it fails: the
   * step then runs unrecorded rather than failing because of the hook.
   */
  protected startStep(describe: () => StepRequest): GenAiStep | undefined {
    try {
      return new GenAiStep(this.telemetry(), describe());
    } catch (err) {
      diag.debug(`${this.instrumentationName}: could not start a step span`, err);
      return undefined;
    }
  }
}
