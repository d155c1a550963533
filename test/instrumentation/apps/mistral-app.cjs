'use strict';
// An application using @mistralai/mistralai (an ES module package; require() loads it on Node
// 20.19 and later). One JSON line per case; each case runs under withAuditContext({ feature:
// <case> }). FAKE_URL points at the fake Mistral server. With ESM=1 it loads the SDK with import().
const { collect, messages, runCases, tools } = require('./shared/app-cases.cjs');

function describeError(err) {
  return { name: err.constructor.name, status: err.statusCode ?? null };
}

function cases(client) {
  const model = 'mistral-small-latest';
  return {
    async chat() {
      const result = await client.chat.complete({
        model,
        messages,
        maxTokens: 64,
        temperature: 0.2,
        topP: 0.9,
        stop: ['END'],
        randomSeed: 7,
      });
      return { id: result.id, text: result.choices[0].message.content, usage: result.usage };
    },
    async 'chat-stream'() {
      const stream = await client.chat.stream({ model, messages });
      const events = await collect(stream);
      return {
        ctor: stream.constructor.name,
        text: events.map((event) => event.data.choices[0]?.delta?.content ?? '').join(''),
        usage: events[events.length - 1].data.usage,
      };
    },
    async tools() {
      const question = { role: 'user', content: 'Weather in Paris?' };
      const first = await client.chat.complete({ model, messages: [question], tools });
      const call = first.choices[0].message.toolCalls[0];
      const second = await client.chat.complete({
        model,
        tools,
        messages: [
          question,
          { role: 'assistant', content: '', toolCalls: [call] },
          { role: 'tool', toolCallId: call.id, name: call.function.name, content: 'rainy, 12°C' },
        ],
      });
      return { call: call.function, answer: second.choices[0].message.content };
    },
    async 'tools-stream'() {
      const stream = await client.chat.stream({
        model,
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools,
      });
      const events = await collect(stream);
      return { calls: events.flatMap((event) => event.data.choices[0]?.delta?.toolCalls ?? []) };
    },
    async 'stream-break'() {
      const stream = await client.chat.stream({ model: 'long-stream', messages });
      let n = 0;
      for await (const _event of stream) if (++n === 3) break;
      return { n };
    },
    async 'error-400'() {
      await client.chat.complete({ model: 'missing-model', messages });
    },
    async 'error-401'() {
      await client.chat.stream({ model: 'unauthorized-model', messages });
    },
  };
}

async function main() {
  const { Mistral } = process.env.ESM === '1' ? await import('@mistralai/mistralai') : require('@mistralai/mistralai');
  const client = new Mistral({
    apiKey: 'fake-key',
    serverURL: process.env.FAKE_URL,
    retryConfig: { strategy: 'none' },
  });
  await runCases(cases(client), describeError);
}

main();
