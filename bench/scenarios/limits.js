'use strict';
/**
 * Scenario 3, limits in the same run, so ingest and sealing can be read as fractions of what
 * the parts underneath allow:
 *
 *  - the embedded store's raw insert rate: the final rows of the pipeline (the ingest
 *    scenario's spans, sealed and hashed, exactly what the write-ahead log holds) inserted
 *    straight into `ai_audit.records` through the collector's own Store client, in batches of
 *    10,000 rows (the writer's max_rows) with a deduplication token each, as the batch writer
 *    does; no receiver, no pipeline, no WAL. Rows per second and process CPU per row, per
 *    batch, for RowBinary read from a spooled file (what the writer does) and, interleaved
 *    batch by batch, for the same rows as inline JSONEachRow (what it did before).
 *  - raw AES-256-GCM and HMAC-SHA256 on 1 KB values with node:crypto (nonces drawn in bulk
 *    beforehand, keys fixed), next to our seal() and keyed hash of the same 1 KB, which add
 *    the envelope, a fresh nonce, the associated data and base64.
 */
const crypto = require('node:crypto');
const path = require('node:path');
const { buildPipeline, dist, insertBodies, newBatch, openStore, processAll } = require('../lib/pipeline');
const { loadRequests, replayable } = require('../lib/requests');
const { summarize } = require('../lib/stats');

const SETTINGS = {
  quick: { batches: 5, cryptoRuns: 7, cryptoOps: 20_000 },
  full: { batches: 20, cryptoRuns: 15, cryptoOps: 50_000 },
};
const BATCH_ROWS = 10_000;

/** ~BATCH_ROWS final records: the ingest requests, stamped apart, through the whole pipeline. */
async function finalRecords(pipeline) {
  const { decodeTraceExportProtobuf } = dist('receiver/otlp/decode');
  const requests = loadRequests(4);
  const records = [];
  for (let i = 0; records.length < BATCH_ROWS; i++) {
    const request = replayable(requests[i % requests.length]);
    request.restamp(0x7f000000 + i, Date.now());
    const batch = await processAll(
      pipeline,
      newBatch(decodeTraceExportProtobuf(request.bytes, pipeline.limits).export),
    );
    records.push(...batch.records.slice(0, BATCH_ROWS - records.length));
  }
  return records;
}

async function storeLimit(ctx, settings) {
  const dir = path.join(ctx.workDir, 'limits');
  require('node:fs').rmSync(dir, { recursive: true, force: true });
  const pipeline = buildPipeline(dir);
  const { rows, binary, json } = insertBodies(await finalRecords(pipeline));
  const store = await openStore(dir, pipeline);
  const { RECORD_COLUMN_NAMES } = dist('store/row-binary');
  const spool = path.join(dir, 'insert.rowbinary');
  const formats = {
    rowbinary: (settingsOf) =>
      store.insertRowBinary('ai_audit.records', RECORD_COLUMN_NAMES, binary, settingsOf, spool),
    json: (settingsOf) => store.insertJsonRows('ai_audit.records', json, settingsOf),
  };
  try {
    const settingsFor = (i) => ({
      insert_deduplication_token: `bench-limits:${i}`,
      insert_deduplicate: 1,
      async_insert: 0,
    });
    for (const insert of Object.values(formats)) await insert(settingsFor(`warmup-${Math.random()}`));
    const samples = { rowbinary: { rates: [], cpu: [] }, json: { rates: [], cpu: [] } };
    for (let i = 0; i < settings.batches; i++) {
      for (const [name, insert] of Object.entries(formats)) {
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        await insert(settingsFor(`${name}-${i}`));
        const cpu = process.cpuUsage(cpu0);
        samples[name].rates.push(rows / ((performance.now() - t0) / 1000));
        samples[name].cpu.push((cpu.user + cpu.system) / rows);
      }
    }
    const result = (name, bytes) => ({
      rowsPerBatch: rows,
      bytesPerRow: bytes / rows,
      rowsPerSecond: summarize(samples[name].rates),
      cpuMicrosPerRow: summarize(samples[name].cpu),
    });
    const rowBinary = result('rowbinary', binary.length);
    const jsonRows = result('json', Buffer.byteLength(json));
    ctx.log(
      `limits: raw insert ${Math.round(rowBinary.rowsPerSecond.median)} rows/s RowBinary, ${Math.round(jsonRows.rowsPerSecond.median)} JSONEachRow`,
    );
    return { store: rowBinary, storeJson: jsonRows };
  } finally {
    await store.close();
    require('node:fs').rmSync(dir, { recursive: true, force: true });
  }
}

/** Microseconds per call of fn over `ops` calls, per run. */
function perOp(fn, runs, ops) {
  for (let i = 0; i < ops / 10; i++) fn(i); // warm-up
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < ops; i++) fn(i);
    samples.push(((performance.now() - t0) * 1000) / ops);
  }
  return summarize(samples);
}

function cryptoLimits(settings) {
  const protect = {
    ...dist('keys/content-hash'),
    ...dist('keys/envelope'),
    ...dist('model/hashed-text'),
    ...dist('model/content'),
  };
  const key = crypto.randomBytes(32);
  const plaintext = crypto.randomBytes(768).toString('base64'); // 1,024 ASCII characters
  const bytes = Buffer.from(plaintext);
  const aad = Buffer.from(
    'ai-audit/seal/v1|tenant=default|record=00000000-0000-8000-8000-000000000000|column=input_sealed',
  );
  const nonces = crypto.randomBytes(12 * settings.cryptoOps);
  const { cryptoRuns: runs, cryptoOps: ops } = settings;
  return {
    aesGcm: perOp(
      (i) => {
        const cipher = crypto.createCipheriv('aes-256-gcm', key, nonces.subarray((i % ops) * 12, (i % ops) * 12 + 12));
        cipher.setAAD(aad);
        cipher.update(bytes);
        cipher.final();
        cipher.getAuthTag();
      },
      runs,
      ops,
    ),
    hmac: perOp(() => crypto.createHmac('sha256', key).update(bytes).digest(), runs, ops),
    seal: perOp(
      () =>
        protect.sealRecord(
          key,
          'bench-key',
          { input: plaintext },
          { tenantId: 'default', recordId: '00000000-0000-8000-8000-000000000000' },
        ),
      runs,
      ops,
    ),
    hash: perOp(
      () =>
        protect.contentHash('hmac-sha256', protect.promptText(protect.receivedDocument(plaintext)), {
          version: '1',
          key,
        }),
      runs,
      ops,
    ),
  };
}

async function run(ctx) {
  const settings = ctx.full ? SETTINGS.full : SETTINGS.quick;
  const { store, storeJson } = await storeLimit(ctx, settings);
  const cryptoResult = cryptoLimits(settings);
  return { settings, store, storeJson, crypto: cryptoResult };
}

module.exports = { id: 'limits', title: 'Limits: store insert rate, crypto', run };
