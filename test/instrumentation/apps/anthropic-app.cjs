'use strict';
// An application using @anthropic-ai/sdk (0.x or 1.x). One JSON line per case of what it
// observed; each case runs under withAuditContext({ feature: <case> }). FAKE_URL points at the
// fake Anthropic server.
const sdk = require('@anthropic-ai/sdk');
const { collect, runCases } = require('./shared/app-cases.cjs');

const Anthropic = sdk.Anthropic ?? sdk.default;
const client = new Anthropic({
  apiKey: 'sk-ant-fake',
  baseURL: process.env.FAKE_URL,
  maxRetries: 0,
  defaultHeaders: { 'x-test-run': process.env.RUN_ID ?? '' },
});

const model = 'claude-sonnet-4-6';
const system = [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }];
const hello = [{ role: 'user', content: 'Say hello.' }];
const tools = [
  {
    name: 'get_weather',
    description: 'Weather for a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];

function describeError(err) {
  return { name: err.constructor.name, status: err.status ?? null, type: err.error?.error?.type ?? null };
}

const text = (events) =>
  events
    .filter((e) => e.delta?.type === 'text_delta')
    .map((e) => e.delta.text)
    .join('');

const cases = {
  async messages() {
    const message = await client.messages.create({
      model,
      system,
      messages: hello,
      max_tokens: 64,
      temperature: 0.3,
      top_p: 0.8,
      top_k: 40,
      stop_sequences: ['END'],
    });
    return {
      id: message.id,
      keys: Object.keys(message).sort(),
      text: message.content[0].text,
      stop: message.stop_reason,
      usage: message.usage,
    };
  },
  async 'messages-stream'() {
    const stream = await client.messages.create({
      model,
      system: 'You are terse.',
      messages: hello,
      max_tokens: 64,
      stream: true,
    });
    const events = await collect(stream);
    return {
      ctor: stream.constructor.name,
      tee: typeof stream.tee,
      types: events.map((e) => e.type),
      text: text(events),
    };
  },
  async 'messages-helper'() {
    const stream = client.messages.stream({ model, messages: hello, max_tokens: 64 });
    let deltas = '';
    const seen = [];
    stream.on('text', (delta) => (deltas += delta));
    stream.on('streamEvent', (event) => seen.push(event.type));
    const final = await stream.finalMessage();
    return { deltas, events: seen.length, text: final.content[0].text, usage: final.usage, stop: final.stop_reason };
  },
  async tools() {
    const first = await client.messages.create({
      model,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      max_tokens: 64,
    });
    const use = first.content.find((block) => block.type === 'tool_use');
    const second = await client.messages.create({
      model,
      tools,
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'rainy, 12°C' }] },
      ],
    });
    return { use, stop: first.stop_reason, answer: second.content[0].text };
  },
  async 'tools-stream'() {
    const stream = await client.messages.create({
      model,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      max_tokens: 64,
      stream: true,
    });
    const events = await collect(stream);
    const json = events
      .filter((e) => e.delta?.type === 'input_json_delta')
      .map((e) => e.delta.partial_json)
      .join('');
    return { types: events.map((e) => e.type), json };
  },
  async 'stream-break'() {
    const stream = await client.messages.create({
      model: 'long-stream',
      messages: hello,
      max_tokens: 64,
      stream: true,
    });
    let deltas = 0;
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && ++deltas === 2) break;
    }
    return { deltas };
  },
  async 'stream-abort'() {
    // Aborted while the body is still arriving (see chat-abort in openai-app.cjs).
    const stream = await client.messages.create({
      model: 'long-stream',
      messages: hello,
      max_tokens: 64,
      stream: true,
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    stream.controller.abort();
    while (!(await iterator.next()).done);
    return { aborted: stream.controller.signal.aborted };
  },
  async 'helper-abort'() {
    // messages.stream() aborted before it connects: the SDK's APIUserAbortError, as without the hook.
    const stream = client.messages.stream({ model, messages: hello, max_tokens: 64 });
    stream.abort();
    await stream.finalMessage();
  },
  async beta() {
    const message = await client.beta.messages.create({ model, messages: hello, max_tokens: 64 });
    return { text: message.content[0].text };
  },
  async 'error-404'() {
    await client.messages.create({ model: 'missing-model', messages: hello, max_tokens: 64 });
  },
  async 'error-529'() {
    await client.messages.create({ model: 'overloaded-model', messages: hello, max_tokens: 64, stream: true });
  },
};

async function main() {
  await runCases(cases, describeError);
}

main();
