import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { components } from '../../collector/src/components';
import { parseConfigText, type ClickHouseExporterConfig } from '../../collector/src/config';
import { prepareSchema } from '../../collector/src/exporter/clickhouse/exporter';
import { headMessage, makeEntry, millisText } from '../../collector/src/ledger/entry';
import { EMPTY_CONTENT, sha256Hex } from '../../collector/src/ledger/leaf';
import { verifyLedger } from '../../collector/src/ledger/verify';
import { LocalSigner } from '../../collector/src/keys/signing';
import type { LedgerEntry } from '../../collector/src/model/ledger';
import { Store } from '../../collector/src/store/client';
import { silentLogger } from '../../collector/src/telemetry/logger';
import { collectorConfig } from '../helpers/collector';

/**
 * The verifier's chain checks against the real engine: the Merkle roots it recomputes with
 * array functions equal the collector's for entries of 1 to 2,500 leaves (past the size where
 * a query built from aliases outgrows the engine's limit), and a changed leaf, a changed
 * field, a removed entry or a second entry under one number are each named.
 */

let store: Store;
let signer: LocalSigner;
const CHAIN = 'chain-under-test';

function leaves(n: number): Parameters<typeof makeEntry>[4] {
  const now = BigInt(Date.now()) * 1_000_000n;
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    timeNanos: now + BigInt(i),
    meta: sha256Hex(`meta ${i}`),
    content: i % 3 ? sha256Hex(`content ${i}`) : EMPTY_CONTENT,
  }));
}

async function problems(): Promise<{ kind: string; seq?: number }[]> {
  const report = await verifyLedger({
    store,
    database: 'ai_audit',
    publicKeys: await signer.publicKeys(),
    retention: { recordsMs: 365 * 86_400_000, contentMs: 30 * 86_400_000 },
    unsignedGraceMs: 60_000,
    scope: {},
  });
  // The leaves name no stored record: only the chain's own problems matter here.
  return report.problems.filter((p) => p.kind !== 'missing').map(({ kind, seq }) => ({ kind, seq }));
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ai-audit-ledger-verify-'));
  store = await Store.open({ kind: 'embedded', path: join(dir, 'clickhouse') }, { database: 'ai_audit' });
  const config = parseConfigText(collectorConfig(), 't.yaml', components, {}).exporters
    .clickhouse as ClickHouseExporterConfig;
  await prepareSchema(store, config, silentLogger);
  signer = new LocalSigner(join(dir, 'signing-keys.json'));
  let head = { seq: 0, hash: '' };
  const entries: LedgerEntry[] = [];
  for (const size of [1, 2, 3, 7, 1000, 2500, 0]) {
    const entry = makeEntry(CHAIN, head, 'records', 'acme', leaves(size), {});
    entries.push(entry);
    head = { seq: entry.seq, hash: entry.hash };
  }
  await store.insertJsonRows('ai_audit.ledger', entries.map((e) => JSON.stringify(e)).join('\n'));
  const signature = await signer.sign(headMessage(CHAIN, head.seq, head.hash));
  await store.insertJsonRows(
    'ai_audit.ledger_signatures',
    JSON.stringify({ chain: CHAIN, ...head, signed_at: millisText(Date.now()), ...signature }),
  );
});

afterAll(async () => {
  await store?.close();
});

describe('the verifier on a chain in the engine', () => {
  it('recomputes the roots of entries of 0 to 2,500 leaves as the collector made them', async () => {
    expect(await problems()).toEqual([]);
  });

  it('names an entry whose stored leaf changed', async () => {
    await store.command(
      `ALTER TABLE ai_audit.ledger UPDATE meta_digests = arrayPushBack(arrayPopBack(meta_digests), '${sha256Hex('x')}') WHERE seq = 6 SETTINGS mutations_sync = 2`,
    );
    expect(await problems()).toEqual([{ kind: 'entry_root', seq: 6 }]);
  });

  it('names an entry whose field changed, a removed entry, and a forked one', async () => {
    await store.command(
      `ALTER TABLE ai_audit.ledger UPDATE tenant_id = 'other' WHERE seq = 2 SETTINGS mutations_sync = 2`,
    );
    await store.command(`ALTER TABLE ai_audit.ledger DELETE WHERE seq = 4 SETTINGS mutations_sync = 2`);
    await store.command(
      `INSERT INTO ai_audit.ledger SELECT * REPLACE ('${sha256Hex('fork')}' AS hash) FROM (SELECT * FROM ai_audit.ledger WHERE seq = 1)`,
    );
    expect(await problems()).toEqual(
      expect.arrayContaining([
        { kind: 'entry_root', seq: 6 },
        { kind: 'entry_hash', seq: 2 },
        { kind: 'chain_break', seq: 5 },
        { kind: 'fork', seq: 1 },
      ]),
    );
  });
});
