import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClickHouseExporterConfig } from '../../config/types';
import { errorMessage, type Logger } from '../../telemetry/logger';
import type { Counter, Histogram, MetricsRegistry } from '../../telemetry/metrics';
import type { WalBatch, WriteAheadLog } from '../../wal/wal';
import { backoffDelay } from '../../store/backoff';
import { StoreError, type Store } from '../../store/client';
import { withoutStored } from '../../store/dedupe';
import { DEAD_LETTER_FILE, INSERT_SPOOL_FILE } from './purge';
import { isDataError, isStoreCondition } from '../../store/errors';
import { RECORD_COLUMN_NAMES, recordRowJson, recordRowKey } from '../../store/row-binary';
import { parseTimeText } from '../../ledger/entry';
import { decodeEntry, RowJoiner, rowsOf, type EntrySection, type RowFormat, type Table } from '../../store/wal-entry';

/** Rows of one table in one format: one insert (data keys are JSON; records RowBinary, or JSON in older logs). */
interface RowGroup {
  table: Table;
  format: RowFormat;
}

const INSERT_ORDER: readonly (readonly [Table, RowFormat])[] = [
  ['data_keys', 'json'],
  ['records', 'json'],
  ['records', 'rowbinary'],
  ['access_log', 'json'],
  ['ledger', 'json'],
  ['ledger_signatures', 'json'],
];

/** The time and id of a record row, whichever form it was written in. */
function recordKeyOf(row: Buffer, format: RowFormat): { recordId: string; timestampNanos: bigint } | undefined {
  try {
    if (format === 'rowbinary') return recordRowKey(row);
    const json = JSON.parse(row.toString('utf8')) as { record_id: string; timestamp: string };
    return { recordId: json.record_id, timestampNanos: parseTimeText(String(json.timestamp), 9) };
  } catch {
    // Too damaged to say which record it is: it stays unexplained, and verify names it.
    return undefined;
  }
}

/** Attempts with one unexplained server error code before its rows are suspected. */
const SUSPECT_AFTER = 3;

/** RowBinary records keep the bare range as their token; other tables' and JSON records' tokens are distinct from it. */
function tokenSuffix({ table, format }: RowGroup): string {
  return (table === 'records' ? '' : `:${table}`) + (table === 'records' && format === 'json' ? ':json' : '');
}

export interface WriterOptions {
  database: string;
  maxRows: number;
  flushIntervalMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  walDir: string;
  logger: Logger;
  metrics: WriterMetrics;
  /** Runs (and is retried) before the first insert: schema setup when the store was down at start. */
  prepare?: () => Promise<void>;
  /** Runs once a batch is in the store, before the log forgets it (the ledger saves its head). */
  beforeConfirm?: (sections: readonly EntrySection[]) => Promise<void>;
  /** Runs when a record is moved to dead letters (the ledger explains its absence from records). */
  onDeadLetter?: (record: { recordId: string; timestampNanos: bigint }, reason: { code: number }) => Promise<void>;
}

export interface WriterMetrics {
  insertedRows: Counter;
  insertBatches: Counter;
  insertRetries: Counter;
  deadLetters: Counter;
  duplicates: Counter;
  insertSeconds: Histogram;
}

/**
 * Drains the write-ahead log into ClickHouse: one INSERT per batch (max_rows rows, or
 * whatever is pending after flush_interval), each with a deduplication token derived from
 * the log id and the batch's sequence range, so a retry or a crash replay of the same
 * batch is never stored twice. Failures are retried with backoff while the log keeps
 * accepting; rows the server refuses as invalid data are moved to dead_letters.
 */
export class BatchWriter {
  private running: Promise<void> | undefined;
  private stopping = false;
  private draining = false;
  /** Callers waiting for the log to be stored up to some sequence number. */
  private flushes = 0;
  private wake: (() => void) | undefined;
  private failures = 0;
  /** Whether the store has answered yet: an insert or the deferred schema setup succeeded. */
  private answered = false;
  private lastError: string | undefined;
  /** The same server error code on consecutive attempts of a batch. */
  private repeated: { code: number; times: number } | undefined;
  private readonly joiner = new RowJoiner();
  /** Where the embedded engine reads a RowBinary insert from (next to the log, removed after). */
  private readonly spool: string;
  private prepare: (() => Promise<void>) | undefined;

  /** The options an exporter config implies (shared by the collector and CLI commands that drain a log). */
  static optionsFrom(
    config: ClickHouseExporterConfig,
    walDir: string,
    logger: Logger,
    metrics: MetricsRegistry,
  ): WriterOptions {
    return {
      database: config.database,
      maxRows: config.batch.max_rows,
      flushIntervalMs: config.batch.flush_interval,
      retryInitialMs: config.retry.initial_interval,
      retryMaxMs: config.retry.max_interval,
      walDir,
      logger,
      metrics: {
        insertedRows: metrics.counter('ai_audit_store_inserted_rows_total', 'Rows inserted into the store.'),
        insertBatches: metrics.counter(
          'ai_audit_store_inserts_total',
          'Batches inserted (one INSERT per table per batch).',
        ),
        insertRetries: metrics.counter('ai_audit_store_insert_retries_total', 'Failed inserts that will be retried.'),
        deadLetters: metrics.counter(
          'ai_audit_store_dead_letters_total',
          'Rows the store refused as invalid, moved to dead_letters.',
        ),
        duplicates: metrics.counter(
          'ai_audit_store_duplicate_records_total',
          'Records left out because the store already had them (spans re-sent after a lost acknowledgement).',
        ),
        insertSeconds: metrics.histogram(
          'ai_audit_store_insert_duration_seconds',
          'Duration of one batch insert.',
          [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        ),
      },
    };
  }

  constructor(
    private readonly wal: WriteAheadLog,
    private readonly store: Store,
    private readonly options: WriterOptions,
  ) {
    this.prepare = options.prepare;
    this.spool = join(options.walDir, INSERT_SPOOL_FILE);
    wal.onAppend(() => this.nudge());
  }

  /** True while inserts keep failing (readiness reports it). */
  get storeFailing(): boolean {
    return this.failures > 0;
  }

  get storeAnswered(): boolean {
    return this.answered;
  }

  get lastStoreError(): string | undefined {
    return this.lastError;
  }

  start(): void {
    this.running ??= this.run();
  }

  /**
   * Inserts everything pending, then stops; gives up at the deadline (what is left stays
   * in the log and is replayed on the next start). Resolves with the rows left behind.
   */
  async stop(deadlineMs: number): Promise<number> {
    this.draining = true;
    this.stopping = true;
    this.nudge();
    const timedOut = new Promise<'timeout'>((resolve) => setTimeout(resolve, deadlineMs, 'timeout').unref());
    await Promise.race([this.running, timedOut]);
    this.draining = false;
    this.nudge();
    return this.wal.stats.rows;
  }

  /**
   * Resolves once everything appended before the call is in the store (the flush interval
   * is not waited for); rejects after `timeoutMs`, e.g. while the store is unreachable.
   */
  async flush(timeoutMs: number): Promise<void> {
    const target = this.wal.lastSequence;
    const deadline = Date.now() + timeoutMs;
    this.flushes++;
    this.nudge();
    try {
      while ((this.wal.firstUnconfirmed ?? Infinity) <= target) {
        if (Date.now() > deadline)
          throw new Error(
            `the store did not take the pending records within ${timeoutMs} ms${this.lastError ? ` (${this.lastError})` : ''}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      this.flushes--;
    }
  }

  private nudge(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.stopping && !(this.draining && this.wal.stats.entries > 0)) return;
      const batch = this.readyBatch();
      if (!batch) {
        await this.sleep(this.untilFlushDue());
        continue;
      }
      if (await this.insert(batch)) {
        this.failures = 0;
        this.lastError = undefined;
        continue;
      }
      this.failures++;
      this.options.metrics.insertRetries.inc();
      if (this.stopping && !this.draining) return;
      await this.sleep(backoffDelay(this.failures - 1, this.options.retryInitialMs, this.options.retryMaxMs));
    }
  }

  /** A batch when one is due: full, old enough, replaying a crash's batch, or draining. */
  private readyBatch(): WalBatch | undefined {
    const { rows, oldestAppendedAt } = this.wal.stats;
    if (oldestAppendedAt === undefined) return undefined;
    const due =
      this.draining ||
      this.flushes > 0 ||
      rows >= this.options.maxRows ||
      Date.now() - oldestAppendedAt >= this.options.flushIntervalMs;
    return due ? this.wal.nextBatch(this.options.maxRows) : undefined;
  }

  private untilFlushDue(): number {
    const oldest = this.wal.stats.oldestAppendedAt;
    return oldest === undefined
      ? this.options.flushIntervalMs
      : Math.max(1, oldest + this.options.flushIntervalMs - Date.now());
  }

  /** Resolves true once the batch is stored (its refused rows dead-lettered) and confirmed. */
  private async insert(batch: WalBatch): Promise<boolean> {
    const started = process.hrtime.bigint();
    try {
      if (this.prepare) {
        await this.prepare();
        this.prepare = undefined;
        this.answered = true;
      }
      await this.wal.markInflight(batch);
      // Rows stay views of the bytes read from the log until the one copy that is inserted.
      const sections = (await this.wal.readPayloads(batch)).flatMap(decodeEntry);
      // Keys first: once records are in the store, the keys that open them must be too.
      for (const [table, format] of INSERT_ORDER) {
        const group: RowGroup = { table, format };
        let rows = rowsOf(sections.filter((section) => section.table === table && section.format === format));
        if (table === 'records' && rows.length > 0) {
          const deduplicated = await withoutStored(this.store, this.options.database, rows, format);
          if (deduplicated.duplicates > 0) this.options.metrics.duplicates.inc(deduplicated.duplicates);
          rows = deduplicated.rows;
        }
        if (rows.length > 0)
          await this.insertIsolating(group, rows, `${batch.first}-${batch.last}${tokenSuffix(group)}`, batch);
      }
      this.options.metrics.insertSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      this.options.metrics.insertedRows.inc(batch.rows);
      this.options.metrics.insertBatches.inc();
      await this.options.beforeConfirm?.(sections);
      await this.wal.confirm(batch);
      this.repeated = undefined;
      this.answered = true;
      return true;
    } catch (error) {
      this.lastError = errorMessage(error);
      const code = (error as StoreError).code;
      this.repeated =
        code !== undefined && this.repeated?.code === code
          ? { code, times: this.repeated.times + 1 }
          : code !== undefined
            ? { code, times: 1 }
            : undefined;
      this.options.logger.warn('insert failed; will retry', {
        rows: batch.rows,
        attempt: this.failures + 1,
        code,
        error: this.lastError,
      });
      return false;
    }
  }

  /**
   * One INSERT of `lines`; when the server refuses them as data, halves and retries each
   * half, down to single rows, which go to dead_letters. k bad rows in n cost O(k log n)
   * inserts, not n. Every part has its own token derived from its position in the batch,
   * so a crash during isolation replays it without duplicates. Any other failure is
   * thrown, and the whole batch is retried later.
   */
  private async insertIsolating(
    group: RowGroup,
    rows: Buffer[],
    token: string,
    batch: WalBatch,
    from = 0,
  ): Promise<void> {
    const part = from === 0 && rows.length > 0 ? token : `${token}:${from}+${rows.length}`;
    try {
      // One insert at a time, awaited: the joiner's buffer is free again before the next.
      const body = this.joiner.join(rows, group.format);
      const table = this.tableName(group.table);
      if (group.format === 'rowbinary')
        await this.store.insertRowBinary(table, RECORD_COLUMN_NAMES, body, this.insertSettings(part), this.spool);
      else await this.store.insertJsonRows(table, body, this.insertSettings(part));
    } catch (error) {
      if (!this.isRowProblem(error)) throw error;
      if (rows.length === 1) {
        await this.deadLetter(group, batch.first, from, rows[0], error as StoreError);
        return;
      }
      const half = rows.length >> 1;
      await this.insertIsolating(group, rows.slice(0, half), token, batch, from);
      await this.insertIsolating(group, rows.slice(half), token, batch, from + half);
    }
  }

  /**
   * Whether a failure is about the rows rather than the store: a known data error, or an
   * error code the server has now given this batch again and again (a value the table
   * cannot hold, say) and that is not a known store-side condition. Store-side conditions
   * (missing table, read-only, overload) never dead-letter anything: they are waited out.
   */
  private isRowProblem(error: unknown): boolean {
    if (isDataError(error)) return true;
    const code = (error as StoreError).code;
    return (
      code !== undefined &&
      !isStoreCondition(error) &&
      this.repeated?.code === code &&
      this.repeated.times >= SUSPECT_AFTER
    );
  }

  /** `seq` and `rowIndex` locate the row: the first sequence number of its batch and its line there. */
  private async deadLetter(
    group: RowGroup,
    seq: number,
    rowIndex: number,
    row: Buffer,
    error: StoreError,
  ): Promise<void> {
    this.options.metrics.deadLetters.inc();
    const letter = {
      target: group.table,
      wal_id: this.wal.id,
      seq,
      row_index: rowIndex,
      error_code: error.code ?? 0,
      error: error.message,
      // As JSON either way: the erasure finds a user's dead letters with JSONExtract.
      row: group.format === 'rowbinary' ? JSON.stringify(recordRowJson(row)) : row.toString('utf8'),
    };
    this.options.logger.error('row refused by the store; moved to dead letters', {
      seq,
      row: rowIndex,
      code: error.code,
    });
    const key = group.table === 'records' ? recordKeyOf(row, group.format) : undefined;
    if (key) await this.options.onDeadLetter?.(key, { code: letter.error_code });
    try {
      await this.store.insertJsonRows(
        `${this.options.database}.dead_letters`,
        JSON.stringify(letter),
        this.insertSettings(`dead:${seq}:${rowIndex}${tokenSuffix(group)}`),
      );
    } catch {
      // The table is unavailable too: keep the row next to the log rather than lose it.
      await appendFile(join(this.options.walDir, DEAD_LETTER_FILE), `${JSON.stringify(letter)}\n`, { mode: 0o600 });
    }
  }

  private tableName(table: Table): string {
    return `${this.options.database}.${table}`;
  }

  private insertSettings(range: string): Record<string, string | number> {
    const settings = { insert_deduplication_token: `${this.wal.id}:${range}`, insert_deduplicate: 1, async_insert: 0 };
    // On a cluster the insert returns once every shard has its rows (and deduplicated them
    // by the same token), not once they are queued on this node: only then is the WAL
    // entry confirmed.
    return this.store.layout.cluster ? { ...settings, distributed_foreground_insert: 1 } : settings;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
