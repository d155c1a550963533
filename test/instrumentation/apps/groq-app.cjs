'use strict';
// An application using groq-sdk (0.x or 1.x). One JSON line per case; each case runs under
// withAuditContext({ feature: <case> }). FAKE_URL points at the fake Groq server. With ESM=1 it
// loads the SDK with import(), so the ES module build goes through the hook's ESM loader.
const { collect, messages, runCases, tools } = require('./shared/app-cases.cjs');

function describeError(err) {
  return { name: err.constructor.name, status: err.status ?? null };
}

function cases(client) {
  const model = 'llama-3.3-70b-versatile';
  return {
    async chat() {
      const result = await client.chat.completions.create({
        model,
        messages,
        max_tokens: 64,
        temperature: 0.2,
        top_p: 0.9,
        stop: ['END'],
        seed: 7,
      });
      return { id: result.id, text: result.choices[0].message.content, usage: result.usage };
    },
    async 'chat-stream'() {
      const stream = await client.chat.completions.create({ model, messages, stream: true });
      const chunks = await collect(stream);
      return {
        ctor: stream.constructor.name,
        text: chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join(''),
        last: chunks[chunks.length - 1],
      };
    },
    async tools() {
      const question = { role: 'user', content: 'Weather in Paris?' };
      const first = await client.chat.completions.create({ model, messages: [question], tools });
      const call = first.choices[0].message.tool_calls[0];
      const second = await client.chat.completions.create({
        model,
        tools,
        messages: [question, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'rainy, 12°C' }],
      });
      return { call: call.function, answer: second.choices[0].message.content };
    },
    async 'tools-stream'() {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools,
        stream: true,
      });
      const chunks = await collect(stream);
      return { calls: chunks.flatMap((chunk) => chunk.choices[0]?.delta?.tool_calls ?? []) };
    },
    async 'stream-break'() {
      const stream = await client.chat.completions.create({ model: 'long-stream', messages, stream: true });
      let n = 0;
      for await (const _chunk of stream) if (++n === 3) break;
      return { n };
    },
    async 'error-404'() {
      await client.chat.completions.create({ model: 'missing-model', messages });
    },
    async 'error-429'() {
      await client.chat.completions.create({ model: 'limited-model', messages, stream: true });
    },
  };
}

async function main() {
  const sdk = process.env.ESM === '1' ? await import('groq-sdk') : require('groq-sdk');
  const Groq = sdk.Groq ?? sdk.default;
  const client = new Groq({
    apiKey: 'gsk_fake',
    baseURL: process.env.FAKE_URL,
    maxRetries: 0,
    defaultHeaders: { 'x-test-run': process.env.RUN_ID ?? '' },
  });
  await runCases(cases(client), describeError);
}

main();
