'use strict';
// An application using cohere-ai's v2 client. One JSON line per case; each case runs under
// withAuditContext({ feature: <case> }). FAKE_URL points at the fake Cohere server. With ESM=1
// it loads the library with import().
const { collect, messages, runCases, tools } = require('./shared/app-cases.cjs');

function describeError(err) {
  return { name: err.constructor.name, status: err.statusCode ?? null };
}

function cases(cohere) {
  const model = 'command-a-03-2025';
  return {
    async chat() {
      const response = await cohere.chat({
        model,
        messages,
        maxTokens: 64,
        temperature: 0.2,
        p: 0.9,
        k: 40,
        stopSequences: ['END'],
        seed: 7,
      });
      return { id: response.id, message: response.message, usage: response.usage };
    },
    async 'chat-stream'() {
      const stream = await cohere.chatStream({ model, messages });
      const events = await collect(stream);
      return {
        types: events.map((event) => event.type),
        text: events.map((event) => event.delta?.message?.content?.text ?? '').join(''),
      };
    },
    async tools() {
      const question = { role: 'user', content: 'Weather in Paris?' };
      const first = await cohere.chat({ model, messages: [question], tools });
      const call = first.message.toolCalls[0];
      const second = await cohere.chat({
        model,
        tools,
        messages: [
          question,
          { role: 'assistant', toolPlan: first.message.toolPlan, toolCalls: first.message.toolCalls },
          { role: 'tool', toolCallId: call.id, content: 'rainy, 12°C' },
        ],
      });
      return { call: call.function, answer: second.message.content };
    },
    async 'tools-stream'() {
      const stream = await cohere.chatStream({
        model,
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools,
      });
      const events = await collect(stream);
      return { types: events.map((event) => event.type) };
    },
    async 'stream-break'() {
      const stream = await cohere.chatStream({ model: 'long-stream', messages });
      let n = 0;
      for await (const _event of stream) if (++n === 4) break;
      return { n };
    },
    async 'error-404'() {
      await cohere.chat({ model: 'missing-model', messages });
    },
    async 'error-429'() {
      await cohere.chatStream({ model: 'limited-model', messages });
    },
  };
}

async function main() {
  const { CohereClientV2 } = process.env.ESM === '1' ? await import('cohere-ai') : require('cohere-ai');
  const cohere = new CohereClientV2({ token: 'fake-key', environment: process.env.FAKE_URL, maxRetries: 0 });
  await runCases(cases(cohere), describeError);
}

main();
