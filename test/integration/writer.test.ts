import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseExporterConfig } from '../../collector/src/config';
import { createNormalizer } from '../../collector/src/processor/normalize';
import { silentLogger } from '../../collector/src/telemetry/logger';
import { MetricsRegistry } from '../../collector/src/telemetry/metrics';
import { Store } from '../../collector/src/store/client';
import type { AuditRecord } from '../../collector/src/model/record';
import { encodeEntry, type TableRows } from '../../collector/src/store/wal-entry';
import { BatchWriter } from '../../collector/src/exporter/clickhouse/writer';
import { WriteAheadLog } from '../../collector/src/wal/wal';
import type { ClickHouseServer } from '../helpers/clickhouse-server';
import { startServerStore } from '../helpers/server-store';
import { eventually } from '../helpers/collector';
import { binaryRows, jsonRow } from '../helpers/records';
import { span, traceExport } from '../helpers/spans';

/**
 * The batch writer against a real engine behind the ClickHouse HTTP interface: a row the
 * store refuses must cost a few inserts and land in dead_letters, never block the rows
 * around it or the batches after it.
 */
/** Records of `count` chat spans started now, users `<prefix>-<i>`. */
function records(prefix: string, count: number): AuditRecord[] {
  const now = BigInt(Date.now()) * 1_000_000n;
  return createNormalizer({ exclude_attributes: [], keep_attributes: [] }).spans(
    'acme',
    traceExport(
      Array.from({ length: count }, (_, i) =>
        span(
          { 'gen_ai.operation.name': 'chat', 'user.id': `${prefix}-${i}` },
          { startTimeUnixNano: now, endTimeUnixNano: now },
        ),
      ),
    ),
  ).records;
}

const SESSION_MARK = 'session-of-the-damaged-row';

/** The row with its session_id's length varint replaced by one of ~4 GB. */
function claimHugeSession(row: Buffer): Buffer {
  const at = row.indexOf(SESSION_MARK) - 1;
  return Buffer.concat([row.subarray(0, at), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), row.subarray(at + 1)]);
}

/** A records section of RowBinary rows, each after its u32 length (store/wal-entry.ts). */
function binarySection(rows: Buffer[]): TableRows {
  const body = Buffer.concat(rows.flatMap((row) => [Buffer.from(Uint32Array.of(row.length).buffer), row]));
  return { table: 'records', format: 'rowbinary', rows: rows.length, body };
}

/**
 * Appends the records to a new WAL in entries of `perEntry` (RowBinary as the exporter writes
 * them, or JSONEachRow as logs written before it hold), drains it with a writer, closes both.
 */
async function drain(
  rows: AuditRecord[],
  perEntry: number,
  config: ClickHouseExporterConfig,
  store: Store,
  format: 'rowbinary' | 'json' = 'rowbinary',
  damage = (row: Buffer, _index: number): Buffer => row,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'writer-'));
  const { wal } = await WriteAheadLog.open({
    dir,
    maxBytes: 256 << 20,
    segmentBytes: 8 << 20,
    cacheBytes: 8 << 20,
    logger: silentLogger,
  });
  for (let i = 0; i < rows.length; i += perEntry) {
    const part = rows.slice(i, i + perEntry);
    const section =
      format === 'rowbinary'
        ? binarySection(binaryRows(part).map((row, j) => damage(row, i + j)))
        : { table: 'records' as const, format, rows: part.length, text: part.map((r) => `${jsonRow(r)}\n`).join('') };
    await wal.append(encodeEntry([section]), part.length);
  }
  const writer = new BatchWriter(wal, store, {
    ...BatchWriter.optionsFrom(config, dir, silentLogger, new MetricsRegistry()),
    retryInitialMs: 10,
    retryMaxMs: 20,
  });
  writer.start();
  await eventually(async () => wal.stats.entries === 0, 60_000);
  await writer.stop(1000);
  await wal.close();
}

describe('batch writer against a real engine', () => {
  let server: ClickHouseServer;
  let store: Store;
  let config: ClickHouseExporterConfig;

  beforeAll(async () => {
    ({ server, store, config } = await startServerStore({ maxRows: 10_000 }));
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('dead-letters the bad row of a batch and stores the rest, once', async () => {
    const rows = records('writer', 40);
    rows[17].session_id = SESSION_MARK;
    // A row the engine cannot read to its end (its session_id claims 4 GB): the store refuses
    // the batch whatever follows the row, and the writer must find the row.
    await drain(rows, 10, config, store, 'rowbinary', (row, i) => (i === 17 ? claimHugeSession(row) : row));

    const stored = await server.query<{ n: number }>(
      "SELECT count() AS n FROM ai_audit.records WHERE user_id LIKE 'writer-%'",
    );
    expect(Number(stored[0].n)).toBe(39);
    const letters = await server.query<{ target: string; row: string; error_code: number }>(
      'SELECT target, row, error_code FROM ai_audit.dead_letters',
    );
    expect(letters).toHaveLength(1);
    expect(letters[0].target).toBe('records');
    expect(letters[0].row).toContain('"user_id":"writer-17"');
    expect(Number(letters[0].error_code)).toBeGreaterThan(0);
  });

  it('stores a full 10,000-row batch exactly once when part of it is already stored', async () => {
    const rows = records('big', 10_000);
    // A sender re-sending after a lost acknowledgement: 300 of the rows are already stored.
    await drain(rows.slice(0, 300), 300, config, store);
    await drain(rows, 500, config, store);

    const stored = await server.query<{ users: number; n: number }>(
      "SELECT uniqExact(user_id) AS users, count() AS n FROM ai_audit.records WHERE user_id LIKE 'big-%'",
    );
    expect(Number(stored[0].users)).toBe(10_000);
    expect(Number(stored[0].n)).toBe(10_000);
  });

  it('stores the JSONEachRow records of a log written before RowBinary, once beside their RowBinary copies', async () => {
    const rows = records('older', 30);
    await drain(rows, 10, config, store, 'json');
    await drain(rows.slice(0, 10), 10, config, store);
    const stored = await server.query<{ n: number }>(
      "SELECT count() AS n FROM ai_audit.records WHERE user_id LIKE 'older-%'",
    );
    expect(Number(stored[0].n)).toBe(30);
  });
});
