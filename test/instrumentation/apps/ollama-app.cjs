'use strict';
// An application using the ollama library. One JSON line per case; each case runs under
// withAuditContext({ feature: <case> }). FAKE_URL points at the fake Ollama server. With ESM=1
// it loads the library with import(), so the ES module build goes through the hook's ESM loader.
const { collect, messages, runCases, tools } = require('./shared/app-cases.cjs');

function describeError(err) {
  return { name: err.constructor.name, status: err.status_code ?? null, message: err.message };
}

function cases(ollama) {
  const model = 'llama3.2';
  return {
    async chat() {
      const response = await ollama.chat({
        model,
        messages,
        think: true,
        options: { num_predict: 64, temperature: 0.2, top_p: 0.9, top_k: 40, stop: ['END'], seed: 7 },
      });
      return { message: response.message, done: response.done_reason, count: response.eval_count };
    },
    async 'chat-stream'() {
      const stream = await ollama.chat({ model, messages, stream: true });
      const parts = await collect(stream);
      return {
        ctor: stream.constructor.name,
        text: parts.map((part) => part.message.content).join(''),
        last: parts[parts.length - 1].done_reason,
      };
    },
    async tools() {
      const question = { role: 'user', content: 'Weather in Paris?' };
      const first = await ollama.chat({ model, messages: [question], tools });
      const call = first.message.tool_calls[0];
      const second = await ollama.chat({
        model,
        tools,
        messages: [question, first.message, { role: 'tool', content: 'rainy, 12°C', tool_name: call.function.name }],
      });
      return { call: call.function, answer: second.message.content };
    },
    async 'tools-stream'() {
      const stream = await ollama.chat({
        model,
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools,
        stream: true,
      });
      const parts = await collect(stream);
      return { calls: parts.flatMap((part) => part.message.tool_calls ?? []) };
    },
    async 'stream-break'() {
      const stream = await ollama.chat({ model: 'long-stream', messages, stream: true });
      let n = 0;
      for await (const _part of stream) if (++n === 2) break;
      return { n };
    },
    async 'error-404'() {
      await ollama.chat({ model: 'missing-model', messages });
    },
    async 'error-404-stream'() {
      await ollama.chat({ model: 'missing-model', messages, stream: true });
    },
  };
}

async function main() {
  const { Ollama } = process.env.ESM === '1' ? await import('ollama') : require('ollama');
  const ollama = new Ollama({ host: process.env.FAKE_URL });
  await runCases(cases(ollama), describeError);
}

main();
