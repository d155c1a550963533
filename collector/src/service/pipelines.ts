import type { CollectorConfig, LoadedConfig } from '../config/types';
import { componentType } from '../config/types';
import type {
  BuildContext,
  Components,
  ConsumeResult,
  Exporter,
  Factory,
  MadeRecords,
  PipelineView,
  Processor,
  RecordBatch,
  RecordMaker,
  Receiver,
  ExportConsumer,
} from '../component/component';
import type { LogsExport } from '../model/logs';
import type { TraceExport } from '../model/traces';
import type { Logger } from '../telemetry/logger';
import type { MetricsRegistry } from '../telemetry/metrics';

/**
 * A pipeline (docs/architecture.md, "Components"): its entry makes records from the spans
 * or the GenAI log events, the processors change them in declared order (the last one
 * seals), the exporter stores them. Only the entry sees spans and log records.
 */
export class Pipeline implements ExportConsumer, PipelineView {
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    readonly id: string,
    readonly entry: RecordMaker,
    readonly processors: readonly Processor[],
    readonly exporter: Exporter,
  ) {
    // A processor that holds records back sends them on through the stages after it.
    processors.forEach((processor, i) => processor.connect?.((batch) => this.track(this.from(i + 1, batch))));
  }

  accepting(): boolean {
    return this.exporter.accepting();
  }

  consume(tenantId: string, traces: TraceExport): Promise<ConsumeResult> {
    return this.track(this.run(tenantId, () => this.entry.makeRecords(tenantId, traces)));
  }

  /** GenAI events become event records; `accepted` counts the log records they came from. */
  async consumeLogs(tenantId: string, logs: LogsExport): Promise<ConsumeResult> {
    const result = await this.track(this.run(tenantId, () => this.entry.makeEventRecords(tenantId, logs)));
    return { ...result, accepted: logs.recordCount - result.dropped - result.rejected };
  }

  /** Resolves once every batch that entered the pipeline before the call has left it. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  private track<T>(run: Promise<T>): Promise<T> {
    this.inflight.add(run);
    const forget = (): void => {
      this.inflight.delete(run);
    };
    run.then(forget, forget);
    return run;
  }

  private async run(tenantId: string, make: () => MadeRecords): Promise<ConsumeResult & { dropped: number }> {
    const made = make();
    const accepted = made.records.length;
    const batch: RecordBatch = { tenantId, records: made.records, dataKeys: [], afterDurable: [], afterFailure: [] };
    await this.from(0, batch);
    return { accepted, dropped: made.dropped, rejected: made.rejected, rejectReason: made.rejectReason };
  }

  /** The batch through the processors from `index` on and the exporter. */
  private async from(index: number, batch: RecordBatch): Promise<void> {
    try {
      for (let i = index; i < this.processors.length; i++) await this.processors[i].process(batch);
      await this.exporter.consume(batch);
    } catch (error) {
      for (const callback of batch.afterFailure) callback();
      throw error;
    }
    for (const callback of batch.afterDurable) callback();
  }
}

/** A receiver in several pipelines hands each export to all of them (fan-out). */
class FanOut implements ExportConsumer {
  constructor(private readonly pipelines: Pipeline[]) {}

  accepting(): boolean {
    return this.pipelines.every((pipeline) => pipeline.accepting());
  }

  consume(tenantId: string, traces: TraceExport): Promise<ConsumeResult> {
    return this.all((pipeline) => pipeline.consume(tenantId, traces));
  }

  consumeLogs(tenantId: string, logs: LogsExport): Promise<ConsumeResult> {
    return this.all((pipeline) => pipeline.consumeLogs(tenantId, logs));
  }

  private async all(each: (pipeline: Pipeline) => Promise<ConsumeResult>): Promise<ConsumeResult> {
    const results = await Promise.all(this.pipelines.map(each));
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
