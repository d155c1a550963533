import type {
  Components,
  Exporter,
  Extension,
  Lifecycle,
  PipelineView,
  Receiver,
  ServiceHost,
} from '../component/component';
import type { LoadedConfig } from '../config/types';
import { componentType } from '../config/types';
import type { Logger } from '../telemetry/logger';
import { MetricsRegistry } from '../telemetry/metrics';
import { MetricsServer } from './metrics-server';
import { buildPipelines, contexts, type Pipeline } from './pipelines';

/**
 * The running collector: the components service.pipelines declares, started in dependency
 * order (exporters before the receivers that feed them) and stopped in reverse, so an
 * export is never accepted by a receiver whose exporter is not ready.
 */
export class Service implements ServiceHost {
  readonly metrics = new MetricsRegistry();
  private readonly receivers: Map<string, Receiver>;
  private readonly processors: Map<string, Lifecycle>;
  private readonly exporters: Map<string, Exporter>;
  private readonly pipelineList: Pipeline[];
  private readonly extensions = new Map<string, Extension>();
  private readonly metricsServer: MetricsServer | undefined;
  private running = false;

  constructor(
    readonly loaded: LoadedConfig,
    private readonly logger: Logger,
    components: Components,
  ) {
    const built = buildPipelines(loaded, components, logger, this.metrics);
    this.receivers = built.receivers;
    this.processors = built.processors;
    this.exporters = built.exporters;
    this.pipelineList = built.pipelines;
    const { address } = loaded.config.service.telemetry.metrics;
    this.metricsServer = address ? new MetricsServer(address, this.metrics) : undefined;
    const context = contexts(loaded, logger, this.metrics);
    for (const [id, factory] of Object.entries(components.builtinExtensions))
      this.extensions.set(id, factory.create({}, context(id), this));
    for (const id of loaded.config.service.extensions) {
      this.extensions.set(
        id,
        components.extensions[componentType(id)].create(loaded.config.extensions[id], context(id), this),
      );
    }
  }

  pipelines(): readonly PipelineView[] {
    return this.pipelineList;
  }

  ready(): boolean {
    return this.running && [...this.exporters.values()].every((exporter) => exporter.ready());
  }

  health(): Record<string, unknown> {
    return Object.fromEntries(
      [...this.exporters].map(([id, exporter]) => [id, { ready: exporter.ready(), ...exporter.health?.() }]),
    );
  }

  /** The receivers, for callers that want their bound addresses. */
  receiverList(): Receiver[] {
    return [...this.receivers.values()];
  }

  exporterList(): Exporter[] {
    return [...this.exporters.values()];
  }

  async start(): Promise<void> {
    for (const exporter of this.exporters.values()) await exporter.start?.();
    // After the exporters: a processor may send on records it held before a restart (join).
    for (const processor of this.processors.values()) await processor.start?.();
    for (const extension of this.extensions.values()) await extension.start?.();
    if (this.metricsServer)
      this.logger.info('metrics listening', { endpoint: await this.metricsServer.start(), path: '/metrics' });
    for (const receiver of this.receivers.values()) await receiver.start?.();
    this.running = true;
  }

  /** Receivers stop accepting and drain, exporters flush, all within `deadlineMs`. */
  async shutdown(deadlineMs: number): Promise<void> {
    this.running = false;
    const deadline = Date.now() + deadlineMs;
    const left = (): number => Math.max(0, deadline - Date.now());
    await Promise.all([...this.receivers.values()].map((receiver) => receiver.shutdown?.(left())));
    for (const processor of this.processors.values()) await processor.shutdown?.(left());
    for (const exporter of this.exporters.values()) await exporter.shutdown?.(left());
    for (const extension of this.extensions.values()) await extension.shutdown?.(left());
    await this.metricsServer?.shutdown();
  }
}
