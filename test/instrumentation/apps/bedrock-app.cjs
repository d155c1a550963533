'use strict';
// An application using @aws-sdk/client-bedrock-runtime. One JSON line per case; each case runs
// under withAuditContext({ feature: <case> }). FAKE_URL points at the fake Bedrock Runtime.
const bedrock = require('@aws-sdk/client-bedrock-runtime');
const { runCases } = require('./shared/app-cases.cjs');

const { BedrockRuntimeClient, BedrockRuntime, ConverseCommand, ConverseStreamCommand, InvokeModelCommand } = bedrock;
const config = {
  region: 'us-east-1',
  endpoint: process.env.FAKE_URL,
  credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' },
  maxAttempts: 1,
};
const client = new BedrockRuntimeClient(config);
const modelId = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const hello = [{ role: 'user', content: [{ text: 'Say hello.' }] }];
const toolConfig = {
  tools: [
    {
      toolSpec: {
        name: 'get_weather',
        description: 'Weather for a city',
        inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      },
    },
  ],
};

function describeError(err) {
  return { name: err.name, status: err.$metadata?.httpStatusCode ?? null, message: err.message };
}

async function events(output) {
  const list = [];
  for await (const event of output.stream) list.push(event);
  return list;
}

const text = (list) => list.map((e) => e.contentBlockDelta?.delta?.text ?? '').join('');

const cases = {
  async converse() {
    const output = await client.send(
      new ConverseCommand({
        modelId,
        messages: hello,
        system: [{ text: 'You are terse.' }],
        inferenceConfig: { maxTokens: 100, temperature: 0.5, topP: 0.9, stopSequences: ['END'] },
      }),
    );
    return {
      keys: Object.keys(output).sort(),
      text: output.output.message.content[0].text,
      stop: output.stopReason,
      usage: output.usage,
    };
  },
  async 'converse-stream'() {
    const output = await client.send(new ConverseStreamCommand({ modelId, messages: hello }));
    const list = await events(output);
    return { kinds: list.map((e) => Object.keys(e)[0]), text: text(list), usage: list.at(-1).metadata.usage };
  },
  async 'stream-break'() {
    const output = await client.send(new ConverseStreamCommand({ modelId: 'long-stream', messages: hello }));
    let n = 0;
    for await (const _event of output.stream) if (++n === 3) break;
    return { n };
  },
  async tools() {
    const first = await client.send(
      new ConverseCommand({
        modelId,
        messages: [{ role: 'user', content: [{ text: 'Weather in Paris?' }] }],
        toolConfig,
      }),
    );
    const use = first.output.message.content.find((block) => block.toolUse).toolUse;
    const second = await client.send(
      new ConverseCommand({
        modelId,
        toolConfig,
        messages: [
          { role: 'user', content: [{ text: 'Weather in Paris?' }] },
          first.output.message,
          { role: 'user', content: [{ toolResult: { toolUseId: use.toolUseId, content: [{ text: 'rainy, 12°C' }] } }] },
        ],
      }),
    );
    return { use, stop: first.stopReason, answer: second.output.message.content[0].text };
  },
  async 'tools-stream'() {
    const output = await client.send(
      new ConverseStreamCommand({
        modelId,
        messages: [{ role: 'user', content: [{ text: 'Weather in Paris?' }] }],
        toolConfig,
      }),
    );
    const list = await events(output);
    return {
      input: list.map((e) => e.contentBlockDelta?.delta?.toolUse?.input ?? '').join(''),
      stop: list.find((e) => e.messageStop).messageStop.stopReason,
    };
  },
  async 'invoke-claude'() {
    const body = JSON.stringify({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 80,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Say hello.' }],
    });
    const output = await client.send(
      new InvokeModelCommand({ modelId, body, contentType: 'application/json', accept: 'application/json' }),
    );
    const answer = JSON.parse(Buffer.from(output.body).toString('utf8'));
    return {
      ctor: output.body.constructor.name,
      text: answer.content[0].text,
      asString: output.body.transformToString().length,
    };
  },
  async 'invoke-titan'() {
    const body = new TextEncoder().encode(
      JSON.stringify({ inputText: 'Say hello.', textGenerationConfig: { maxTokenCount: 50, temperature: 0.1 } }),
    );
    const output = await client.send(new InvokeModelCommand({ modelId: 'amazon.titan-text-express-v1', body }));
    return { text: JSON.parse(output.body.transformToString()).results[0].outputText };
  },
  async 'invoke-embed'() {
    const output = await client.send(
      new InvokeModelCommand({
        modelId: 'amazon.titan-embed-text-v2:0',
        body: JSON.stringify({ inputText: 'embed me', dimensions: 4 }),
      }),
    );
    return { dims: JSON.parse(output.body.transformToString()).embedding.length };
  },
  async aggregated() {
    const aggregated = new BedrockRuntime(config);
    try {
      const output = await aggregated.converse({ modelId, messages: hello });
      return { text: output.output.message.content[0].text };
    } finally {
      aggregated.destroy();
    }
  },
  async callback() {
    const output = await new Promise((resolve, reject) => {
      const returned = client.send(new ConverseCommand({ modelId, messages: hello }), (err, data) =>
        err ? reject(err) : resolve(data),
      );
      if (returned !== undefined) reject(new Error('send with a callback returned something'));
    });
    return { text: output.output.message.content[0].text };
  },
  async error() {
    await client.send(new ConverseCommand({ modelId: 'missing-model', messages: hello }));
  },
};

async function main() {
  await runCases(cases, describeError);
  // HTTP/2 sessions stay open until closed: end them so the process exits now.
  client.destroy();
}

main();
