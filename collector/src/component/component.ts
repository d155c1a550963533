import type { LoadedConfig } from '../config/types';
import type { ComponentSpec } from '../config/validate';
import type { DataKeyRow } from '../model/data-key';
import type { AuditRecord } from '../model/record';
import type { LogsExport } from '../model/logs';
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
  /** Called when a stage refused the batch (the sender will retry it): undo what a processor took on. */
  afterFailure: (() => void)[];
}

/** What the pipeline's entry made of an export's spans or log records. */
export interface MadeRecords {
  records: AuditRecord[];
  /** Spans or log records that are not GenAI: dropped by design, not an error. */
  dropped: number;
  /** Items refused as invalid, reported to the client as partial success, with the first reason. */
  rejected: number;
  rejectReason?: string;
}

/**
 * The pipeline's entry (normalize): the one processor that reads spans and log records, and
 * makes the records. A span makes a record; the GenAI events of one span (log records naming
 * it) make one event record (`AuditRecord.join === 'events'`), which a join processor merges
 * into the span's record (docs/architecture.md, "Joining events to spans").
 */
export interface RecordMaker extends Lifecycle {
  makeRecords(tenantId: string, traces: TraceExport): MadeRecords;
  makeEventRecords(tenantId: string, logs: LogsExport): MadeRecords;
}

/** A processor changes the records in place (asynchronously only when it must wait, e.g. for a key). */
export interface Processor extends Lifecycle {
  process(batch: RecordBatch): void | Promise<void>;
  /**
   * For a processor that holds records back (join): how it sends them on later, through the
   * processors after it and the exporter. Called once by the pipeline before start.
   */
  connect?(downstream: Downstream): void;
}

/** Sends records a processor held back on through the rest of its pipeline; resolves once durable. */
export type Downstream = (batch: RecordBatch) => Promise<void>;

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

/** What receivers hand decoded exports to (traces and logs share the pipelines). */
export interface ExportConsumer {
  consume(tenantId: string, traces: TraceExport): Promise<ConsumeResult>;
  consumeLogs(tenantId: string, logs: LogsExport): Promise<ConsumeResult>;
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
  create(config: unknown, context: BuildContext, consumer: ExportConsumer): Receiver;
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
