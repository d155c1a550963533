'use strict';
/**
 * Scenario 1, end-to-end ingest: a separate sender process (ingest-sender.js) replays
 * pre-encoded 512-span requests at full speed into a real collector (`ai-audit start`) with
 * the whole pipeline on: decode, normalize, cost, classify, protect (keyed hashes, AES-GCM
 * sealing), write-ahead log with fsync, batch writer, embedded ClickHouse.
 *
 * One run = send for N seconds, then wait until the collector's write-ahead log is empty
 * (every acknowledged record confirmed by the store). Per run we report:
 *  - spans/s stored: spans / (send window + time to store the backlog), what the box sustains;
 *  - spans/s acknowledged: spans / send window, what senders see;
 *  - collector CPU µs per span over the whole run, from /proc (all threads), and split into
 *    the main JavaScript thread, Node's helper threads and the embedded store's threads;
 *  - export latency p50/p99 as the sender measured it.
 * Runs follow each other on one collector (after a warm-up run); each protocol gets a fresh
 * collector and data directory. Bytes per record come from system.parts at the end.
 */
const fs = require('node:fs');
const path = require('node:path');
const { Collector, sql } = require('../lib/collector');
const { forkTracked, exited } = require('../lib/children');
const { cpuSnapshot, cpuBetween, memory } = require('../lib/proc');
const { quantile, summarize } = require('../lib/stats');

const SETTINGS = {
  quick: { warmupSeconds: 2, seconds: 5, runs: 3 },
  full: { warmupSeconds: 5, seconds: 20, runs: 5 },
};
const CONCURRENCY = 4;
const TEMPLATES = 4;

/** Starts the sender and wraps its IPC protocol in a promise per run. */
async function startSender(protocol, endpoint) {
  const child = forkTracked(path.join(__dirname, 'ingest-sender.js'), [
    JSON.stringify({ protocol, endpoint, concurrency: CONCURRENCY, templates: TEMPLATES }),
  ]);
  const next = () => new Promise((resolve) => child.once('message', resolve));
  await next(); // { ready: true }
  return {
    run: (seconds) => {
      const answer = next();
      child.send({ cmd: 'run', seconds });
      return answer;
    },
    exit: async () => {
      child.send({ cmd: 'exit' });
      await exited(child);
    },
  };
}

/** One measured run: send, then wait for the store; CPU over both. */
async function measuredRun(collector, sender, seconds) {
  const before = cpuSnapshot(collector.pid);
  const sent = await sender.run(seconds);
  const acked = performance.now();
  await collector.drained();
  const after = cpuSnapshot(collector.pid);
  const cpu = cpuBetween(before, after);
  return {
    spans: sent.spans,
    refused: sent.refused,
    failed: sent.failed,
    ackedPerSecond: sent.spans / (sent.elapsedMs / 1000),
    storedPerSecond: sent.spans / (cpu.wallMs / 1000),
    drainMs: after.at - acked,
    cpuMicrosPerSpan: cpu.total / sent.spans,
    mainMicrosPerSpan: cpu.main / sent.spans,
    helpersMicrosPerSpan: cpu.helpers / sent.spans,
    storeMicrosPerSpan: cpu.store / sent.spans,
    cpuCores: cpu.total / 1000 / cpu.wallMs,
    latencyP50Ms: quantile(sent.latenciesMs, 0.5),
    latencyP99Ms: quantile(sent.latenciesMs, 0.99),
  };
}

/** Bytes on disk per stored record (active parts) and how they split between sealed content and the rest. */
async function storage(configPath) {
  const [row] = await sql(
    configPath,
    `SELECT
       (SELECT count() FROM ai_audit.records) AS count,
       sum(rows) AS rows, sum(bytes_on_disk) AS disk, sum(data_uncompressed_bytes) AS uncompressed, count() AS parts,
       (SELECT sumIf(data_compressed_bytes, name LIKE '%_sealed') / sum(data_compressed_bytes) FROM system.columns
         WHERE database = 'ai_audit' AND table = 'records') AS sealed_share
     FROM system.parts WHERE database = 'ai_audit' AND table = 'records' AND active`,
  );
  const rows = Number(row.rows);
  return {
    rows,
    count: Number(row.count),
    parts: Number(row.parts),
    bytesOnDiskPerRecord: Number(row.disk) / rows,
    uncompressedPerRecord: Number(row.uncompressed) / rows,
    sealedShare: Number(row.sealed_share),
  };
}

/**
 * The Node lines the collector runs on: this process's (the machine's, Node 20 here) and the
 * current LTS from the `node24` devDependency, so both can be read side by side.
 */
function nodeLines() {
  const lines = [{ node: process.execPath, version: process.version }];
  const node24 = path.resolve(__dirname, '../../node_modules/node24/bin/node');
  if (fs.existsSync(node24) && !process.version.startsWith('v24.')) {
    const version = require('node:child_process').execFileSync(node24, ['--version']).toString().trim();
    lines.push({ node: node24, version });
  }
  return lines;
}

async function runProtocol(protocol, line, settings, ctx) {
  const label = `${protocol} on Node ${line.version}`;
  const collector = await Collector.start(path.join(ctx.workDir, `ingest-${protocol}`), { node: line.node });
  let sender;
  try {
    sender = await startSender(protocol, protocol === 'grpc' ? collector.grpcEndpoint : collector.httpEndpoint);
    ctx.log(`ingest ${label}: warm-up ${settings.warmupSeconds} s`);
    let sentSpans = (await sender.run(settings.warmupSeconds)).spans;
    await collector.drained();
    const runs = [];
    for (let i = 0; i < settings.runs; i++) {
      const run = await measuredRun(collector, sender, settings.seconds);
      sentSpans += run.spans;
      ctx.log(
        `ingest ${label} run ${i + 1}/${settings.runs}: ${Math.round(run.storedPerSecond)} spans/s stored, ${run.cpuMicrosPerSpan.toFixed(1)} µs CPU/span`,
      );
      runs.push(run);
    }
    const { peakRss } = memory(collector.pid);
    await sender.exit();
    sender = undefined;
    await collector.stop();
    const stored = await storage(collector.configPath);
    if (stored.count !== sentSpans)
      throw new Error(`ingest ${label}: ${sentSpans} spans acknowledged but ${stored.count} records stored`);
    fs.rmSync(collector.dir, { recursive: true, force: true });
    const metric = (key) => summarize(runs.map((run) => run[key]));
    return {
      protocol,
      node: line.version,
      runs,
      storedPerSecond: metric('storedPerSecond'),
      ackedPerSecond: metric('ackedPerSecond'),
      cpuMicrosPerSpan: metric('cpuMicrosPerSpan'),
      mainMicrosPerSpan: metric('mainMicrosPerSpan'),
      helpersMicrosPerSpan: metric('helpersMicrosPerSpan'),
      storeMicrosPerSpan: metric('storeMicrosPerSpan'),
      cpuCores: metric('cpuCores'),
      latencyP50Ms: metric('latencyP50Ms'),
      latencyP99Ms: metric('latencyP99Ms'),
      drainMs: metric('drainMs'),
      refused: runs.reduce((n, run) => n + run.refused, 0),
      failed: runs.reduce((n, run) => n + run.failed, 0),
      peakRss,
      storage: stored,
    };
  } finally {
    if (sender) await sender.exit();
    await collector.stop();
  }
}

async function run(ctx) {
  const settings = ctx.full ? SETTINGS.full : SETTINGS.quick;
  const protocols = [];
  for (const line of nodeLines())
    for (const protocol of ['http', 'grpc']) protocols.push(await runProtocol(protocol, line, settings, ctx));
  return { settings, concurrency: CONCURRENCY, spansPerRequest: 512, protocols };
}

module.exports = { id: 'ingest', title: 'End-to-end ingest', run, startSender };
