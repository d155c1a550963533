import type { CollectorConfig, LoadedConfig } from '../config/types';
import { componentType } from '../config/types';
import type {
  BuildContext,
  Components,
  ConsumeResult,
  Exporter,
  Factory,
  PipelineView,
  Processor,
  RecordBatch,
  RecordMaker,
  Receiver,
  TracesConsumer,
} from '../component/component';
import type { TraceExport } from '../model/traces';
import type { Logger } from '../telemetry/logger';
import type { MetricsRegistry } from '../telemetry/metrics';

/**
 * A traces pipeline (docs/architecture.md, "Components"): its entry makes records from the
 * spans, the processors change them in declared order (the last one seals), the exporter
 * stores them. Only the entry sees spans.
 */
export class Pipeline implements TracesConsumer, PipelineView {
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    readonly id: string,
    readonly entry: RecordMaker,
    readonly processors: readonly Processor[],
    readonly exporter: Exporter,
  ) {}

  accepting(): boolean {
    return this.exporter.accepting();
  }

  consume(tenantId: string, traces: TraceExport): Promise<ConsumeResult> {
    const run = this.run(tenantId, traces);
    this.inflight.add(run);
    const forget = (): void => {
      this.inflight.delete(run);
    };
    run.then(forget, forget);
    return run;
  }

  /** Resolves once every batch that entered the pipeline before the call has left it. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  private async run(tenantId: string, traces: TraceExport): Promise<ConsumeResult> {
    const made = this.entry.makeRecords(tenantId, traces);
    const batch: RecordBatch = { tenantId, records: made.records, dataKeys: [], afterDurable: [] };
    for (const processor of this.processors) await processor.process(batch);
    await this.exporter.consume(batch);
    for (const callback of batch.afterDurable) callback();
    return { accepted: batch.records.length, rejected: made.rejected, rejectReason: made.rejectReason };
  }
}

/** A receiver in several pipelines hands each export to all of them (fan-out). */
class FanOut implements TracesConsumer {
  constructor(private readonly pipelines: Pipeline[]) {}

  accepting(): boolean {
    return this.pipelines.every((pipeline) => pipeline.accepting());
  }

  async consume(tenantId: string, traces: TraceExport): Promise<ConsumeResult> {
    const results = await Promise.all(this.pipelines.map((pipeline) => pipeline.consume(tenantId, traces)));
    return results.reduce((a, b) => ({
      accepted: Math.max(a.accepted, b.accepted),
      rejected: Math.max(a.rejected, b.rejected),
      rejectReason: a.rejectReason ?? b.rejectReason,
    }));
  }
}

export interface BuiltPipelines {
  receivers: Map<string, Receiver>;
  processors: Map<string, RecordMaker | Processor>;
  exporters: Map<string, Exporter>;
  pipelines: Pipeline[];
}

/** What each component is built with: its id, the config, a logger that names it, the metrics. */
export function contexts(loaded: LoadedConfig, logger: Logger, metrics: MetricsRegistry): (id: string) => BuildContext {
  return (id) => ({ id, loaded, logger: logger.child({ component: id }), metrics });
}

/**
 * Builds every component named in service.pipelines exactly once (a component id used by
 * two pipelines is one instance, as in the OpenTelemetry Collector) and wires them.
 */
export function buildPipelines(
  loaded: LoadedConfig,
  components: Pick<Components, 'receivers' | 'processors' | 'exporters'>,
  logger: Logger,
  metrics: MetricsRegistry,
): BuiltPipelines {
  const config: CollectorConfig = loaded.config;
  const context = contexts(loaded, logger, metrics);
  const processors = new Map<string, RecordMaker | Processor>();
  const exporters = new Map<string, Exporter>();
  const make = <T>(
    section: 'processors' | 'exporters',
    id: string,
    built: Map<string, T>,
    factories: Record<string, Factory<T>>,
  ): T => {
    const existing = built.get(id);
    if (existing) return existing;
    const factory = factories[componentType(id)];
    const instance = factory.create(config[section][id], context(id));
    built.set(id, instance);
    return instance;
  };
  // The loader has checked the shape: the first processor is the entry, which makes records.
  const pipelines = Object.entries(config.service.pipelines).map(([id, declared]) => {
    const [entry, ...rest] = declared.processors.map((pid) =>
      make('processors', pid, processors, components.processors as Record<string, Factory<RecordMaker | Processor>>),
    );
    return new Pipeline(
      id,
      entry as RecordMaker,
      rest as Processor[],
      make('exporters', declared.exporters[0], exporters, components.exporters),
    );
  });
  const receivers = new Map<string, Receiver>();
  const receiverIds = new Set(Object.values(config.service.pipelines).flatMap((p) => p.receivers));
  for (const id of receiverIds) {
    const feeds = pipelines.filter((pipeline) => config.service.pipelines[pipeline.id].receivers.includes(id));
    const consumer = feeds.length === 1 ? feeds[0] : new FanOut(feeds);
    receivers.set(id, components.receivers[componentType(id)].create(config.receivers[id], context(id), consumer));
  }
  return { receivers, processors, exporters, pipelines };
}
