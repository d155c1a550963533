import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { components } from '../../collector/src/components';
import { parseConfigText, type ClickHouseExporterConfig } from '../../collector/src/config';
import { prepareSchema } from '../../collector/src/exporter/clickhouse/exporter';
import type { AuditRecord } from '../../collector/src/model/record';
import { createNormalizer } from '../../collector/src/processor/normalize';
import { Store } from '../../collector/src/store/client';
import {
  RECORD_COLUMN_NAMES,
  RECORD_COLUMNS,
  recordRowJson,
  recordRowKey,
  RowWriter,
  writeRecordRow,
} from '../../collector/src/store/row-binary';
import { silentLogger } from '../../collector/src/telemetry/logger';
import { RECORD_CONTENT_SQL, RECORD_META_SQL, sha256Hex } from '../../collector/src/ledger/leaf';
import { decodeEntry, recordsSection, rowsOf } from '../../collector/src/store/wal-entry';
import { collectorConfig } from '../helpers/collector';
import { binaryRows, insertRecords } from '../helpers/records';
import { span, traceExport } from '../helpers/spans';

/**
 * Records as RowBinary (store/row-binary.ts) against the real engine: the columns and types
 * are the table's, every value comes back as written, whatever bytes it holds (blank lines,
 * NUL, four-byte UTF-8, strings past each varint length boundary), and the rows read back as
 * the JSON rows they replace.
 */

let store: Store;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ai-audit-rowbinary-'));
  store = await Store.open({ kind: 'embedded', path: join(dir, 'clickhouse') }, { database: 'ai_audit' });
  const config = parseConfigText(collectorConfig(), 't.yaml', components, {}).exporters
    .clickhouse as ClickHouseExporterConfig;
  await prepareSchema(store, config, silentLogger);
});

afterAll(async () => {
  await store?.close();
});

/** A record of a chat span started now (the table's TTL would drop an older one at any merge). */
function record(attrs: Record<string, string | number>, overrides: Partial<AuditRecord> = {}): AuditRecord {
  const now = BigInt(Date.now()) * 1_000_000n;
  const [made] = createNormalizer({ exclude_attributes: [], keep_attributes: [] }).spans(
    'acme',
    traceExport([
      span({ 'gen_ai.operation.name': 'chat', ...attrs }, { startTimeUnixNano: now, endTimeUnixNano: now }),
    ]),
  ).records;
  return { ...made, ...overrides };
}

describe('RowBinary records', () => {
  it('write the columns of ai_audit.records, in its order, with its types', async () => {
    const columns = await store.queryRows<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database = 'ai_audit' AND table = 'records' AND default_kind = '' ORDER BY position",
    );
    expect(RECORD_COLUMNS.map(([name, type]) => ({ name, type }))).toEqual(columns);
  });

  it('come back from the engine exactly as written, whatever bytes a value holds', async () => {
    const sizes = [0, 1, 127, 128, 16_383, 16_384, 2_097_151 / 3, 300_000];
    const odd = 'a\n\nb\r\n\n\u0000c \u{1F600} \u00e9\t"\\\u2028';
    const records = sizes.map((size, i) =>
      record(
        { 'user.id': `bytes-${i}` },
        {
          input_sealed: 'x'.repeat(Math.floor(size)),
          output_sealed: odd.repeat(i + 1),
          attributes: Object.assign(Object.create(null), { __proto__: odd, 'k\n\nk': '' }),
          finish_reasons: ['stop', odd],
          cost_usd: i === 0 ? null : 0.000123456 * i,
          input_tokens: i === 1 ? null : 2 ** 32 - 1,
          ttft_ms: i === 2 ? null : 1234.5678,
          status: i % 2 ? 'error' : 'ok',
        },
      ),
    );
    await insertRecords(store, records, dir);
    const stored = await store.queryRows<Record<string, unknown>>(
      "SELECT * EXCEPT ingested_at FROM ai_audit.records WHERE startsWith(user_id, 'bytes-') ORDER BY user_id",
    );
    // The engine's own JSON of the rows is what the rows say they hold.
    const expected = binaryRows(records).map(recordRowJson);
    expect(stored).toHaveLength(records.length);
    for (const [i, row] of stored.entries()) {
      expect(row.input_sealed).toBe(expected[i].input_sealed);
      expect(row.output_sealed).toBe(odd.repeat(i + 1));
      expect(row.attributes).toEqual({ __proto__: odd, 'k\n\nk': '' });
      expect(row.finish_reasons).toEqual(['stop', odd]);
      expect(row.cost_usd).toBe(i === 0 ? null : Number((0.000123456 * i).toFixed(9)));
      expect(row.input_tokens).toBe(i === 1 ? null : 2 ** 32 - 1);
      expect(row.status).toBe(i % 2 ? 'error' : 'ok');
      expect(row.record_id).toBe(expected[i].record_id);
    }
    // The insert's spooled file is gone.
    expect(readdirSync(dir).filter((name) => name.includes('rowbinary'))).toEqual([]);
  });

  it('carry content_sealed as raw bytes, any byte, and the engine digests them as the ledger did', async () => {
    const everyByte = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    const blankLines = Buffer.from('\n\n\r\n\n\u0000\n\n');
    const records = [everyByte, blankLines, Buffer.alloc(0)].map((bytes, i) =>
      record({ 'user.id': `raw-${i}` }, { content_sealed: bytes }),
    );
    // A row written before content_sealed existed: a per-field envelope, and the column empty.
    records[2].input_sealed = 'djEtZW52ZWxvcGU=';
    await insertRecords(store, records, dir);
    const stored = await store.queryRows<{ user_id: string; sealed: string; meta: string; content: string }>(
      `SELECT user_id, base64Encode(content_sealed) AS sealed, ${RECORD_META_SQL} AS meta, ${RECORD_CONTENT_SQL} AS content
       FROM ai_audit.records WHERE startsWith(user_id, 'raw-') ORDER BY user_id`,
    );
    const { leaves } = recordsSection(records);
    expect(stored.map((row) => Buffer.from(row.sealed, 'base64'))).toEqual([everyByte, blankLines, Buffer.alloc(0)]);
    expect(stored.map(({ meta, content }) => ({ meta, content }))).toEqual(
      leaves.map(({ meta, content }) => ({ meta, content })),
    );
    // The row without an envelope digests as the per-field columns alone, as rows written
    // before content_sealed were committed; and a dead letter's JSON carries the bytes as base64.
    expect(leaves[2].content).toBe(
      sha256Hex(Buffer.concat([Buffer.from([16]), Buffer.from('djEtZW52ZWxvcGU='), Buffer.alloc(4)])),
    );
    expect(recordRowJson(binaryRows(records)[0]).content_sealed).toBe(everyByte.toString('base64'));
  });

  it("written to a log before content_sealed existed, replay under today's columns with the digests committed then", async () => {
    const records = ['a\n\nb', ''].map((prompt, i) =>
      record(
        { 'user.id': `legacy-${i}` },
        { input_sealed: prompt, attributes: Object.assign(Object.create(null), { k: 'v' }) },
      ),
    );
    const { leaves } = recordsSection(records);
    // The same rows as a collector before migration 0008 wrote them: without the empty
    // content_sealed (one zero length), in a section flagged RowBinary only.
    const legacyRows = records.map((one) => {
      const writer = new RowWriter();
      const [, end, after] = writeRecordRow(writer, one);
      expect(after - end).toBe(1);
      return Buffer.concat([writer.view(0, end), writer.view(after, writer.offset)]);
    });
    const body = Buffer.concat(legacyRows.flatMap((row) => [Buffer.from(new Uint32Array([row.length]).buffer), row]));
    const header = Buffer.alloc(9);
    header.writeUInt8(0x80, 0); // table 0 (records), RowBinary
    header.writeUInt32LE(records.length, 1);
    header.writeUInt32LE(body.length, 5);
    const [decoded] = decodeEntry(Buffer.concat([header, body]));
    const rows = rowsOf([decoded]);
    expect(rows).toEqual(binaryRows(records));
    expect(recordRowJson(rows[0])).toMatchObject({
      input_sealed: 'a\n\nb',
      content_sealed: '',
      attributes: { k: 'v' },
    });
    await store.insertRowBinary(
      'ai_audit.records',
      RECORD_COLUMN_NAMES,
      Buffer.concat(rows),
      {},
      join(dir, 'legacy.rowbinary'),
    );
    const stored = await store.queryRows<{ meta: string; content: string }>(
      `SELECT ${RECORD_META_SQL} AS meta, ${RECORD_CONTENT_SQL} AS content FROM ai_audit.records WHERE startsWith(user_id, 'legacy-') ORDER BY user_id`,
    );
    expect(stored).toEqual(leaves.map(({ meta, content }) => ({ meta, content })));
  });

  it('start with the timestamp and record id the exactly-once check reads', () => {
    const one = record({ 'user.id': 'key' });
    const [row] = binaryRows([one]);
    expect(recordRowKey(row)).toEqual({ timestampNanos: one.timestamp, recordId: one.record_id });
  });
});
