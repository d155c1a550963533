import type { ClickHouseExporterConfig } from '../../config/types';
import { resolveConfigPath } from '../../config/load';
import { ConfigError } from '../../config/errors';
import { formatDuration } from '../../config/units';
import type { BuildContext, Exporter, Factory, RecordBatch } from '../../component/component';
import { errorMessage } from '../../telemetry/logger';
import { WriteAheadLog } from '../../wal/wal';
import { Store, type StoreError } from '../../store/client';
import { describeTarget, parseStoreEndpoint, type StoreTarget } from '../../store/endpoint';
import { migrate } from '../../store/migrations';
import { purgeLog } from './purge';
import { applyRetention, ttlExpression } from '../../store/retention';
import { encodeEntry, jsonSection, recordsSection, type TableRows } from '../../store/wal-entry';
import { Ledger, ledgerOptions } from '../../ledger/ledger';
import { createSigner, type Signer } from '../../keys/signing';
import { signingConfigOf } from '../../keys/signing-config';
import { BatchWriter } from './writer';
import configSchema from './config.schema.json';

/** In-memory payload cache of the WAL; beyond it the writer reads entries back from disk. */
const WAL_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The clickhouse exporter: records become RowBinary rows appended to the write-ahead
 * log (the export is acknowledged once they are fsync'd), and a batch writer drains the
 * log into `<database>.records`. On start it creates or migrates the schema and applies
 * the configured retention as TTL.
 */
export class ClickHouseExporter implements Exporter {
  private wal: WriteAheadLog | undefined;
  private writer: BatchWriter | undefined;
  private storeHandle: Store | undefined;
  private ledgerHandle: Ledger | undefined;
  private signerHandle: Signer | undefined;
  /** The schema was set up at start: the store has answered a round trip. */
  private preparedAtStart = false;

  constructor(
    readonly config: ClickHouseExporterConfig,
    private readonly context: BuildContext,
  ) {}

  get store(): Store {
    if (!this.storeHandle) throw new Error('the clickhouse exporter is not started');
    return this.storeHandle;
  }

  /** The ledger chain of this exporter's log (administrative operations commit to it too). */
  get ledger(): Ledger {
    if (!this.ledgerHandle) throw new Error('the clickhouse exporter is not started');
    return this.ledgerHandle;
  }

  get signer(): Signer {
    if (!this.signerHandle) throw new Error('the clickhouse exporter is not started');
    return this.signerHandle;
  }

  get target(): StoreTarget {
    return parseStoreEndpoint(this.config.endpoint, this.context.loaded.dir, {
      username: this.config.username,
      password: this.config.password,
    });
  }

  get walDir(): string {
    return resolveConfigPath(this.context.loaded, this.config.wal.directory);
  }

  destination(): string {
    const { database, retention } = this.config;
    return `${describeTarget(this.target)}, table ${database}.records (retention ${retention.records}, content ${retention.content})`;
  }

  async start(): Promise<void> {
    const { logger, metrics } = this.context;
    this.storeHandle = await Store.open(this.target, {
      database: this.config.database,
      cluster: this.config.cluster,
      timeoutMs: this.config.timeout,
    });
    const prepare = (): Promise<void> => prepareSchema(this.store, this.config, logger);
    let prepared = true;
    try {
      await prepare();
    } catch (error) {
      // A server that is down at start is an outage like any other: exports go to the
      // write-ahead log and the writer prepares the schema once the server answers. The
      // embedded store cannot be "down"; failing to open it is fatal.
      if (this.target.kind === 'embedded' || (error as StoreError).code !== undefined) throw error;
      logger.warn('the store is unreachable; accepting exports into the write-ahead log until it answers', {
        error: errorMessage(error),
      });
      prepared = false;
    }
    const { wal, replay } = await WriteAheadLog.open({
      dir: this.walDir,
      maxBytes: this.config.wal.max_size,
      segmentBytes: this.config.wal.segment_size,
      cacheBytes: WAL_CACHE_BYTES,
      logger,
    });
    if (replay.entries > 0)
      logger.info('write-ahead log: replaying records not yet stored', { rows: replay.rows, entries: replay.entries });
    this.wal = wal;
    this.preparedAtStart = prepared;
    metrics.gauge(
      'ai_audit_wal_bytes',
      'Bytes in the write-ahead log not yet confirmed by the store.',
      () => wal.stats.bytes,
    );
    metrics.gauge(
      'ai_audit_wal_rows',
      'Records in the write-ahead log not yet confirmed by the store.',
      () => wal.stats.rows,
    );
    metrics.gauge('ai_audit_wal_oldest_age_seconds', 'Age of the oldest record not yet confirmed by the store.', () => {
      const oldest = wal.stats.oldestAppendedAt;
      return oldest === undefined ? 0 : (Date.now() - oldest) / 1000;
    });
    const { keys, signing } = signingConfigOf(this.context.loaded, this.context.id);
    this.signerHandle = createSigner(signing, keys, this.context.loaded);
    const ledger = await Ledger.open(
      wal,
      this.walDir,
      this.signerHandle,
      ledgerOptions(this.config, this.context.loaded, logger),
    );
    this.ledgerHandle = ledger;
    this.writer = new BatchWriter(wal, this.store, {
      ...BatchWriter.optionsFrom(this.config, this.walDir, logger, metrics),
      prepare: prepared ? undefined : prepare,
      beforeConfirm: (sections) => ledger.beforeConfirm(sections),
      onDeadLetter: (record, reason) => ledger.deadLetter(record, reason),
    });
    this.writer.start();
    ledger.start();
  }

  async consume(batch: RecordBatch): Promise<void> {
    if (!this.wal) throw new Error('the clickhouse exporter is not started');
    const { records, dataKeys } = batch;
    if (records.length === 0 && dataKeys.length === 0) return;
    const sections: TableRows[] = [];
    if (dataKeys.length > 0) sections.push(jsonSection('data_keys', dataKeys));
    if (records.length === 0) {
      await this.wal.append(encodeEntry(sections), dataKeys.length);
      return;
    }
    // The records and the ledger entry that commits them are durable together.
    const { section, leaves } = recordsSection(records);
    sections.push(section);
    await this.ledger.append(sections, 'records', batch.tenantId, leaves, {}, records.length + dataKeys.length);
  }

  /** Waits until every batch accepted so far is in the store. */
  async flush(timeoutMs = 30_000): Promise<void> {
    await this.writer?.flush(timeoutMs);
  }

  /** Erasure: everything accepted so far is stored, then the log files that held it are deleted. */
  async purgeLog(subject: { tenantId: string; userId: string }, timeoutMs = 30_000): Promise<void> {
    if (!this.wal || !this.writer) throw new Error('the clickhouse exporter is not started');
    await purgeLog(this.wal, this.writer, this.walDir, subject, timeoutMs);
  }

  accepting(): boolean {
    return this.wal?.hasRoomFor(0) ?? false;
  }

  /**
   * Ready while exports can be taken: the WAL is open and has room. While the store fails,
   * readiness turns false once the WAL is half full, so load balancers send new load to
   * collectors that can store it while this one keeps draining what it holds.
   */
  ready(): boolean {
    if (!this.wal || !this.writer) return false;
    const used = this.wal.stats.bytes / this.config.wal.max_size;
    return used < (this.writer.storeFailing ? 0.5 : 0.9);
  }

  /**
   * Details for the health endpoint: store state and WAL fill. The store is 'ok' only once
   * it has answered: the schema set up at start, or later the first insert; until then it
   * is 'connecting' (a server that was down at start and has had nothing to store since).
   */
  health(): Record<string, unknown> {
    return {
      store: storeState(this.writer, this.preparedAtStart),
      store_error: this.writer?.lastStoreError,
      wal_bytes: this.wal?.stats.bytes ?? 0,
      wal_max_bytes: this.config.wal.max_size,
      wal_rows: this.wal?.stats.rows ?? 0,
    };
  }

  async shutdown(deadlineMs: number): Promise<void> {
    // The last signature goes into the log before the writer drains it.
    await this.ledgerHandle?.stop();
    const left = (await this.writer?.stop(deadlineMs)) ?? 0;
    if (left > 0)
      this.context.logger.warn('shutdown deadline reached; records stay in the write-ahead log for the next start', {
        rows: left,
      });
    await this.wal?.close();
    await this.storeHandle?.close();
  }
}

/** Schema migrations, then the configured retention as TTL (a change is applied here). */
export async function prepareSchema(
  store: Store,
  config: ClickHouseExporterConfig,
  logger: BuildContext['logger'],
): Promise<void> {
  const recordsMs = config.retention.records;
  const contentMs = config.retention.content;
  const report = await migrate(store, config.database, {
    records_ttl: ttlExpression(recordsMs),
    content_ttl: ttlExpression(contentMs),
  });
  for (const migration of report.applied)
    logger.info('schema migration applied', { version: migration.version, name: migration.name });
  for (const migration of report.modified)
    logger.warn('an applied schema migration has changed since; it is not re-run', { version: migration.version });
  for (const change of await applyRetention(store, config.database, { recordsMs, contentMs })) {
    logger.info('retention changed', { target: change.target, ttl: change.ttl });
  }
}

function storeState(writer: BatchWriter | undefined, preparedAtStart: boolean): 'connecting' | 'failing' | 'ok' {
  if (writer?.storeFailing) return 'failing';
  return preparedAtStart || writer?.storeAnswered ? 'ok' : 'connecting';
}

export const clickHouseExporterFactory: Factory<ClickHouseExporter> = {
  type: 'clickhouse',
  configSchema,
  validate: (config, path) => checkConfig(config as ClickHouseExporterConfig, path),
  create: (config, context) => new ClickHouseExporter(config as ClickHouseExporterConfig, context),
};

/** Content cannot outlive the record that holds it; a cluster is made of servers. */
function checkConfig(config: ClickHouseExporterConfig, path: string): void {
  if (config.cluster !== undefined && config.endpoint.startsWith('chdb://'))
    throw new ConfigError(
      `${path}.cluster`,
      'needs a server endpoint (http[s]://...): the embedded engine is one node',
    );
  const { records, content } = config.retention;
  if (content > records) {
    throw new ConfigError(
      `${path}.retention.content`,
      `"${formatDuration(content)}" is longer than retention.records "${formatDuration(records)}"`,
    );
  }
}
