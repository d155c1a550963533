'use strict';
/**
 * Where the time goes: the ingest run of scenario 1 (OTLP/HTTP, same sender, same collector
 * configuration) with the collector under `node --cpu-prof`. The profile covers the main
 * JavaScript thread only (V8 samples that thread); the embedded store's own threads show up in
 * scenario 1's CPU split instead. The profile is kept (the store is removed) in
 * .bench/work/profile/cpuprofile/ for a closer look in Chrome DevTools or speedscope.
 */
const fs = require('node:fs');
const path = require('node:path');
const { Collector } = require('../lib/collector');
const { analyze } = require('../lib/cpuprofile');
const { startSender } = require('./ingest');

const SETTINGS = { quick: { warmupSeconds: 2, seconds: 8 }, full: { warmupSeconds: 5, seconds: 20 } };

async function run(ctx) {
  const settings = ctx.full ? SETTINGS.full : SETTINGS.quick;
  const dir = path.join(ctx.workDir, 'profile');
  const profiles = path.join(dir, 'cpuprofile');
  const collector = await Collector.start(dir, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] });
  let spans;
  try {
    const sender = await startSender('http', collector.httpEndpoint);
    await sender.run(settings.warmupSeconds);
    ctx.log(`profile: ${settings.seconds} s of OTLP/HTTP ingest under --cpu-prof`);
    spans = (await sender.run(settings.seconds)).spans;
    await collector.drained();
    await sender.exit();
  } finally {
    await collector.stop(); // the profile is written as the process exits
  }
  const file = fs.readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('the collector wrote no CPU profile');
  const analysis = analyze(JSON.parse(fs.readFileSync(path.join(profiles, file), 'utf8')));
  fs.rmSync(path.join(dir, 'data'), { recursive: true, force: true }); // the store; the profile stays
  return { settings, spans, file: path.relative(ctx.repo, path.join(profiles, file)), ...analysis };
}

module.exports = { id: 'profile', title: 'Where the time goes', run };
