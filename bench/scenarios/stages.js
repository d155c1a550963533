'use strict';
/**
 * Scenario 2, stages in-process: the collector's pipeline, stage by stage, in one process and
 * one thread, on the same pre-encoded 512-span requests as the ingest scenario. µs per span.
 *
 * One run pushes every request through the whole pipeline in order, timing each stage:
 *   decode -> normalize -> cost -> classify (detection) -> protect (hash + seal) -> rows
 *   (RowBinary, as the exporter serializes, with each row's two ledger digests) -> ledger (the
 *   entry: Merkle root, chain hash, its JSON row) -> WAL append (entry encoding, frame, write, fsync)
 * with process.cpuUsage() around the pass (CPU µs per span decode-to-WAL, all threads of this
 * process). A second pass, outside that window, times the references and the parts of protect
 * on their own: protobufjs decoding the same bytes, the keyed hashes alone, the AES-256-GCM
 * seals alone. Warm-up runs come first and are not counted.
 */
const crypto = require('node:crypto');
const path = require('node:path');
const { buildPipeline, dist, newBatch, recordsSection, runStage } = require('../lib/pipeline');
const { exportTraceServiceRequest } = require('../lib/otlp-proto');
const { loadRequests } = require('../lib/requests');
const { summarize } = require('../lib/stats');

const SETTINGS = { quick: { warmup: 2, runs: 7, requests: 4 }, full: { warmup: 3, runs: 25, requests: 4 } };

/** The pipeline stages in order; WAL append is wall time (it waits for fsync), the rest is CPU-bound. */
const STAGES = ['decode', 'normalize', 'cost', 'classify', 'protect', 'rows', 'ledger', 'walAppend'];
const REFERENCES = ['protobufjs', 'hash', 'seal'];

async function run(ctx) {
  const settings = ctx.full ? SETTINGS.full : SETTINGS.quick;
  const dir = path.join(ctx.workDir, 'stages');
  const pipeline = buildPipeline(dir);
  const { decodeTraceExportProtobuf } = dist('receiver/otlp/decode');
  const { encodeEntry, jsonSection } = dist('store/wal-entry');
  const { makeEntry } = dist('ledger/entry');
  const { WriteAheadLog } = dist('wal/wal');
  const { silentLogger } = dist('telemetry/logger');
  const protect = {
    ...dist('keys/content-hash'),
    ...dist('keys/envelope'),
    ...dist('model/hashed-text'),
    ...dist('model/content'),
  };
  const Reference = exportTraceServiceRequest();
  const requests = loadRequests(settings.requests);
  const spans = requests.reduce((n, r) => n + r.spans, 0);

  require('node:fs').rmSync(path.join(dir, 'wal'), { recursive: true, force: true });
  const { wal } = await WriteAheadLog.open({
    dir: path.join(dir, 'wal'),
    maxBytes: 4 * 1024 ** 3,
    segmentBytes: 64 * 1024 ** 2,
    cacheBytes: 0,
    logger: silentLogger,
  });
  const hashKey = { version: '1', key: crypto.randomBytes(32) };
  const dataKey = crypto.randomBytes(32);

  const timed = async (times, stage, fn) => {
    const t0 = performance.now();
    const result = await fn();
    times[stage] += performance.now() - t0;
    return result;
  };

  let head = { seq: 0, hash: '' };
  const oneRun = async () => {
    const times = Object.fromEntries([...STAGES, ...REFERENCES].map((s) => [s, 0]));
    const contents = [];
    const cpu0 = process.cpuUsage();
    for (const request of requests) {
      const decoded = await timed(times, 'decode', () => decodeTraceExportProtobuf(request.bytes, pipeline.limits));
      const batch = newBatch(decoded.export);
      for (const stage of ['normalize', 'cost', 'classify', 'protect']) {
        if (stage === 'protect')
          contents.push(batch.records.map((r) => ({ recordId: r.record_id, content: { ...r.content } })));
        await timed(times, stage, () => runStage(pipeline, stage, batch));
      }
      const { section, leaves } = await timed(times, 'rows', () => recordsSection(batch.records));
      const sections = [section];
      if (batch.dataKeys.length > 0) sections.unshift(jsonSection('data_keys', batch.dataKeys));
      await timed(times, 'ledger', () => {
        const entry = makeEntry('bench', head, 'records', batch.tenantId, leaves, {});
        head = { seq: entry.seq, hash: entry.hash };
        sections.push(jsonSection('ledger', [entry]));
      });
      await timed(times, 'walAppend', () =>
        wal.append(encodeEntry(sections), batch.records.length + batch.dataKeys.length),
      );
    }
    const cpu = process.cpuUsage(cpu0);
    // References and protect's parts, outside the CPU window.
    for (const request of requests) await timed(times, 'protobufjs', () => Reference.decode(request.bytes));
    for (const list of contents) {
      await timed(times, 'hash', () => {
        for (const { content } of list) {
          if (content.input !== undefined)
            protect.contentHash('hmac-sha256', protect.promptText(content.input), hashKey);
          if (content.output !== undefined)
            protect.contentHash('hmac-sha256', protect.responseText(content.output), hashKey);
        }
      });
      await timed(times, 'seal', () => {
        for (const { recordId, content } of list) {
          const fields = {};
          for (const [field, document] of Object.entries(content))
            if (document !== undefined) fields[field] = protect.documentText(document);
          protect.sealRecord(dataKey, 'bench-key', fields, { tenantId: 'default', recordId });
        }
      });
    }
    const perSpan = Object.fromEntries(Object.entries(times).map(([stage, ms]) => [stage, (ms * 1000) / spans]));
    perSpan.pipelineCpu = (cpu.user + cpu.system) / spans;
    perSpan.pipelineWall = STAGES.reduce((sum, stage) => sum + perSpan[stage], 0);
    perSpan.pipelineWallBeforeWal = perSpan.pipelineWall - perSpan.walAppend;
    return perSpan;
  };

  for (let i = 0; i < settings.warmup; i++) await oneRun();
  const runs = [];
  for (let i = 0; i < settings.runs; i++) {
    runs.push(await oneRun());
    ctx.log(`stages run ${i + 1}/${settings.runs}: decode-to-WAL ${runs[i].pipelineWall.toFixed(1)} µs/span`);
  }
  await wal.close();
  require('node:fs').rmSync(path.join(dir, 'wal'), { recursive: true, force: true });
  const keys = Object.keys(runs[0]);
  return {
    settings,
    spansPerRun: spans,
    stages: Object.fromEntries(keys.map((key) => [key, summarize(runs.map((r) => r[key]))])),
  };
}

module.exports = { id: 'stages', title: 'Stages in-process', run, STAGES };
