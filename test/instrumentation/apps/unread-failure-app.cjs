'use strict';
// An LLM call whose promise nobody reads, and which fails: Node's unhandled-rejection handling
// must see it exactly as without the hook (here: the process dies with the SDK's error).
const { OpenAI } = require('openai');

const client = new OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 });
client.chat.completions.create({ model: 'missing-model', messages: [{ role: 'user', content: 'Say hello.' }] });
setTimeout(() => process.stdout.write('still running\n'), 2000);
