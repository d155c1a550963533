'use strict';
/**
 * Scenario 4, instrumentation overhead: microseconds added to each call of the real `openai`
 * SDK (chat completions) against a local server that answers at once, for
 *   no hook · our hook with content off · our hook with content on ·
 *   @opentelemetry/instrumentation-openai (official, defaults: no content) ·
 *   @traceloop/instrumentation-openai with content off · and with content on (its default).
 * Every variant is `node --require overhead-setup/<variant>.js overhead-app.js`: same process
 * layout, same SDK batching (see overhead-setup/otel-sdk.js), spans exported over OTLP/gRPC to
 * a sink in another process (overhead-services.js), so export costs what it costs but stays
 * off the call path.
 *
 * Rounds run every variant once, in a rotated order, each in a fresh process. Wall clock: the
 * median latency of all of a variant's measured calls; CPU: the median over its batches of the
 * application process's CPU time per call (export included). "Added" is the variant's median
 * minus the no-hook median (spread: the same difference per round, min-max). Per-call medians
 * keep a call that was preempted by other work on the machine from moving the figure.
 */
const path = require('node:path');
const { forkTracked, exited } = require('../lib/children');
const { median, summarize } = require('../lib/stats');

const SETTINGS = {
  quick: { rounds: 4, warmup: 200, batches: 4, callsPerBatch: 150 },
  full: { rounds: 10, warmup: 500, batches: 10, callsPerBatch: 200 },
};

const CONTENT_ENV = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';
const VARIANTS = [
  { id: 'none', label: 'no hook', setup: 'none.js', env: {} },
  { id: 'ai-audit', label: 'ai-audit hook, content off', setup: 'ai-audit.js', env: { [CONTENT_ENV]: 'false' } },
  {
    id: 'ai-audit-hook',
    label: 'ai-audit hook, content off, calls outside withAuditContext',
    setup: 'ai-audit.js',
    env: { [CONTENT_ENV]: 'false', BENCH_AUDIT_CONTEXT: 'false' },
  },
  {
    id: 'ai-audit-content',
    label: 'ai-audit hook, content on (default)',
    setup: 'ai-audit.js',
    env: { [CONTENT_ENV]: 'true' },
  },
  {
    id: 'otel',
    label: '@opentelemetry/instrumentation-openai 0.21 (default: no content)',
    setup: 'otel-openai.js',
    env: {},
  },
  {
    id: 'traceloop',
    label: '@traceloop/instrumentation-openai 0.27, content off',
    setup: 'traceloop-openai.js',
    env: { BENCH_TRACE_CONTENT: 'false' },
  },
  {
    id: 'traceloop-content',
    label: '@traceloop/instrumentation-openai 0.27, content on (default)',
    setup: 'traceloop-openai.js',
    env: { BENCH_TRACE_CONTENT: 'true' },
  },
];

/**
 * Other Node lines services run on (devDependencies `node22`, `node24`): no hook, our hook
 * and the official instrumentation again on each, so the hooks' cost can be read side by side
 * per line. Each variant's "added" is against the no-hook run of its own line.
 */
const OTHER_LINES = ['node22', 'node24'];
const PER_LINE = ['none', 'ai-audit', 'ai-audit-hook', 'otel'];

function allVariants() {
  const machine = VARIANTS.map((variant) => ({ ...variant, base: 'none' }));
  const repo = path.resolve(__dirname, '../..');
  const others = [];
  for (const line of OTHER_LINES) {
    const node = path.join(repo, 'node_modules', line, 'bin', 'node');
    if (!require('node:fs').existsSync(node)) continue;
    const version = require('node:child_process').execFileSync(node, ['--version']).toString().trim();
    if (version.split('.')[0] === process.version.split('.')[0]) continue;
    const major = version.split('.')[0].slice(1);
    for (const id of PER_LINE) {
      const variant = VARIANTS.find((v) => v.id === id);
      others.push({
        ...variant,
        id: `${id}@${major}`,
        label: `${variant.label}, Node ${version}`,
        node,
        base: `none@${major}`,
      });
    }
  }
  return [...machine, ...others];
}

/** The environment of an app: ours, without any OTEL_* setting inherited from the shell. */
function appEnv(variant, otlpEndpoint) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_') && key !== 'NODE_OPTIONS'),
  );
  return { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint, OTEL_SERVICE_NAME: 'bench-app', ...variant.env };
}

function startServices() {
  const child = forkTracked(path.join(__dirname, 'overhead-services.js'), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ask = (cmd) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send({ cmd });
    });
  return new Promise((resolve) =>
    child.once('message', (addresses) =>
      resolve({
        ...addresses,
        reset: () => child.send({ cmd: 'reset' }),
        counts: async () => (await ask('counts')).counts,
        exit: async () => {
          child.send({ cmd: 'exit' });
          await exited(child);
        },
      }),
    ),
  );
}

async function runApp(variant, services, settings) {
  const repo = path.resolve(__dirname, '../..');
  let stderr = '';
  const child = forkTracked(
    path.join(__dirname, 'overhead-app.js'),
    [
      JSON.stringify({
        openaiUrl: services.openaiUrl,
        warmup: settings.warmup,
        batches: settings.batches,
        callsPerBatch: settings.callsPerBatch,
      }),
    ],
    {
      cwd: repo,
      env: appEnv(variant, services.otlpEndpoint),
      execArgv: ['--require', path.join(__dirname, 'overhead-setup', variant.setup)],
      ...(variant.node ? { execPath: variant.node } : {}),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  );
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const message = new Promise((resolve) => child.once('message', resolve));
  const code = await exited(child);
  if (code !== 0) throw new Error(`overhead app (${variant.id}) exited with ${code}: ${stderr}`);
  return message;
}

/** A summary without its samples (tens of thousands of call latencies). */
// eslint-disable-next-line no-unused-vars -- destructured only to leave it out
const withoutValues = ({ values, ...summary }) => summary;

async function run(ctx) {
  const settings = ctx.full ? SETTINGS.full : SETTINGS.quick;
  const variants = allVariants();
  const services = await startServices();
  const measured = Object.fromEntries(variants.map((v) => [v.id, { wall: [], cpu: [], rounds: [] }]));
  const exported = Object.fromEntries(variants.map((v) => [v.id, { calls: 0, spans: 0, spansWithContent: 0 }]));
  try {
    for (let round = 0; round < settings.rounds; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const variant of order) {
        services.reset();
        const { latencyUs, cpuUsPerCall, calls } = await runApp(variant, services, settings);
        const counts = await services.counts();
        const b = measured[variant.id];
        b.wall.push(...latencyUs);
        b.cpu.push(...cpuUsPerCall);
        b.rounds.push({ wall: median(latencyUs), cpu: median(cpuUsPerCall) });
        exported[variant.id].calls += calls;
        exported[variant.id].spans += counts.spans;
        exported[variant.id].spansWithContent += counts.spansWithContent;
      }
      ctx.log(`overhead round ${round + 1}/${settings.rounds} done`);
    }
  } finally {
    await services.exit();
  }
  const results = variants.map((variant) => {
    const b = measured[variant.id];
    const base = measured[variant.base];
    const perRound = (key) => b.rounds.map((r, i) => r[key] - base.rounds[i][key]);
    return {
      id: variant.id,
      base: variant.base,
      label: variant.label,
      wallUs: withoutValues(summarize(b.wall)),
      cpuUs: summarize(b.cpu),
      addedWallUs: median(b.wall) - median(base.wall),
      addedCpuUs: median(b.cpu) - median(base.cpu),
      addedWallPerRound: summarize(perRound('wall')),
      addedCpuPerRound: summarize(perRound('cpu')),
      // Per round (the same order as every other variant's): for paired comparisons, which
      // the machine's drift between rounds does not move as it moves medians over all rounds.
      rounds: b.rounds,
      exported: exported[variant.id],
    };
  });
  return { settings, variants: results };
}

module.exports = { id: 'overhead', title: 'Instrumentation overhead', run, VARIANTS };
