#!/usr/bin/env node
'use strict';
/**
 * Classification A/B: the classify stage's detection at a base revision (A, default HEAD)
 * against the working tree (B), in one process, on the texts the stage scans for the
 * benchmark's spans (bench/spans.js, the four 512-span requests of the stages scenario, each
 * content field's strings joined as the processor joins them). CPU µs per text.
 *
 *   node bench/scenarios/classify-ab.js [--base <revision>] [--rounds <n>] [--texts <file.json>]
 *
 * --texts scans the strings of a JSON array instead (other kinds of content: logs, tables).
 *
 * Both sides are built the same way: collector/src (from `git show <revision>:...` for A, from
 * disk for B) transpiled file by file with TypeScript into .bench/work/classify-ab/{a,b}. Rounds
 * alternate which side runs first; each side's time is process.cpuUsage() around one scan of
 * every text with the shipped default config. Reported: each side's median, and the median of
 * the per-round ratios B/A. Before timing, the findings of both sides are compared on every
 * text: a difference is an error, not a result.
 *
 * Not part of `npm run bench` (no section in BENCHMARKS.md): a tool for changes to
 * processor/classify. Requires the compiled collector (for decoding and normalizing the spans).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');
const { buildPipeline, dist, newBatch, runStage } = require('../lib/pipeline');
const { loadRequests } = require('../lib/requests');
const { fmt, median } = require('../lib/stats');

const REPO = path.resolve(__dirname, '../..');
const WORK = path.join(REPO, '.bench', 'work', 'classify-ab');
const SOURCE = 'collector/src';

function parseArgs(argv) {
  const args = { base: 'HEAD', rounds: 15, warmup: 3, texts: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--base') args.base = argv[++i];
    else if (argv[i] === '--rounds') args.rounds = Number(argv[++i]);
    else if (argv[i] === '--texts') args.texts = argv[++i];
    else
      throw new Error(
        `unknown argument ${argv[i]} (usage: classify-ab.js [--base <revision>] [--rounds <n>] [--texts <file.json>])`,
      );
  }
  if (!args.base || !(args.rounds > 0)) throw new Error('--base needs a revision, --rounds a positive number');
  return args;
}

/** Writes `files` (path under collector/src -> text) into `dir` as CommonJS, ready to require. */
function transpile(files, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [file, text] of files) {
    const out = path.join(dir, file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    if (file.endsWith('.json')) fs.writeFileSync(out, text);
    else
      fs.writeFileSync(
        out,
        ts.transpileModule(text, {
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        }).outputText,
      );
  }
}

const isSource = (file) => (file.endsWith('.ts') && !file.endsWith('.d.ts')) || file.endsWith('.json');

function filesAt(revision) {
  const git = (...args) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
  return git('ls-tree', '-r', '--name-only', revision, SOURCE)
    .split('\n')
    .filter(isSource)
    .map((file) => [path.relative(SOURCE, file), git('show', `${revision}:${file}`)]);
}

function filesOnDisk() {
  const root = path.join(REPO, SOURCE);
  return fs
    .readdirSync(root, { recursive: true })
    .filter(isSource)
    .map((file) => [file, fs.readFileSync(path.join(root, file), 'utf8')]);
}

/** The texts the classify stage scans for the benchmark's requests. */
function classifyTexts() {
  const pipeline = buildPipeline(path.join(WORK, 'pipeline'));
  const { decodeTraceExportProtobuf } = dist('receiver/otlp/decode');
  const { documentStrings } = dist('model/content');
  const { CONTENT_FIELDS } = dist('model/record');
  const texts = [];
  for (const request of loadRequests(4)) {
    const batch = newBatch(decodeTraceExportProtobuf(request.bytes, pipeline.limits).export);
    runStage(pipeline, pipeline.order[0], batch);
    for (const record of batch.records)
      for (const field of CONTENT_FIELDS)
        if (record.content[field] !== undefined) texts.push(documentStrings(record.content[field]).join('\n'));
  }
  return texts;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  transpile(filesAt(args.base), path.join(WORK, 'a'));
  transpile(filesOnDisk(), path.join(WORK, 'b'));
  const sides = ['a', 'b'].map((side) => {
    const { createClassifier, DEFAULT_CLASSIFY_CONFIG } = require(path.join(WORK, side, 'processor/classify'));
    return { side, classifier: createClassifier(DEFAULT_CLASSIFY_CONFIG), times: [] };
  });
  const texts = args.texts ? JSON.parse(fs.readFileSync(args.texts, 'utf8')) : classifyTexts();
  const chars = texts.reduce((n, t) => n + t.length, 0);
  console.log(
    `${texts.length} texts, ${fmt(chars / texts.length)} characters on average; A = ${args.base}, B = working tree`,
  );

  let findings = 0;
  for (const text of texts) {
    const [a, b] = sides.map(({ classifier }) => JSON.stringify(classifier.scan(text)));
    if (a !== b) throw new Error(`A and B differ on a text of ${text.length} characters: ${a} against ${b}`);
    findings += JSON.parse(a).length;
  }
  console.log(`same findings on every text (${findings} in all)`);

  const timeOnce = ({ classifier }) => {
    const cpu0 = process.cpuUsage();
    for (const text of texts) classifier.scan(text);
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / texts.length;
  };
  const ratios = [];
  for (let round = -args.warmup; round < args.rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    const perText = Object.fromEntries(order.map((side) => [side.side, timeOnce(side)]));
    if (round < 0) continue;
    for (const side of sides) side.times.push(perText[side.side]);
    ratios.push(perText.b / perText.a);
  }
  for (const { side, times } of sides)
    console.log(
      `${side.toUpperCase()}: ${fmt(median(times))} µs CPU per text (${fmt(Math.min(...times))}–${fmt(Math.max(...times))})`,
    );
  console.log(
    `B/A: ${median(ratios).toFixed(3)} (median of ${ratios.length} rounds; ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`,
  );
}

try {
  main();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
