import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTraceExportProtobuf } from '../../collector/src/receiver/otlp/decode';
import { loadConfig } from '../../collector/src/config/load';
import { buildPipelines } from '../../collector/src/service/pipelines';
import { components } from '../../collector/src/components';
import { jsonRow } from '../helpers/records';
import { silentLogger } from '../../collector/src/telemetry/logger';
import { MetricsRegistry } from '../../collector/src/telemetry/metrics';
import { createKeyProvider } from '../../collector/src/keys';
import { context as keyContext } from '../../collector/src/keys/data-keys';
import { type DataKeyRow } from '../../collector/src/model/data-key';
import { openRecord, recordKeyId } from '../../collector/src/keys/envelope';
import { SEALED_COLUMN, CONTENT_FIELDS } from '../../collector/src/model/record';
import type { ProtectProcessorConfig } from '../../collector/src/config/types';
import type { RecordBatch } from '../../collector/src/component/component';
import { REPO } from '../helpers/collector';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { encodedRequest } = require('../../bench/spans.js') as {
  encodedRequest: (o: { seed: number; count: number; baseTimeMs: number }) => { bytes: Buffer };
};

/**
 * The records the shipped pipeline makes from the benchmark's span set (bench/spans.js),
 * pinned: a refactoring that changes one field of one record, or the text that gets sealed,
 * fails here. The keyring is fixed so keyed hashes are stable; sealed columns are opened and
 * compared as the JSON they hold (envelopes themselves carry random nonces).
 *
 * Regenerate on purpose only: GOLDEN_UPDATE=1 npm test -- golden-records
 */
const GOLDEN = join(REPO, 'test/fixtures/golden/bench-records.json');
const SEEDS = [1, 2];
const SPANS_PER_SEED = 256;
/** Shown whole in the golden file, so a diff says what changed; the rest by digest. */
const SHOWN = 8;

const KEYRING = {
  format: 'ai-audit-keyring/1',
  warning: 'test keyring',
  current: '1',
  keks: [{ version: '1', created: '2026-01-01T00:00:00.000Z', key: Buffer.alloc(32, 7).toString('base64') }],
  hash_key: { version: '1', key: Buffer.alloc(32, 9).toString('base64') },
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ai-audit-golden-'));
  writeFileSync(join(dir, 'otel-config.yaml'), readFileSync(join(REPO, 'otel-config.yaml')));
  mkdirSync(join(dir, 'data'), { mode: 0o700 });
  writeFileSync(join(dir, 'data/keyring.json'), JSON.stringify(KEYRING), { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function records(): Promise<Record<string, unknown>[]> {
  const loaded = loadConfig(join(dir, 'otel-config.yaml'), components, {});
  const [pipeline] = buildPipelines(loaded, components, silentLogger, new MetricsRegistry()).pipelines;
  const provider = createKeyProvider(
    (loaded.config.processors.protect as ProtectProcessorConfig).keys,
    loaded,
    silentLogger,
  );
  const out: Record<string, unknown>[] = [];
  for (const seed of SEEDS) {
    const { bytes } = encodedRequest({ seed, count: SPANS_PER_SEED, baseTimeMs: Date.UTC(2026, 0, 1) });
    const { records: made } = pipeline.entry.makeRecords('default', decodeTraceExportProtobuf(bytes, LIMITS).export);
    const batch: RecordBatch = { tenantId: 'default', records: made, dataKeys: [], afterDurable: [], afterFailure: [] };
    for (const processor of pipeline.processors) await processor.process(batch);
    const keys = new Map<string, Buffer>();
    for (const row of batch.dataKeys as DataKeyRow[]) {
      keys.set(
        row.key_id,
        await provider.unwrap(
          { ciphertext: Buffer.from(row.wrapped, 'base64'), kekVersion: row.kek_version },
          keyContext(row),
        ),
      );
    }
    for (const record of batch.records) {
      // The row as stored (RowBinary), read back: the golden file holds the rows as JSON.
      const row = JSON.parse(jsonRow(record)) as Record<string, unknown>;
      // Opened into the per-field columns the golden file was written with before records
      // were sealed in one envelope: the same spans must still give the same content.
      const envelope = Buffer.from(row.content_sealed as string, 'base64');
      delete row.content_sealed;
      if (envelope.length > 0) {
        const key = keys.get(recordKeyId(envelope));
        if (!key) throw new Error(`no data key for the content of ${String(row.record_id)}`);
        const fields = openRecord(key, envelope, { tenantId: 'default', recordId: String(row.record_id) });
        for (const field of CONTENT_FIELDS) {
          const column = SEALED_COLUMN[field];
          if (row[column] !== '') throw new Error(`${column} is written: only content_sealed should be`);
          if (fields[field] !== undefined) row[column] = JSON.parse(fields[field]);
        }
      }
      row.content_key_id = row.content_key_id === '' ? '' : '<a data key>';
      out.push(row);
    }
  }
  return out;
}

const LIMITS = {
  maxSpans: 100_000,
  maxAttributesPerSpan: 1000,
  maxEventsPerSpan: 1000,
  maxAttributeValueLength: 1 << 20,
  maxValueDepth: 16,
};

const digest = (row: unknown): string => createHash('sha256').update(JSON.stringify(row)).digest('hex');

it('the benchmark span set becomes the same records, field for field', async () => {
  const rows = await records();
  const golden = { shown: rows.slice(0, SHOWN), digests: rows.map((row) => `${String(row.record_id)} ${digest(row)}`) };
  if (process.env.GOLDEN_UPDATE === '1') writeFileSync(GOLDEN, `${JSON.stringify(golden, null, 1)}\n`);
  const expected = JSON.parse(readFileSync(GOLDEN, 'utf8')) as typeof golden;
  expect(rows).toHaveLength(SEEDS.length * SPANS_PER_SEED);
  expect(golden.shown).toEqual(expected.shown);
  expect(golden.digests).toEqual(expected.digests);
  // The span set exercises what the records carry: findings, costs, sealed content.
  expect(rows.some((row) => (row.violations as string[]).length > 0)).toBe(true);
  expect(rows.every((row) => row.cost_usd !== null && row.input_sealed !== '' && row.prompt_hash !== '')).toBe(true);
});
