'use strict';
// A small service for the hook's process-level behaviour (start line, disabled, content capture,
// signals, bursts, metrics). Driven by environment variables:
//   CALLS=n            chat calls to FAKE_URL, one after the other (default 1)
//   BURST=n            n concurrent chat calls answered in-process by a canned fetch (no network)
//   WAIT_FOR_SIGNAL=1  print "ready" after the calls and keep running until a signal arrives
//   APP_HANDLER=SIG    the application handles SIG itself: prints, winds down for 300 ms (like
//                      closing a server), then exits with code 3
const openai = require('openai');
const { withAuditContext } = require('@ai-audit/instrumentation');

const OpenAI = openai.OpenAI;
const messages = [{ role: 'user', content: 'Say hello.' }];

function cannedFetch() {
  const body = JSON.stringify({
    id: 'chatcmpl-burst',
    object: 'chat.completion',
    created: 1735689600,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  });
  return async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

async function main() {
  const calls = Number(process.env.CALLS ?? 1);
  const burst = Number(process.env.BURST ?? 0);
  if (process.env.APP_HANDLER) {
    process.on(process.env.APP_HANDLER, () => {
      process.stdout.write(`app handled ${process.env.APP_HANDLER}\n`);
      setTimeout(() => process.exit(3), 300);
    });
  }
  if (calls > 0 && process.env.FAKE_URL) {
    const client = new OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 });
    for (let i = 0; i < calls; i++) {
      const result = await withAuditContext({ userId: 'user-42', feature: `call-${i}` }, () =>
        client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 20 }),
      );
      process.stdout.write(`${result.choices[0].message.content}\n`);
    }
  }
  if (burst > 0) {
    const client = new OpenAI({
      apiKey: 'sk-fake',
      baseURL: 'http://burst.invalid/v1',
      maxRetries: 0,
      fetch: cannedFetch(),
    });
    const results = await Promise.all(
      Array.from({ length: burst }, () => client.chat.completions.create({ model: 'gpt-4o-mini', messages })),
    );
    process.stdout.write(`burst of ${results.length} answered\n`);
  }
  if (process.env.WAIT_FOR_SIGNAL) {
    setInterval(() => undefined, 60_000);
    process.stdout.write('ready\n');
  }
}

main();
