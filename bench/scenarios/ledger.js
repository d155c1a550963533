'use strict';
/**
 * Scenario 6, the ledger's verifier: `ai-audit verify`'s checks (ledger/verify.ts) over N
 * records in the embedded store, records per second.
 *
 * The records are the queries scenario's (made by the engine from numbers(N)). They are
 * committed as the exporter commits them, in entries of about 1,000: each row's two digests and the
 * Merkle roots computed by the engine with the same expressions the verifier uses, the chain's
 * hashes by the collector's own `entryHash`, and the head signed with a local Ed25519 key. The
 * verifier then recomputes everything from the stored rows. A run whose report is not clean
 * (every record verified, no problem) fails the scenario: a fast wrong answer is no figure.
 *
 * Quick mode uses 1 million records, full mode 10 million (the target: under a minute).
 */
const path = require('node:path');
const { buildPipeline, dist, openStore } = require('../lib/pipeline');
const { summarize } = require('../lib/stats');
const { generateSql } = require('./queries');

const SETTINGS = { quick: { records: 1_000_000, runs: 3 }, full: { records: 10_000_000, runs: 3 } };
const ENTRY_SIZE = 1000;
const CHAIN = 'bench-chain';

async function commit(store, records) {
  const { RECORD_META_SQL, RECORD_CONTENT_SQL } = dist('ledger/leaf');
  const { merkleRootSql } = dist('ledger/verify-sql');
  const { entryHash, millisText } = dist('ledger/entry');
  await store.command(
    `CREATE TABLE ai_audit.ledger_stage ENGINE = MergeTree ORDER BY seq AS
     SELECT seq, toDateTime64(now64(3), 3) AS at, length(leaves) AS size,
            arrayMap(x -> x.1, leaves) AS record_ids, arrayMap(x -> x.2, leaves) AS record_times,
            arrayMap(x -> x.3, leaves) AS meta_digests, arrayMap(x -> x.4, leaves) AS content_digests
     FROM (
       SELECT cityHash64(record_id) % ${Math.ceil(records / ENTRY_SIZE)} + 1 AS seq,
              groupArray((record_id, timestamp, ${RECORD_META_SQL}, ${RECORD_CONTENT_SQL})) AS leaves
       FROM ai_audit.records GROUP BY seq
     )`,
  );
  const headers = await store.queryRows(
    `SELECT seq, toUnixTimestamp64Milli(at) AS at_ms, size, ${merkleRootSql()} AS root FROM ai_audit.ledger_stage ORDER BY seq`,
    undefined,
    { output_format_json_quote_64bit_integers: 0 },
  );
  let prev = '';
  const hashes = headers.map((h) => {
    const fields = {
      chain: CHAIN,
      seq: h.seq,
      kind: 'records',
      at: millisText(h.at_ms),
      tenant_id: 'default',
      prev_hash: prev,
      root: h.root,
      size: h.size,
      detail: '{}',
      record_ids: [],
      record_times: [],
      meta_digests: [],
      content_digests: [],
    };
    const hash = entryHash(fields);
    const row = { seq: h.seq, prev_hash: prev, hash, root: h.root };
    prev = hash;
    return row;
  });
  await store.command(
    'CREATE TABLE ai_audit.ledger_hashes (seq UInt64, prev_hash String, hash String, root String) ENGINE = Memory',
  );
  await store.insertJsonRows('ai_audit.ledger_hashes', hashes.map((h) => JSON.stringify(h)).join('\n'));
  await store.command(
    `INSERT INTO ai_audit.ledger (chain, seq, kind, at, tenant_id, prev_hash, hash, root, size, detail, record_ids, record_times, meta_digests, content_digests)
     SELECT '${CHAIN}', s.seq, 'records', s.at, 'default', h.prev_hash, h.hash, h.root, s.size, '{}', s.record_ids, s.record_times, s.meta_digests, s.content_digests
     FROM ai_audit.ledger_stage AS s INNER JOIN ai_audit.ledger_hashes AS h ON s.seq = h.seq`,
  );
  await store.command('DROP TABLE ai_audit.ledger_stage');
  await store.command('DROP TABLE ai_audit.ledger_hashes');
  return hashes[hashes.length - 1];
}

async function run(ctx) {
  const settings = ctx.full ? SETTINGS.full : SETTINGS.quick;
  const dir = path.join(ctx.workDir, 'ledger');
  require('node:fs').rmSync(dir, { recursive: true, force: true });
  const pipeline = buildPipeline(dir);
  const store = await openStore(dir, pipeline);
  const { LocalSigner } = dist('keys/signing');
  const { headMessage, millisText } = dist('ledger/entry');
  const { verifyLedger } = dist('ledger/verify');
  try {
    ctx.log(`ledger: generating ${settings.records.toLocaleString('en-US')} records`);
    await store.command(generateSql(settings.records));
    ctx.log(`ledger: committing them in entries of about ${ENTRY_SIZE}`);
    const head = await commit(store, settings.records);
    const signer = new LocalSigner(path.join(dir, 'signing-keys.json'));
    const signature = await signer.sign(headMessage(CHAIN, head.seq, head.hash));
    await store.insertJsonRows(
      'ai_audit.ledger_signatures',
      JSON.stringify({ chain: CHAIN, seq: head.seq, hash: head.hash, signed_at: millisText(Date.now()), ...signature }),
    );
    const { retention } = pipeline.config.exporters.clickhouse;
    const publicKeys = await signer.publicKeys();
    const seconds = [];
    for (let i = 0; i < settings.runs; i++) {
      const report = await verifyLedger({
        store,
        database: 'ai_audit',
        publicKeys,
        retention: { recordsMs: retention.records, contentMs: retention.content },
        unsignedGraceMs: 3_600_000,
        scope: {},
      });
      const { verified = 0, content_expired = 0 } = report.rows.records;
      if (!report.ok || verified + content_expired !== settings.records)
        throw new Error(`verify did not verify the generated store: ${JSON.stringify(report).slice(0, 500)}`);
      seconds.push(report.seconds);
      ctx.log(`ledger verify run ${i + 1}/${settings.runs}: ${report.seconds.toFixed(1)} s`);
    }
    const s = summarize(seconds);
    return {
      settings,
      records: settings.records,
      entries: head.seq,
      verifySeconds: s,
      recordsPerSecond: summarize(seconds.map((x) => settings.records / x)),
    };
  } finally {
    await store.close();
    require('node:fs').rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { id: 'ledger', title: 'Ledger verification', run, commit };
