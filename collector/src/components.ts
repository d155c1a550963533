import type { Components } from './component/component';
import { clickHouseExporterFactory } from './exporter/clickhouse/exporter';
import { controlExtensionFactory } from './extension/control/extension';
import { healthCheckExtensionFactory } from './extension/health_check/health-check';
import { classifyProcessorFactory } from './processor/classify/factory';
import { costProcessorFactory } from './processor/cost';
import { joinProcessorFactory } from './processor/join';
import { normalizeProcessorFactory } from './processor/normalize';
import { protectProcessorFactory } from './processor/protect';
import { otlpReceiverFactory } from './receiver/otlp/receiver';

/**
 * Every component type this collector can be built from, by the type name configs use (as
 * the OpenTelemetry Collector's components.go). Adding a component is its own folder plus
 * one line here (docs/architecture.md, "Adding a processor"); its config schema goes in
 * schemas/config/<kind>s/<type>.schema.json.
 */
export const components: Components = {
  receivers: { otlp: otlpReceiverFactory },
  processors: {
    normalize: normalizeProcessorFactory,
    join: joinProcessorFactory,
    cost: costProcessorFactory,
    classify: classifyProcessorFactory,
    protect: protectProcessorFactory,
  },
  exporters: { clickhouse: clickHouseExporterFactory },
  extensions: { health_check: healthCheckExtensionFactory },
  // Not configured: CLI commands must reach a running collector's store through it.
  builtinExtensions: { control: controlExtensionFactory },
};
