'use strict';
// The three Chat Completions calls the third-party instrumentation apps make with the openai
// SDK, against the fake OpenAI server: a chat with a tool definition it must not call, a stream
// with usage, and a call answered with a tool call. `prompts` holds each case's user message.
const { tools } = require('./shared/app-cases.cjs');

const messages = (text) => [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: text },
];

/** The cases by name, each an async function returning what the app prints for it. */
function chatCases(client, prompts) {
  return {
    async chat() {
      const result = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: messages(prompts.chat),
        tools,
        tool_choice: 'none',
      });
      return { text: result.choices[0].message.content };
    },
    async stream() {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: messages(prompts.stream),
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      return { text };
    },
    async tool() {
      const result = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: messages(prompts.tool),
        tools,
      });
      return { call: result.choices[0].message.tool_calls[0].function.name };
    },
  };
}

/** Runs each case in turn inside `within(name, fn)` and prints one JSON line per case. */
async function runCases(cases, within = (name, fn) => fn()) {
  for (const [name, fn] of Object.entries(cases)) {
    const value = await within(name, fn);
    process.stdout.write(`${JSON.stringify({ case: name, ...value })}\n`);
  }
}

module.exports = { chatCases, runCases };
