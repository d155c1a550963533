import type { Store } from './client';
import { recordRowKey } from './row-binary';
import type { RowFormat } from './wal-entry';

/**
 * Exactly once, even when a sender re-sends what was already stored: an OTLP exporter that
 * lost the acknowledgement (collector killed after the fsync, network cut) retries the
 * same spans, which become a new WAL entry under a new deduplication token. Record ids are
 * a function of tenant, trace and span id, so before inserting, rows whose record_id is
 * already in the table (or earlier in the batch) are left out.
 *
 * Every row begins with `timestamp` and `record_id` (tenant_id between them in RowBinary),
 * so both are read from its first bytes without decoding the rest.
 */

const RECORD_ID = /"record_id":"([0-9a-f-]{36})"/;
/** DateTime64(9) spans 1900..2262; bounds outside would make the query itself fail. */
const EARLIEST_SECONDS = 0;
const LATEST_SECONDS = 9_000_000_000;
const TIMESTAMP = /^\{"timestamp":"(\d+\.\d{9})"/;
/** 2,000 ids are ~80 KB of query text, well under max_query_size. */
const IDS_PER_QUERY = 2000;

export interface Deduplicated {
  rows: Buffer[];
  duplicates: number;
}

/** Long enough for the `timestamp` and `record_id` that start every row. */
const PREFIX_BYTES = 128;

/** `rows` (of `format`, one row each) without those already stored or repeated in the batch. */
export async function withoutStored(
  store: Store,
  database: string,
  rows: readonly Buffer[],
  format: RowFormat,
): Promise<Deduplicated> {
  const ids: string[] = [];
  let from = Infinity;
  let to = -Infinity;
  for (const row of rows) {
    const { id, seconds } = format === 'rowbinary' ? binaryKey(row) : jsonKey(row);
    ids.push(id);
    from = Math.min(from, seconds);
    to = Math.max(to, seconds);
  }
  if (ids.length === 0) return { rows: [], duplicates: 0 };
  const seen = await storedIds(store, database, [...new Set(ids)], clamp(Math.floor(from)), clamp(Math.ceil(to) + 1));
  const kept = rows.filter((_, i) => {
    if (seen.has(ids[i])) return false;
    seen.add(ids[i]);
    return true;
  });
  return { rows: kept, duplicates: rows.length - kept.length };
}

function jsonKey(row: Buffer): { id: string; seconds: number } {
  const prefix = row.toString('latin1', 0, Math.min(row.length, PREFIX_BYTES));
  const id = RECORD_ID.exec(prefix)?.[1];
  const seconds = Number(TIMESTAMP.exec(prefix)?.[1]);
  if (id === undefined || !Number.isFinite(seconds)) throw new Error('a record row is not in the expected form');
  return { id, seconds };
}

function binaryKey(row: Buffer): { id: string; seconds: number } {
  const { timestampNanos, recordId } = recordRowKey(row);
  return { id: recordId, seconds: Number(timestampNanos) / 1e9 };
}

/**
 * The ids of `ids` already in the table, asked in chunks: ids are inlined in the query text
 * (checked UUID text, safe), which the server caps at max_query_size (256 KiB by default,
 * about 6,500 ids), and a batch may hold more (batch.max_rows, or a replayed backlog).
 */
async function storedIds(
  store: Store,
  database: string,
  ids: string[],
  fromSeconds: number,
  toSeconds: number,
): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const chunk = ids.slice(i, i + IDS_PER_QUERY);
    const rows = await store.queryRows<{ record_id: string }>(
      `SELECT record_id FROM ${database}.records WHERE timestamp BETWEEN toDateTime64(${fromSeconds}, 9) AND toDateTime64(${toSeconds}, 9) AND record_id IN ('${chunk.join("','")}')`,
    );
    for (const row of rows) seen.add(row.record_id);
  }
  return seen;
}

function clamp(seconds: number): number {
  return Math.min(LATEST_SECONDS, Math.max(EARLIEST_SECONDS, seconds));
}
