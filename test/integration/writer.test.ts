import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../collector/src/config';
import type { ClickHouseExporterConfig } from '../../collector/src/config';
import { createNormalizer } from '../../collector/src/pipeline/normalize';
import { silentLogger } from '../../collector/src/service/telemetry/logger';
import { MetricsRegistry } from '../../collector/src/service/telemetry/metrics';
import { Store } from '../../collector/src/store/client';
import { prepareSchema } from '../../collector/src/store/exporter';
import { recordToRow } from '../../collector/src/store/rows';
import { encodeEntry } from '../../collector/src/store/wal-entry';
import { BatchWriter } from '../../collector/src/store/writer';
import { WriteAheadLog } from '../../collector/src/wal/wal';
import { ClickHouseServer } from '../helpers/clickhouse-server';
import { collectorConfig, eventually } from '../helpers/collector';
import { span, traceExport } from '../helpers/spans';

/**
 * The batch writer against a real engine behind the ClickHouse HTTP interface: a row the
 * store refuses must cost a few inserts and land in dead_letters, never block the rows
 * around it or the batches after it.
 */
describe('batch writer: rows the store refuses', () => {
  let server: ClickHouseServer;
  let store: Store;
  let config: ClickHouseExporterConfig;

  beforeAll(async () => {
    server = await ClickHouseServer.start();
    config = parseConfigText(collectorConfig({ storeYaml: `    endpoint: ${server.url}` }), 't.yaml', {}).exporters.clickhouse as ClickHouseExporterConfig;
    store = await Store.open({ kind: 'server', url: new URL(server.url) }, { database: 'ai_audit' });
    await prepareSchema(store, config, silentLogger);
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('dead-letters the bad row of a batch and stores the rest, once', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const rows = createNormalizer({ exclude_attributes: [] })(
      'acme',
      traceExport(Array.from({ length: 40 }, (_, i) => span({ 'gen_ai.operation.name': 'chat', 'user.id': `writer-${i}` }, { startTimeUnixNano: now, endTimeUnixNano: now }))),
    ).records.map(recordToRow);
    // An Enum8 value the table does not know: a code not on the known data-error list, so
    // the writer must first see it repeat before it suspects the rows.
    rows[17] = rows[17].replace('"status":"ok"', '"status":"unheard-of"');
    const dir = mkdtempSync(join(tmpdir(), 'writer-'));
    const { wal } = await WriteAheadLog.open({ dir, maxBytes: 64 << 20, segmentBytes: 1 << 20, cacheBytes: 1 << 20, logger: silentLogger });
    for (let i = 0; i < rows.length; i += 10) {
      const text = rows.slice(i, i + 10).map((row) => `${row}\n`).join('');
      await wal.append(encodeEntry([{ table: 'records', rows: 10, text }]), 10);
    }
    const writer = new BatchWriter(wal, store, { ...BatchWriter.optionsFrom(config, dir, silentLogger, new MetricsRegistry()), retryInitialMs: 10, retryMaxMs: 20 });
    writer.start();
    await eventually(async () => wal.stats.entries === 0);
    await writer.stop(1000);
    await wal.close();

    const stored = await server.query<{ n: number }>("SELECT count() AS n FROM ai_audit.records WHERE user_id LIKE 'writer-%'");
    expect(Number(stored[0].n)).toBe(39);
    const letters = await server.query<{ target: string; row: string; error_code: number }>('SELECT target, row, error_code FROM ai_audit.dead_letters');
    expect(letters).toHaveLength(1);
    expect(letters[0].target).toBe('records');
    expect(letters[0].row).toContain('"user_id":"writer-17"');
    expect(Number(letters[0].error_code)).toBeGreaterThan(0);
  });
});
