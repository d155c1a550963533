#!/usr/bin/env node
'use strict';
/**
 * `npm run bench` (quick, a few minutes) or `npm run bench -- --full`: runs every scenario of
 * bench/scenarios, each in a process of its own, then rewrites BENCHMARKS.md at the repository
 * root from the results (kept in .bench/results-<mode>.json).
 *
 *   --full            the full mode: longer and more runs, 10 million records for the queries
 *   --only a,b        only these scenarios (stages, limits, ingest, profile, overhead, queries, ledger);
 *                     the report then goes to .bench/BENCHMARKS.partial.md, not BENCHMARKS.md
 *   --report-only     re-render BENCHMARKS.md from the last results of this mode, running nothing
 *
 * Requires the compiled collector and instrumentation (`npm install` builds them) and Linux
 * (CPU and memory are read from /proc).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { forkTracked, exited } = require('./lib/children');
const { render } = require('./lib/report');

const REPO = path.resolve(__dirname, '..');

/**
 * `npm run` puts node_modules/.bin first on PATH, and the test suites install other Node
 * versions there (node22, node24) that link a `node`. The benchmarks measure the machine's
 * own Node, the first `node` on PATH outside node_modules, unless BENCH_NODE names another.
 */
function machineNode() {
  if (process.env.BENCH_NODE) return process.env.BENCH_NODE;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || dir.includes('node_modules')) continue;
    const candidate = path.join(dir, 'node');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.realpathSync(candidate);
    } catch {
      // not here
    }
  }
  return process.execPath;
}

const node = machineNode();
if (fs.realpathSync(process.execPath) !== fs.realpathSync(node)) {
  const { status } = require('node:child_process').spawnSync(node, [__filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(status ?? 1);
}
const WORK = path.join(REPO, '.bench', 'work');
const SCENARIOS = ['stages', 'limits', 'ingest', 'profile', 'overhead', 'queries', 'ledger'];

/** A wrong command line: exit code 2, as the ai-audit CLI does. */
const usageError = (message) => Object.assign(new Error(message), { exitCode: 2 });

function parseArgs(argv) {
  const args = { full: false, only: undefined, reportOnly: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--full') args.full = true;
    else if (argv[i] === '--report-only') args.reportOnly = true;
    else if (argv[i] === '--help' || argv[i] === '-h') args.help = true;
    else if (argv[i] === '--only') {
      if (argv[i + 1] === undefined) throw usageError('--only needs a list of scenarios');
      args.only = argv[++i].split(',');
    } else if (argv[i].startsWith('--only=')) args.only = argv[i].slice(7).split(',');
    else throw usageError(`unknown argument ${argv[i]} (see npm run bench -- --help)`);
  }
  for (const id of args.only ?? [])
    if (!SCENARIOS.includes(id)) throw usageError(`unknown scenario ${id} (one of ${SCENARIOS.join(', ')})`);
  return args;
}

function machine() {
  const cpus = os.cpus();
  let kernel = os.release();
  let cpuModel = cpus[0]?.model ?? 'unknown';
  try {
    // The hypervisor often reports a bare "AMD EPYC"; the flags say a little more.
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const mhz = info.match(/^cpu MHz\s*:\s*([\d.]+)/m);
    if (mhz) cpuModel += ` @ ${Math.round(Number(mhz[1]))} MHz`;
  } catch {
    // not Linux: keep os.cpus()
  }
  const version = (pkg) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      return 'not installed';
    }
  };
  return {
    cores: cpus.length,
    cpuModel,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.type()} ${kernel}`,
    chdb: version('chdb'),
    openai: version('openai'),
  };
}

/** Runs one scenario in its own process; resolves with its result (progress goes to stdout). */
async function runScenario(id, ctx) {
  const child = forkTracked(path.join(__dirname, 'lib', 'worker.js'), [id, JSON.stringify(ctx)], { cwd: REPO });
  let outcome;
  child.on('message', (message) => {
    if (message.log) console.log(`  ${message.log}`);
    else outcome = message;
  });
  const code = await exited(child);
  if (!outcome || outcome.error || code !== 0)
    throw new Error(`scenario ${id} failed${outcome?.error ? `:\n${outcome.error}` : ` (exit code ${code})`}`);
  return outcome.result;
}

const USAGE = `usage: npm run bench [-- [--full] [--only <scenarios>] [--report-only]]

Runs the benchmarks and rewrites BENCHMARKS.md (quick mode: a few minutes on 2 cores).
  --full            longer and more runs, 10 million records for the queries (~15 minutes)
  --only a,b        only these scenarios (${SCENARIOS.join(', ')}); report to .bench/BENCHMARKS.partial.md
  --report-only     re-render the report from the last results of this mode, running nothing
  --help            this text`;

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const mode = args.full ? 'full' : 'quick';
  const resultsFile = path.join(REPO, '.bench', `results-${mode}.json`);
  let run;
  if (args.reportOnly) {
    if (!fs.existsSync(resultsFile))
      throw usageError(
        `no results of a ${mode} run in ${path.relative(REPO, resultsFile)} yet: run npm run bench${args.full ? ' -- --full' : ''} first`,
      );
    run = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  } else {
    fs.mkdirSync(WORK, { recursive: true });
    const ids = args.only ?? SCENARIOS;
    run = {
      mode,
      command: `npm run bench${args.full ? ' -- --full' : ''}`,
      startedAt: new Date().toISOString(),
      machine: machine(),
      scenarios: {},
    };
    const started = performance.now();
    for (const id of ids) {
      const load = os.loadavg()[0];
      console.log(`${id}: running (${mode}; load average ${load.toFixed(2)})`);
      const t0 = performance.now();
      const result = await runScenario(id, { full: args.full, workDir: WORK, repo: REPO });
      run.scenarios[id] = {
        ...result,
        seconds: (performance.now() - t0) / 1000,
        loadBefore: load,
        loadAfter: os.loadavg()[0],
        finishedAt: new Date().toISOString(),
      };
      console.log(`${id}: done in ${run.scenarios[id].seconds.toFixed(0)} s`);
    }
    run.seconds = (performance.now() - started) / 1000;
    if (!args.only) fs.writeFileSync(resultsFile, JSON.stringify(run, null, 1));
  }
  const out = args.only ? path.join(REPO, '.bench', 'BENCHMARKS.partial.md') : path.join(REPO, 'BENCHMARKS.md');
  fs.writeFileSync(out, render(run, { findings: readFindings() }));
  console.log(`wrote ${path.relative(REPO, out)}${run.seconds ? ` (${Math.round(run.seconds)} s in all)` : ''}`);
}

/** The hand-written analysis of the profile and what was done about it (bench/findings.md). */
function readFindings() {
  try {
    return fs.readFileSync(path.join(__dirname, 'findings.md'), 'utf8').trim();
  } catch {
    return '';
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(error.exitCode ?? 1);
});
