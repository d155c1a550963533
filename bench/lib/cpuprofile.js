'use strict';
/**
 * Reading a V8 .cpuprofile (what `node --cpu-prof` writes): self time per function, and the
 * share of samples that fall in each stage of the collector.
 *
 * A sample belongs to a stage by its stack: the outermost frame that lies in one of the
 * pipeline stages (decode, normalize, ..., WAL) names it, so work a stage delegates (crypto in
 * protect, JSON.parse in the hash of protect) is charged to that stage; anything under the
 * batch writer is the store's (it reads the WAL back and inserts). Samples with no stage
 * frame go to the innermost frame that names something else (the HTTP/gRPC transport, the
 * store client, ...), else to V8's own entries ((garbage collector), (idle), (program)).
 */

/** Pipeline stages by the path of the compiled module (collector/dist/...). */
const STAGES = [
  ['decode (OTLP protobuf)', /\/receiver\/otlp\/decode\//],
  ['normalize', /\/processor\/normalize\//],
  ['cost', /\/processor\/cost\//],
  ['classify (detectors)', /\/processor\/classify\//],
  ['protect (hash, seal)', /\/processor\/protect\/|\/keys\//],
  ['rows (RowBinary, ledger digests)', /\/store\/row-binary\.js|\/store\/wal-entry\.js/],
  ['ledger (entries, signing)', /\/ledger\//],
  ['WAL (frame, write, fsync)', /\/wal\//],
];

/** Everything else, matched on the innermost frame that names one. */
const OTHERS = [
  ['store insert (writer, client, chDB)', /\/store\/|\/exporter\/clickhouse\/|@clickhouse\/client|\/chdb\//],
  [
    'HTTP/gRPC transport and body',
    /@grpc\/grpc-js|node:_http|node:http|node:net|node:stream|node:internal\/streams|node:internal\/http2|node:zlib|\/receiver\//,
  ],
  ['logging, metrics, health', /\/telemetry\/|\/service\/metrics-server|\/extension\//],
];

function load(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  return { byId, parent };
}

/** Milliseconds per sampled node id (timeDeltas[i] is the time before sample i). */
function timePerNode(profile) {
  const time = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return time;
}

function label(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  const file = url.includes('/dist/')
    ? url.slice(url.indexOf('/dist/') + 6)
    : url.includes('node_modules/')
      ? url.slice(url.lastIndexOf('node_modules/') + 13)
      : url;
  return `${frame.functionName || '(anonymous)'}${file ? ` (${file}:${frame.lineNumber + 1})` : ''}`;
}

/**
 * { totalMs, idleMs, top: [{ name, ms, share }], stages: [{ stage, ms, share }] }, shares of
 * the busy (non-idle) time.
 */
function analyze(profile, topN = 12) {
  const { byId, parent } = load(profile);
  const time = timePerNode(profile);
  let totalMs = 0;
  let idleMs = 0;
  const self = new Map();
  const stages = new Map();
  for (const [id, ms] of time) {
    totalMs += ms;
    const node = byId.get(id);
    const name = node.callFrame.functionName;
    if (name === '(idle)') {
      idleMs += ms;
      continue;
    }
    // Native code without a name of its own (the C++ behind Buffer.from, ...) is named by its caller.
    const caller = parent.has(id) ? byId.get(parent.get(id)) : undefined;
    const key =
      !node.callFrame.functionName && !node.callFrame.url && caller
        ? `(native) in ${label(caller.callFrame)}`
        : label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + ms);
    stages.set(stageOf(id, byId, parent), (stages.get(stageOf(id, byId, parent)) ?? 0) + ms);
  }
  const busy = totalMs - idleMs;
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
  return {
    totalMs,
    idleMs,
    busyMs: busy,
    top: sorted(self)
      .slice(0, topN)
      .map(([name, ms]) => ({ name, ms, share: ms / busy })),
    stages: sorted(stages).map(([stage, ms]) => ({ stage, ms, share: ms / busy })),
  };
}

/** The batch writer's stacks (reading the WAL back, inserting, confirming) are the store's. */
const WRITER = /\/store\/writer\.js/;

function stageOf(id, byId, parent) {
  let outermostStage;
  let innermostOther;
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const url = byId.get(at).callFrame.url;
    if (!url) continue;
    if (WRITER.test(url)) return OTHERS[0][0];
    const stage = STAGES.find(([, re]) => re.test(url));
    if (stage) outermostStage = stage[0];
    if (!innermostOther) innermostOther = OTHERS.find(([, re]) => re.test(url))?.[0];
  }
  if (outermostStage) return outermostStage;
  if (innermostOther) return innermostOther;
  const name = byId.get(id).callFrame.functionName;
  if (name === '(garbage collector)') return 'garbage collection (main thread)';
  if (name === '(program)') return 'V8/native outside JavaScript ((program))';
  return 'other JavaScript';
}

module.exports = { analyze };
