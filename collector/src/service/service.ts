import type { LoadedConfig } from '../config/types';
import { componentType } from '../config/types';
import { controlHandlers } from '../extension/control/handlers';
import { ControlServer } from '../extension/control/server';
import { classifyProcessorFactory } from '../processor/classify/factory';
import { costProcessorFactory } from '../processor/cost';
import { normalizeProcessorFactory } from '../processor/normalize';
import { ProtectProcessor, protectProcessorFactory } from '../processor/protect';
import { otlpReceiverFactory } from '../receiver/otlp/receiver';
import { controlSocketPath } from '../extension/control/socket-path';
import { ClickHouseExporter, clickHouseExporterFactory } from '../exporter/clickhouse/exporter';
import type { Exporter, Extension, ExtensionFactory, Receiver, ServiceHost } from '../component/component';
import { healthCheckExtensionFactory } from '../extension/health_check/health-check';
import { buildPipelines, type Pipeline, type Registry } from './pipelines';
import type { Logger } from '../telemetry/logger';
import { MetricsServer } from './metrics-server';
import { MetricsRegistry } from '../telemetry/metrics';

export const registry: Registry = {
  receivers: { otlp: otlpReceiverFactory },
  processors: { normalize: normalizeProcessorFactory, cost: costProcessorFactory, classify: classifyProcessorFactory, protect: protectProcessorFactory },
  exporters: { clickhouse: clickHouseExporterFactory },
};

const extensionFactories: Record<string, ExtensionFactory> = { health_check: healthCheckExtensionFactory };

/**
 * The running collector: the components service.pipelines declares, started in dependency
 * order (exporters before the receivers that feed them) and stopped in reverse, so an
 * export is never accepted by a receiver whose exporter is not ready.
 */
export class Service implements ServiceHost {
  readonly metrics = new MetricsRegistry();
  private readonly receivers: Map<string, Receiver>;
  private readonly exporters: Map<string, Exporter>;
  private readonly pipelines: Pipeline[];
  private readonly extensions = new Map<string, Extension>();
  private readonly controls: { server: ControlServer; close: () => Promise<void> }[] = [];
  private readonly metricsServer: MetricsServer | undefined;
  private running = false;

  constructor(
    readonly loaded: LoadedConfig,
    private readonly logger: Logger,
  ) {
    const built = buildPipelines(loaded, registry, logger, this.metrics);
    this.receivers = built.receivers;
    this.exporters = built.exporters;
    this.pipelines = built.pipelines;
    const { address } = loaded.config.service.telemetry.metrics;
    this.metricsServer = address ? new MetricsServer(address, this.metrics) : undefined;
    for (const id of loaded.config.service.extensions) {
      const context = { id, loaded, logger: logger.child({ component: id }), metrics: this.metrics };
      this.extensions.set(id, extensionFactories[componentType(id)].create(loaded.config.extensions[id], context, this));
    }
  }

  /** The protect processor of the pipeline that feeds `exporter` (its keys serve admin operations). */
  private protectFor(exporter: Exporter): ProtectProcessor | undefined {
    for (const pipeline of this.pipelines) {
      if (pipeline.exporter !== exporter) continue;
      const protect = pipeline.processors.find((p): p is ProtectProcessor => p instanceof ProtectProcessor);
      if (protect) return protect;
    }
    return undefined;
  }

  ready(): boolean {
    return this.running && [...this.exporters.values()].every((exporter) => exporter.ready());
  }

  health(): Record<string, unknown> {
    return Object.fromEntries([...this.exporters].map(([id, exporter]) => [id, { ready: exporter.ready(), ...exporter.health?.() }]));
  }

  /** The receivers, for callers that want their bound addresses. */
  receiver(id: string): Receiver | undefined {
    return this.receivers.get(id);
  }

  exporter(id: string): Exporter | undefined {
    return this.exporters.get(id);
  }

  async start(): Promise<void> {
    for (const exporter of this.exporters.values()) await exporter.start?.();
    for (const exporter of this.exporters.values()) {
      if (!(exporter instanceof ClickHouseExporter)) continue;
      const feeding = this.pipelines.filter((pipeline) => pipeline.exporter === exporter);
      const settle = async (): Promise<void> => {
        await Promise.all(feeding.map((pipeline) => pipeline.settle()));
      };
      const { handlers, close } = await controlHandlers(exporter, this.protectFor(exporter), settle);
      const server = new ControlServer(controlSocketPath(exporter.walDir), handlers);
      await server.start();
      this.controls.push({ server, close });
    }
    for (const extension of this.extensions.values()) await extension.start?.();
    if (this.metricsServer) this.logger.info('metrics listening', { endpoint: await this.metricsServer.start(), path: '/metrics' });
    for (const receiver of this.receivers.values()) await receiver.start?.();
    this.running = true;
  }

  /** Receivers stop accepting and drain, exporters flush, all within `deadlineMs`. */
  async shutdown(deadlineMs: number): Promise<void> {
    this.running = false;
    const deadline = Date.now() + deadlineMs;
    const left = (): number => Math.max(0, deadline - Date.now());
    await Promise.all([...this.receivers.values()].map((receiver) => receiver.shutdown?.(left())));
    for (const exporter of this.exporters.values()) await exporter.shutdown?.(left());
    for (const { server, close } of this.controls) {
      await server.shutdown();
      await close();
    }
    for (const extension of this.extensions.values()) await extension.shutdown?.(left());
    await this.metricsServer?.shutdown();
  }
}
