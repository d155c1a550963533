import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_CONTENT_SQL, RECORD_META_SQL } from '../../collector/src/ledger/leaf';
import type { Leaf } from '../../collector/src/model/ledger';
import { makeEntry } from '../../collector/src/ledger/entry';
import { CollectorProcess, eventually, runCli, runOnStore } from '../helpers/collector';
import { chatSpan, LEDGER_YAML, tampered, verify } from '../helpers/ledger';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

/**
 * Subtler attacks on the ledger, each found by a review and each now failing `ai-audit
 * verify` (docs/architecture.md, "Ledger"): leaves smuggled in through a copy of a signed
 * entry, a chain or an erasure forged without the signing key, a fake dead letter, rows
 * dated outside any default range, a duplicated row, an erasure run over tampered rows, and
 * an export of rows only a forged chain commits.
 */

const FORGED = '00000000-0000-4000-8000-00000000beef';

describe('the ledger against forged commitments', () => {
  let dir: string;
  let ids: string[];
  let chain: string;

  beforeAll(async () => {
    const collector = await CollectorProcess.start({ exporterYaml: LEDGER_YAML });
    dir = collector.dir;
    try {
      await exportSpans(
        createExporter('http-proto', collector),
        makeSpans(['ana', 'ben', 'ben', 'cy', 'cy', 'dee'].map((user, i) => chatSpan(user, i))),
      );
      ids = await eventually(async () => {
        const rows = await collector.sql<{ id: string }>(
          'SELECT toString(record_id) AS id FROM ai_audit.records ORDER BY timestamp',
        );
        return rows.length === 6 && rows.map((r) => r.id);
      });
    } finally {
      await collector.stop();
    }
    const [[{ c }]] = (await runOnStore(join(dir, 'data/clickhouse'), [
      'SELECT any(chain) AS c FROM ai_audit.ledger',
    ])) as { c: string }[][];
    chain = c;
  });

  const copies: string[] = [];
  const attack = async (statements: string[]): Promise<string> => {
    const copy = await tampered(dir, statements);
    copies.push(copy);
    return copy;
  };
  afterAll(() => {
    if (!process.env.AI_AUDIT_KEEP_TEST_DIRS) for (const copy of copies) rmSync(copy, { recursive: true, force: true });
  });

  /** A record like ids[i] under another id: what an attacker inserts. */
  const forgedRow = (i: number, changes = ''): string =>
    `INSERT INTO ai_audit.records SELECT * REPLACE (toUUID('${FORGED}') AS record_id${changes}) FROM (SELECT * FROM ai_audit.records WHERE record_id = '${ids[i]}')`;

  /** Leaves committing rows as they are now, as the collector would make them. */
  const leavesOf = async (copy: string, where: string): Promise<Leaf[]> => {
    const [rows] = (await runOnStore(join(copy, 'data/clickhouse'), [
      `SELECT toString(record_id) AS id, toString(toUnixTimestamp64Nano(timestamp)) AS t, ${RECORD_META_SQL} AS m, ${RECORD_CONTENT_SQL} AS c FROM ai_audit.records WHERE ${where}`,
    ])) as { id: string; t: string; m: string; c: string }[][];
    return rows.map((r) => ({ id: r.id, timeNanos: BigInt(r.t), meta: r.m, content: r.c }));
  };

  /** An INSERT of an entry built with the collector's own code: everything but a signature. */
  const insertEntry = (entry: object): string =>
    `INSERT INTO ai_audit.ledger FORMAT JSONEachRow ${JSON.stringify(entry)}`;

  const head = async (copy: string): Promise<{ seq: number; hash: string }> => {
    const [[row]] = (await runOnStore(join(copy, 'data/clickhouse'), [
      'SELECT toUInt32(seq) AS seq, hash FROM ai_audit.ledger ORDER BY seq DESC LIMIT 1',
    ])) as { seq: number; hash: string }[][];
    return row;
  };

  it('the untouched store verifies', async () => {
    const { code, report } = await verify(dir);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
  });

  it('a copy of a signed entry carrying forged leaves is refused, whichever copy comes first', async () => {
    const copy = await attack([forgedRow(1, ', 0 AS cost_usd')]);
    const forged = makeEntry(
      chain,
      { seq: 0, hash: '' },
      'records',
      'default',
      await leavesOf(copy, `record_id = '${FORGED}'`),
      {},
    );
    const [[signed]] = (await runOnStore(join(copy, 'data/clickhouse'), [
      'SELECT * EXCEPT (record_ids, record_times, meta_digests, content_digests) FROM ai_audit.ledger WHERE seq = 1',
    ])) as Record<string, unknown>[][];
    // The signed entry's header and hash, the forged leaves.
    const { record_ids, record_times, meta_digests, content_digests } = forged;
    await runOnStore(join(copy, 'data/clickhouse'), [
      insertEntry({ ...signed, record_ids, record_times, meta_digests, content_digests }),
      'OPTIMIZE TABLE ai_audit.ledger FINAL',
    ]);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['fork', 'uncommitted']));
  });

  it('a whole chain forged without the key, dated in the future, commits nothing', async () => {
    const copy = await attack([forgedRow(2)]);
    const leaves = await leavesOf(copy, `record_id = '${FORGED}'`);
    await runOnStore(join(copy, 'data/clickhouse'), [
      insertEntry(
        makeEntry('forged-chain', { seq: 0, hash: '' }, 'records', 'default', leaves, {}, Date.parse('2099-01-01')),
      ),
    ]);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'future_entry', chain: 'forged-chain' }),
        expect.objectContaining({ kind: 'uncommitted', id: FORGED }),
      ]),
    );
  });

  it('an erasure forged onto the chain, however recent, explains no deletion', async () => {
    const copy = await attack([]);
    // What the collector's erasure would commit: no digest left, the prior state's digests.
    const prior = (await leavesOf(copy, `record_id = '${ids[4]}'`)).map((leaf) => ({
      ...leaf,
      meta: '',
      content: createHash('sha256').update(`${leaf.meta} ${leaf.content}`).digest('hex'),
    }));
    const erasure = makeEntry(chain, await head(copy), 'erasure', 'default', prior, { actor: 'dpo', reason: 'GDPR' });
    await runOnStore(join(copy, 'data/clickhouse'), [
      insertEntry(erasure),
      `ALTER TABLE ai_audit.records DELETE WHERE record_id = '${ids[4]}' SETTINGS mutations_sync = 2`,
    ]);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'missing', id: ids[4] })]));
  });

  it('a fake dead letter explains no deletion', async () => {
    const copy = await attack([
      `ALTER TABLE ai_audit.records DELETE WHERE record_id = '${ids[0]}' SETTINGS mutations_sync = 2`,
      `INSERT INTO ai_audit.dead_letters (wal_id, seq, row_index, error_code, error, row) VALUES ('x', 1, 0, 27, 'bad data', '{"record_id":"${ids[0]}"}')`,
    ]);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'missing', id: ids[0] })]);
  });

  it('rows dated before 1970 or after 2100 are compared like any other', async () => {
    const copy = await attack([forgedRow(3, ", toDateTime64('2101-01-01 00:00:00', 9) AS timestamp")]);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'uncommitted', id: FORGED })]);
  });

  it('a row stored twice is named', async () => {
    const copy = await attack([
      `INSERT INTO ai_audit.records SELECT * FROM ai_audit.records WHERE record_id = '${ids[5]}' SETTINGS insert_deduplicate = 0`,
    ]);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'duplicated', id: ids[5] })]);
  });

  it('an erasure over tampered rows does not launder them', async () => {
    const copy = await attack([
      `ALTER TABLE ai_audit.records UPDATE cost_usd = 999 WHERE record_id = '${ids[1]}' SETTINGS mutations_sync = 2`,
    ]);
    const erased = await runCli([
      'erase',
      '--yes',
      '--tenant',
      'default',
      '--user',
      'ben',
      '--reason',
      'GDPR request 2026-20',
      '--config',
      join(copy, 'otel-config.yaml'),
    ]);
    expect(erased.code).toBe(0);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'altered', id: ids[1] })]);
    expect(report.rows.records.erased).toBe(1);
  });

  it('an export proves nothing that only a forged chain commits', async () => {
    const copy = await attack([forgedRow(2)]);
    const leaves = await leavesOf(copy, `record_id = '${FORGED}'`);
    await runOnStore(join(copy, 'data/clickhouse'), [
      insertEntry(makeEntry('forged-chain', { seq: 0, hash: '' }, 'records', 'default', leaves, {})),
    ]);
    const out = join(copy, 'evidence');
    const exported = await runCli([
      'export',
      '--config',
      join(copy, 'otel-config.yaml'),
      '--out',
      out,
      '--reason',
      'audit',
    ]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('1 NOT');
    const keys = await runCli(['keys', 'public', '--config', join(copy, 'otel-config.yaml')]);
    const keysFile = join(copy, 'keys.json');
    writeFileSync(keysFile, keys.stdout);
    const checked = await runCli(['verify-export', out, '--public-keys', keysFile, '--format', 'json']);
    expect(checked.code).toBe(1);
    expect(JSON.parse(checked.stdout).problems).toEqual([expect.objectContaining({ record_id: FORGED })]);
  });
});
