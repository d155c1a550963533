import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_COLUMNS } from '../../collector/src/store/row-binary';
import { CollectorProcess, eventually, runCli, runOnStore } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';
import { chatSpan as span, LEDGER_YAML, tampered, verify } from '../helpers/ledger';

/**
 * The ledger, attacked (docs/architecture.md, "Ledger"): someone with write access to the
 * store changes a cost, deletes a row, forges a row, deletes an access-log row, edits the
 * ledger itself or its signatures, and `ai-audit verify` fails naming what changed. An
 * untouched store verifies, and so do changes made by retention and erasure.
 */

describe('the ledger against a hostile store writer', () => {
  let dir: string;
  let ids: string[];

  beforeAll(async () => {
    const collector = await CollectorProcess.start({ exporterYaml: LEDGER_YAML });
    dir = collector.dir;
    try {
      const users = ['ana', 'ben', 'cy'];
      await exportSpans(
        createExporter('http-proto', collector),
        makeSpans(Array.from({ length: 12 }, (_, i) => span(users[i % 3], i))),
      );
      await exportSpans(createExporter('grpc', collector), makeSpans([span('dee', 99)]));
      ids = await eventually(async () => {
        const rows = await collector.sql<{ id: string }>(
          'SELECT toString(record_id) AS id FROM ai_audit.records ORDER BY timestamp',
        );
        return rows.length === 13 && rows.map((r) => r.id);
      });
      const shown = await runCli([
        'show',
        ids[0],
        '--decrypt',
        '--reason',
        'SOC2 evidence request #7',
        '--config',
        collector.configPath,
      ]);
      expect(shown.code).toBe(0);
    } finally {
      await collector.stop();
    }
  });

  it('verifies an untouched store: every record and access committed, every head signed', async () => {
    const { code, report } = await verify(dir);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.rows.records).toEqual({ verified: 13 });
    expect(report.rows.access_log).toEqual({ verified: 1 });
    expect(report.chains).toHaveLength(1);
    expect(report.chains[0].signed_through).toBe(report.chains[0].last_seq);
  });

  it('names a record whose cost was changed', async () => {
    const copy = await tampered(dir, [
      `ALTER TABLE ai_audit.records UPDATE cost_usd = 0 WHERE record_id = '${ids[3]}' SETTINGS mutations_sync = 2`,
    ]);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'altered', table: 'records', id: ids[3] })]);
  });

  it('names a deleted record', async () => {
    const copy = await tampered(dir, [
      `ALTER TABLE ai_audit.records DELETE WHERE record_id = '${ids[5]}' SETTINGS mutations_sync = 2`,
    ]);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'missing', table: 'records', id: ids[5] })]);
  });

  it('names a forged record', async () => {
    const forged = '00000000-0000-4000-8000-00000000f00d';
    const copy = await tampered(dir, [
      // In a subquery: at the same level, WHERE would see the replaced record_id.
      `INSERT INTO ai_audit.records SELECT * REPLACE (toUUID('${forged}') AS record_id) FROM (SELECT * FROM ai_audit.records WHERE record_id = '${ids[1]}')`,
    ]);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'uncommitted', table: 'records', id: forged })]);
  });

  it('names a deleted access-log row', async () => {
    const copy = await tampered(dir, ['ALTER TABLE ai_audit.access_log DELETE WHERE 1 SETTINGS mutations_sync = 2']);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'missing', table: 'access_log' })]);
  });

  it('fails when the ledger itself is edited to match a changed row', async () => {
    // The attacker changes the cost and writes the row's new digest into the ledger: the
    // entry's Merkle root no longer matches its leaves.
    const copy = await tampered(dir, [
      `ALTER TABLE ai_audit.records UPDATE cost_usd = 0 WHERE record_id = '${ids[2]}' SETTINGS mutations_sync = 2`,
      `ALTER TABLE ai_audit.ledger UPDATE meta_digests = arrayMap((id, m) -> if(id = toUUID('${ids[2]}'), (SELECT lower(hex(SHA256(formatRow('RowBinary', ${metaColumns()})))) FROM ai_audit.records WHERE record_id = '${ids[2]}'), m), record_ids, meta_digests) WHERE has(record_ids, toUUID('${ids[2]}')) SETTINGS mutations_sync = 2`,
    ]);
    const { code, report } = await verify(copy);
    expect(code).toBe(1);
    // The entry is not trusted: its rows are no longer committed by anything.
    expect(report.problems[0]).toMatchObject({ kind: 'entry_root' });
    expect(report.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'uncommitted', id: ids[2] })]),
    );
  });

  it('fails on a forged signature, and on a chain cut short behind the digest files', async () => {
    const forgedSignature = await tampered(dir, [
      `ALTER TABLE ai_audit.ledger_signatures UPDATE signature = base64Encode(repeat('x', 64)) WHERE 1 SETTINGS mutations_sync = 2`,
    ]);
    const bad = await verify(forgedSignature);
    expect(bad.code).toBe(1);
    expect(bad.report.problems.map((p) => p.kind)).toContain('bad_signature');

    // The last entry, its rows and its signatures removed: consistent inside the store, but
    // the digest file written outside it still names the head.
    const [{ chain, seq }] = (
      await runOnStore(join(dir, 'data/clickhouse'), [
        'SELECT chain, seq FROM ai_audit.ledger ORDER BY seq DESC LIMIT 1',
      ])
    )[0] as { chain: string; seq: number }[];
    const cut = await tampered(dir, [
      `ALTER TABLE ai_audit.ledger DELETE WHERE seq = ${seq} SETTINGS mutations_sync = 2`,
      `ALTER TABLE ai_audit.ledger_signatures DELETE WHERE seq >= ${seq} SETTINGS mutations_sync = 2`,
    ]);
    const quiet = await verify(cut);
    const digests = join(dir, 'digests');
    expect(readdirSync(join(digests, chain)).length).toBeGreaterThan(0);
    const loud = await verify(cut, '--digests', digests);
    expect(loud.code).toBe(1);
    expect(loud.report.problems.map((p) => p.kind)).toContain('digest_file');
    // Without the digest files the cut is not seen only if nothing else gives it away.
    expect(quiet.report.problems.every((p) => p.kind !== 'digest_file')).toBe(true);
  });

  it('trusts only the public keys it is given', async () => {
    const keysOut = await runCli(['keys', 'public', '--config', join(dir, 'otel-config.yaml')]);
    expect(keysOut.code).toBe(0);
    const trusted = join(dir, 'trusted.json');
    writeFileSync(trusted, keysOut.stdout);
    expect((await verify(dir, '--public-keys', trusted)).code).toBe(0);
    const other = JSON.parse(keysOut.stdout) as { keys: { public_key: string }[] };
    other.keys[0].public_key = readFileSync(join(__dirname, '../fixtures/ledger/other-ed25519.pub.pem'), 'utf8');
    writeFileSync(trusted, JSON.stringify(other));
    const untrusted = await verify(dir, '--public-keys', trusted);
    expect(untrusted.code).toBe(1);
    expect(untrusted.report.problems.map((p) => p.kind)).toContain('bad_signature');
  });
});

describe('exports for auditors', () => {
  let dir: string;
  let keysFile: string;

  beforeAll(async () => {
    const collector = await CollectorProcess.start({ exporterYaml: LEDGER_YAML });
    dir = collector.dir;
    try {
      await exportSpans(
        createExporter('http-proto', collector),
        makeSpans(Array.from({ length: 9 }, (_, i) => span(i < 6 ? 'eve' : 'fay', i))),
      );
      await eventually(
        async () => (await collector.sql<{ n: number }>('SELECT count() AS n FROM ai_audit.records'))[0].n === 9,
      );
    } finally {
      await collector.stop();
    }
    const keys = await runCli(['keys', 'public', '--config', join(dir, 'otel-config.yaml')]);
    keysFile = join(dir, 'auditor-keys.json');
    writeFileSync(keysFile, keys.stdout);
  });

  async function exportTo(name: string, ...extra: string[]): Promise<string> {
    const out = join(dir, name);
    const result = await runCli([
      'export',
      '--config',
      join(dir, 'otel-config.yaml'),
      '--out',
      out,
      '--reason',
      'SOC 2 sample #12',
      ...extra,
    ]);
    expect(result).toMatchObject({ code: 0 });
    return out;
  }

  async function verifyExportOf(out: string): Promise<{
    code: number;
    problems: { file?: string; record_id?: string; detail: string }[];
    rows: number;
    proven: number;
  }> {
    const { stdout, stderr, code } = await runCli([
      'verify-export',
      out,
      '--public-keys',
      keysFile,
      '--format',
      'json',
    ]);
    try {
      return { code, ...(JSON.parse(stdout) as { problems: []; rows: number; proven: number }) };
    } catch {
      throw new Error(`verify-export printed no report (exit ${code}): ${stderr}`);
    }
  }

  it('a CSV export verifies offline, and an edited cell is named', async () => {
    const out = await exportTo('csv', '--user', 'eve');
    const fresh = await verifyExportOf(out);
    expect(fresh).toMatchObject({ code: 0, rows: 6, proven: 6, problems: [] });

    const csv = readFileSync(join(out, 'records.csv'), 'utf8').split('\n');
    const header = csv[0].split(',');
    const tokens = header.indexOf('"input_tokens"');
    const idColumn = header.indexOf('"record_id"');
    const cells = csv[2].split(',');
    cells[tokens] = String(Number(cells[tokens]) + 1);
    writeFileSync(join(out, 'records.csv'), [csv[0], csv[1], cells.join(','), ...csv.slice(3)].join('\n'));
    const edited = await verifyExportOf(out);
    expect(edited.code).toBe(1);
    expect(edited.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'records.csv', detail: expect.stringContaining('SHA-256') }),
        expect.objectContaining({
          record_id: cells[idColumn].replace(/"/g, ''),
          detail: expect.stringContaining('not what ledger entry'),
        }),
      ]),
    );
  });

  it('a Parquet export verifies, and a removed row is named', async () => {
    const out = await exportTo('parquet', '--format', 'parquet');
    expect((await verifyExportOf(out)).code).toBe(0);
    const path = join(out, 'records.parquet');
    const [[{ id }]] = (await runOnStore(join(dir, 'scratch-engine'), [
      `SELECT toString(record_id) AS id FROM file('${path}', Parquet) ORDER BY timestamp LIMIT 1`,
    ])) as { id: string }[][];
    await runOnStore(join(dir, 'scratch-engine'), [
      `INSERT INTO FUNCTION file('${path}.new', Parquet) SELECT * FROM file('${path}', Parquet) WHERE toString(record_id) != '${id}'`,
    ]);
    cpSync(`${path}.new`, path);
    rmSync(`${path}.new`);
    const removed = await verifyExportOf(out);
    expect(removed.code).toBe(1);
    expect(removed.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ record_id: id, detail: expect.stringContaining('removed') })]),
    );
  });

  it('a manifest swapped from another export, or edited, fails', async () => {
    const one = await exportTo('one', '--user', 'eve', '--format', 'jsonl');
    const two = await exportTo('two', '--user', 'fay', '--format', 'jsonl');
    cpSync(join(two, 'manifest.json'), join(one, 'manifest.json'));
    const swapped = await verifyExportOf(one);
    expect(swapped.code).toBe(1);
    expect(swapped.problems.length).toBeGreaterThan(0);

    const manifest = JSON.parse(readFileSync(join(two, 'manifest.json'), 'utf8')) as { rows: number };
    manifest.rows += 1;
    writeFileSync(join(two, 'manifest.json'), JSON.stringify(manifest));
    const edited = await verifyExportOf(two);
    expect(edited.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ detail: expect.stringContaining('signature') })]),
    );
  });

  it('--where filters the records, and is checked like ai-audit sql', async () => {
    const out = await exportTo('where', '--where', 'input_tokens >= 105', '--format', 'jsonl');
    expect(await verifyExportOf(out)).toMatchObject({ code: 0, rows: 4, proven: 4 });
    const refused = await runCli([
      'export',
      '--config',
      join(dir, 'otel-config.yaml'),
      '--out',
      join(dir, 'refused'),
      '--reason',
      'x',
      '--where',
      "1 IN (SELECT 1 FROM file('/etc/passwd', 'LineAsString'))",
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/refused|not allowed/i);
    expect(existsSync(join(dir, 'refused'))).toBe(false);
  });

  it('--decrypt writes the content opened, logs each opening, and the store still verifies', async () => {
    const out = await exportTo('decrypted', '--user', 'fay', '--format', 'jsonl', '--decrypt');
    expect((await verifyExportOf(out)).code).toBe(0);
    const content = readFileSync(join(out, 'content.jsonl'), 'utf8');
    expect(content).toContain('question 6');
    const { code, report } = await verify(dir);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.rows.access_log).toEqual({ verified: 3 });
  });
});

function metaColumns(): string {
  return METADATA_COLUMNS.join(', ');
}
