'use strict';
// Streams the application never reads (run with --expose-gc): one is dropped and collected, the
// other is still held when the process ends. Their spans must end anyway.
const { OpenAI } = require('openai');
const { withAuditContext } = require('@ai-audit/instrumentation');

const client = new OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 });
const stream = () =>
  client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello.' }],
    stream: true,
  });

let held;

async function main() {
  await withAuditContext({ feature: 'dropped' }, async () => {
    await stream();
  });
  held = await withAuditContext({ feature: 'held' }, stream);
  for (let i = 0; i < 5; i++) {
    global.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  process.stdout.write(`holding a ${held.constructor.name}\n`);
}

main();
