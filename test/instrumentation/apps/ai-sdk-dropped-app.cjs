'use strict';
// An AI SDK agent stream the application never reads (run with --expose-gc): streamText with
// tools, its result dropped, garbage collected, then the process ends. The agent step never
// reaches the SDK's end-of-run callbacks; its span must end anyway.
const { withAuditContext } = require('@ai-audit/instrumentation');
const { streamText, tool } = require('ai');
const { createOpenAI } = require('@ai-sdk/openai');
const { z } = require('zod');

const model = createOpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1` }).chat('gpt-4o-mini');
const tools = {
  get_weather: tool({
    description: 'Weather for a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, forecast: 'rainy' }),
  }),
};

async function main() {
  withAuditContext({ feature: 'dropped' }, () => {
    streamText({ model, tools, prompt: 'Weather in Paris?' });
  });
  for (let i = 0; i < 5; i++) {
    global.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  process.stdout.write('dropped\n');
}

main();
