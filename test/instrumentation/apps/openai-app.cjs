'use strict';
// An application using the openai SDK (any major from 4 to 7) the way services do. It prints one
// JSON line per case: what the application observed. Tests run it with and without the hook and
// compare the lines; each case runs under withAuditContext({ feature: <case> }) so its span can
// be found. FAKE_URL points at the fake OpenAI server.
const openai = require('openai');
const { collect, messages, runCases, tools } = require('./shared/app-cases.cjs');

const OpenAI = openai.OpenAI ?? openai.default ?? openai;
const { AzureOpenAI } = openai;
const base = process.env.FAKE_URL;
// x-test-run tells the fake server which run (with or without the hook) sent a request.
const defaultHeaders = { 'x-test-run': process.env.RUN_ID ?? '' };
const client = new OpenAI({ apiKey: 'sk-fake', baseURL: `${base}/v1`, maxRetries: 0, defaultHeaders });

function describeError(err) {
  return { name: err.constructor.name, status: err.status, code: err.code ?? null, message: err.message };
}

function chatText(chunks) {
  return chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join('');
}

function keysOf(chunks) {
  return [...new Set(chunks.flatMap((chunk) => Object.keys(chunk)))].sort();
}

const cases = {
  async chat() {
    const result = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      temperature: 0.2,
      max_tokens: 50,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
    });
    return {
      ctor: result.constructor.name,
      keys: Object.keys(result).sort(),
      text: result.choices[0].message.content,
      finish: result.choices[0].finish_reason,
      usage: result.usage,
    };
  },
  async 'chat-with-response'() {
    const { data, response, request_id } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages })
      .withResponse();
    return { id: data.id, status: response.status, request_id };
  },
  async 'chat-stream'() {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    const chunks = await collect(stream);
    return {
      ctor: stream.constructor.name,
      tee: typeof stream.tee,
      chunks: chunks.length,
      keys: keysOf(chunks),
      text: chatText(chunks),
      finish: chunks.at(-1).choices[0]?.finish_reason,
    };
  },
  async 'chat-stream-usage'() {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    return {
      chunks: chunks.length,
      keys: keysOf(chunks),
      lastChoices: chunks.at(-1).choices.length,
      usage: chunks.at(-1).usage,
    };
  },
  async 'chat-stream-tee'() {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    const [left, right] = stream.tee();
    const a = await collect(left);
    const b = await collect(right);
    return { left: chatText(a), right: chatText(b), sizes: [a.length, b.length] };
  },
  async 'chat-tools'() {
    const first = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
    });
    const call = first.choices[0].message.tool_calls[0];
    const second = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0].message,
        { role: 'tool', tool_call_id: call.id, content: 'rainy, 12°C' },
      ],
    });
    return {
      call: { id: call.id, name: call.function.name, arguments: call.function.arguments },
      finish: first.choices[0].finish_reason,
      answer: second.choices[0].message.content,
    };
  },
  async 'chat-tools-stream'() {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      stream: true,
    });
    const chunks = await collect(stream);
    const args = chunks.map((chunk) => chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '').join('');
    return { chunks: chunks.length, keys: keysOf(chunks), args, finish: chunks.at(-1).choices[0]?.finish_reason };
  },
  async 'chat-break'() {
    const stream = await client.chat.completions.create({ model: 'long-stream', messages, stream: true });
    let received = 0;
    for await (const chunk of stream) {
      received += chunk.choices.length;
      if (received === 3) break;
    }
    return { received };
  },
  async 'chat-abort'() {
    // Aborted while the body is still arriving. (Aborting after the whole body arrived can leave
    // the SDK's last read pending forever, with or without the hook: Node then exits mid-run.)
    const stream = await client.chat.completions.create({ model: 'long-stream', messages, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    stream.controller.abort();
    while (!(await iterator.next()).done);
    return { aborted: stream.controller.signal.aborted };
  },
  async 'chat-stream-helper'() {
    // The helper moved from beta.chat.completions (v4) to chat.completions (v5+).
    const helper =
      typeof client.chat.completions.stream === 'function' ? client.chat.completions : client.beta.chat.completions;
    const runner = helper.stream({ model: 'gpt-4o-mini', messages });
    let deltas = '';
    runner.on('content', (delta) => (deltas += delta));
    const final = await runner.finalChatCompletion();
    return { deltas, text: final.choices[0].message.content };
  },
  async 'chat-parse'() {
    // parse() reads create()'s promise through the SDK's own _thenUnwrap.
    const completions =
      typeof client.chat.completions.parse === 'function' ? client.chat.completions : client.beta.chat.completions;
    const result = await completions.parse({ model: 'gpt-4o-mini', messages });
    return { text: result.choices[0].message.content, parsed: result.choices[0].message.parsed ?? null };
  },
  async responses() {
    const result = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'Say hello.',
      instructions: 'Be terse.',
      max_output_tokens: 40,
    });
    return { id: result.id, status: result.status, text: result.output[0].content[0].text, usage: result.usage };
  },
  async 'responses-stream'() {
    const stream = await client.responses.create({
      model: 'gpt-4o-mini',
      input: [{ role: 'user', content: 'Say hello.' }],
      stream: true,
    });
    const events = await collect(stream);
    return {
      ctor: stream.constructor.name,
      types: events.map((event) => event.type),
      text: events
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join(''),
    };
  },
  async embeddings() {
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['first text', 'second text'],
    });
    return {
      n: result.data.length,
      dims: result.data[0].embedding.length,
      first: result.data[0].embedding.slice(0, 3),
      model: result.model,
      usage: result.usage,
    };
  },
  async 'error-404'() {
    await client.chat.completions.create({ model: 'missing-model', messages });
  },
  async 'error-500'() {
    await client.chat.completions.create({ model: 'overloaded-model', messages, stream: true });
  },
  async azure() {
    const azure = new AzureOpenAI({
      endpoint: base,
      apiKey: 'azure-key',
      apiVersion: '2024-10-21',
      deployment: 'gpt-4o-mini',
      maxRetries: 0,
      defaultHeaders,
    });
    const result = await azure.chat.completions.create({ model: 'gpt-4o-mini', messages });
    return { text: result.choices[0].message.content };
  },
};

async function main() {
  await runCases(cases, describeError);
}

main();
