'use strict';
/**
 * The application of the overhead scenario: the real `openai` SDK calling a local server that
 * answers at once, one chat completion after another (a ~2 KB conversation with system prompt
 * and three tools, as bench/spans.js makes them). It runs as
 * `node --require overhead-setup/<variant>.js overhead-app.js`, so every variant has the same
 * process layout; the setup decides what instruments the SDK (or nothing does).
 *
 * Settings come in argv[2] (JSON): { openaiUrl, warmup, batches, callsPerBatch }. After the
 * warm-up calls it measures `batches` batches of `callsPerBatch` sequential calls and reports
 * the wall-clock latency of every call (µs) and, per batch, the CPU time of this process per
 * call (process.cpuUsage: the calls and whatever ran between them, span export included),
 * then flushes the spans so all of them reach the sink.
 */
const OpenAI = require('openai').OpenAI;
const { rng, conversation, SYSTEM, TOOLS } = require('../spans');

const { openaiUrl, warmup, batches, callsPerBatch } = JSON.parse(process.argv[2]);

const client = new OpenAI({ apiKey: 'sk-bench-not-a-key', baseURL: openaiUrl, maxRetries: 0 });
const messages = [{ role: 'system', content: SYSTEM[0] }, ...conversation(rng(42))];
const tools = TOOLS.map(({ name, description, parameters }) => ({
  type: 'function',
  function: { name, description, parameters },
}));

const call = () =>
  globalThis.benchRun(() =>
    client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools, temperature: 0.2, max_tokens: 1024 }),
  );

async function main() {
  for (let i = 0; i < warmup; i++) await call();
  const latencyUs = [];
  const cpuUsPerCall = [];
  for (let b = 0; b < batches; b++) {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < callsPerBatch; i++) {
      const t0 = process.hrtime.bigint();
      await call();
      latencyUs.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    const cpu = process.cpuUsage(cpu0);
    cpuUsPerCall.push((cpu.user + cpu.system) / callsPerBatch);
  }
  await globalThis.benchFlush();
  process.send({ latencyUs, cpuUsPerCall, calls: warmup + batches * callsPerBatch }, () => process.exit(0));
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
