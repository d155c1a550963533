import type { LoadedConfig } from '../config/types';
import type { ComponentSpec } from '../config/validate';
import type { DataKeyRow } from '../model/data-key';
import type { AuditRecord } from '../model/record';
import type { TraceExport } from '../model/traces';
import type { Logger } from '../telemetry/logger';
import type { MetricsRegistry } from '../telemetry/metrics';

/**
 * The component model, after the OpenTelemetry Collector (docs/architecture.md, "Components"):
 * each receiver, processor, exporter and extension is a config (validated by its JSON
 * Schema), a factory and one job. components.ts lists the factories; service/ wires them as
 * service.pipelines declares. Components know these interfaces and the floors below, never
 * each other.
 */

/** What a factory gets besides its own config. */
export interface BuildContext {
  id: string;
  loaded: LoadedConfig;
  logger: Logger;
  metrics: MetricsRegistry;
}

export interface Lifecycle {
  start?(): Promise<void>;
  /** Stop within `deadlineMs`; receivers stop accepting, exporters flush. */
  shutdown?(deadlineMs: number): Promise<void>;
}

/**
 * The records of one export request, all of one tenant, on their way through a pipeline
 * (docs/architecture.md, "Components"): made by the pipeline's entry from the spans, changed
 * in place by each processor, sealed by the last, stored by the exporter.
 */
export interface RecordBatch {
  tenantId: string;
  records: AuditRecord[];
  /** Wrapped data keys the records are sealed with, stored in the same WAL entry. */
  dataKeys: DataKeyRow[];
  /** Called once the batch is durable (its WAL entry fsync'd). */
  afterDurable: (() => void)[];
}

/** What the pipeline's entry made of an export's spans. */
export interface MadeRecords {
  records: AuditRecord[];
  /** Spans that are not GenAI operations: dropped by design, not an error. */
  dropped: number;
  /** Spans refused as invalid, reported to the client as partial success, with the first reason. */
  rejected: number;
  rejectReason?: string;
}

/** The pipeline's entry (normalize): the one processor that reads spans, and makes the records. */
export interface RecordMaker extends Lifecycle {
  makeRecords(tenantId: string, traces: TraceExport): MadeRecords;
}

/** A processor changes the records in place (asynchronously only when it must wait, e.g. for a key). */
export interface Processor extends Lifecycle {
  process(batch: RecordBatch): void | Promise<void>;
}

/** An exporter resolves once the batch is durably accepted (for us: fsync'd to the WAL). */
export interface Exporter extends Lifecycle {
  consume(batch: RecordBatch): Promise<void>;
  /** Readiness: false while the destination cannot take more (e.g. store down, WAL filling). */
  ready(): boolean;
  /** False while a new export would be refused for lack of room (backpressure). */
  accepting(): boolean;
  /** Details for the health endpoint. */
  health?(): Record<string, unknown>;
  /** Where records go, for the collector's "ready" line. */
  destination?(): string;
}

/** What receivers hand decoded exports to. */
export interface TracesConsumer {
  consume(tenantId: string, traces: TraceExport): Promise<ConsumeResult>;
  /** False while exports would be refused anyway (checked before a body is decoded). */
  accepting(): boolean;
}

export interface ConsumeResult {
  accepted: number;
  rejected: number;
  rejectReason?: string;
}

export interface Receiver extends Lifecycle {
  /** Where senders reach it (bound addresses, once started), for the collector's "ready" line. */
  endpoints?(): string[];
}

export type Extension = Lifecycle;

/** A component type: its config schema and checks (config/validate.ts), and how to build one. */
export interface Factory<T> extends ComponentSpec {
  type: string;
  create(config: unknown, context: BuildContext): T;
}

/** Processor types: the entry that makes records (`position: 'first'`), or one that changes them. */
export type ProcessorFactory =
  (Factory<RecordMaker> & { position: 'first' }) | (Factory<Processor> & { position?: 'last' });

/** A pipeline as built, for extensions that serve what it feeds (the control socket). */
export interface PipelineView {
  id: string;
  processors: readonly Processor[];
  exporter: Exporter;
  /** Resolves once every batch that entered the pipeline before the call has left it. */
  settle(): Promise<void>;
}

/** What extensions may ask of the running service. */
export interface ServiceHost {
  /** Ready to take exports: started, not shutting down, every exporter ready. */
  ready(): boolean;
  /** Per-exporter details (store state, WAL fill) for the health endpoint. */
  health(): Record<string, unknown>;
  pipelines(): readonly PipelineView[];
}

export interface ExtensionFactory extends ComponentSpec {
  type: string;
  create(config: unknown, context: BuildContext, host: ServiceHost): Extension;
}

/** Receivers also get the consumer their pipelines offer. */
export interface ReceiverFactory extends ComponentSpec {
  type: string;
  create(config: unknown, context: BuildContext, consumer: TracesConsumer): Receiver;
}

/**
 * Every component type a collector can be built from, by type name (components.ts).
 * `builtinExtensions` run in every collector whether configured or not.
 */
export interface Components {
  receivers: Record<string, ReceiverFactory>;
  processors: Record<string, ProcessorFactory>;
  exporters: Record<string, Factory<Exporter>>;
  extensions: Record<string, ExtensionFactory>;
  builtinExtensions: Record<string, ExtensionFactory>;
}
