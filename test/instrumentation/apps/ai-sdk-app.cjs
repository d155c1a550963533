'use strict';
// An application using the Vercel AI SDK (`ai` 6 or 5) with @ai-sdk/openai (Chat Completions)
// and, on `ai` 6, @ai-sdk/anthropic, against the fake servers at FAKE_URL. One JSON line per
// case; each case runs under withAuditContext({ feature: <case> }). With ESM=1 the SDK is
// loaded with import(). The `openai-package` case is a model built on the `openai` package (as
// community providers are), so both libraries the hook patches take part in one model call.
const { runCases } = require('./shared/app-cases.cjs');
const { z } = require('zod');

const FAKE = `${process.env.FAKE_URL}/v1`;
const WEATHER = { forecast: 'rainy', celsius: 12 };

class WeatherUnavailable extends Error {}

async function load() {
  const esm = process.env.ESM === '1';
  const get = (name) => (esm ? import(name) : Promise.resolve(require(name)));
  const [ai, { createOpenAI }] = await Promise.all([get('ai'), get('@ai-sdk/openai')]);
  const v6 = typeof ai.Output?.object === 'function' && typeof ai.ToolLoopAgent === 'function';
  const anthropic = v6 ? (await get('@ai-sdk/anthropic')).createAnthropic : undefined;
  return { ai, createOpenAI, anthropic };
}

function describeError(err) {
  return { name: err.name, status: err.statusCode ?? null };
}

/** A LanguageModelV2 whose requests go through the `openai` package. */
function openaiPackageModel(OpenAI) {
  const client = new OpenAI({ apiKey: 'sk-fake', baseURL: FAKE, maxRetries: 0 });
  return {
    client,
    model: {
      specificationVersion: 'v2',
      provider: 'openai.chat',
      modelId: 'gpt-4o-mini',
      supportedUrls: {},
      async doGenerate(options) {
        const messages = options.prompt.map((message) => ({
          role: message.role,
          content:
            typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join(''),
        }));
        const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
        const choice = completion.choices[0];
        return {
          content: [{ type: 'text', text: choice.message.content }],
          finishReason: 'stop',
          usage: {
            inputTokens: completion.usage.prompt_tokens,
            outputTokens: completion.usage.completion_tokens,
            totalTokens: completion.usage.total_tokens,
          },
          response: { id: completion.id, modelId: completion.model },
          warnings: [],
        };
      },
      async doStream() {
        throw new Error('not used');
      },
    },
  };
}

function cases({ ai, createOpenAI, anthropic }) {
  const { generateText, streamText, generateObject, streamObject, embed, embedMany, tool, stepCountIs } = ai;
  const openai = createOpenAI({ apiKey: 'sk-fake', baseURL: FAKE });
  const model = openai.chat('gpt-4o-mini');
  const tools = {
    get_weather: tool({
      description: 'Weather for a city',
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => ({ city, ...WEATHER }),
    }),
  };
  const schema = z.object({ city: z.string(), forecast: z.string() });

  const list = {
    async chat() {
      const result = await generateText({
        model,
        system: 'You are terse.',
        prompt: 'Say hello.',
        maxOutputTokens: 64,
        temperature: 0.2,
        topP: 0.9,
        stopSequences: ['END'],
        seed: 7,
        maxRetries: 0,
      });
      return { text: result.text, usage: result.usage.inputTokens, finish: result.finishReason };
    },
    async stream() {
      const result = streamText({ model, system: 'You are terse.', prompt: 'Say hello.', maxRetries: 0 });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      return { text, usage: (await result.usage).outputTokens };
    },
    async 'stream-break'() {
      const result = streamText({ model: openai.chat('long-stream'), prompt: 'Say hello.', maxRetries: 0 });
      let n = 0;
      for await (const _delta of result.textStream) if (++n === 3) break;
      return { n };
    },
    async 'stream-abort'() {
      const controller = new AbortController();
      const result = streamText({
        model: openai.chat('long-stream'),
        prompt: 'Weather in Paris?',
        tools,
        toolChoice: 'none',
        abortSignal: controller.signal,
        maxRetries: 0,
      });
      let n = 0;
      for await (const _delta of result.textStream) if (++n === 3) controller.abort();
      return { n: n >= 3 };
    },
    async tools() {
      const result = await generateText({
        model,
        prompt: 'Weather in Paris?',
        tools,
        stopWhen: stepCountIs(3),
        maxRetries: 0,
        experimental_telemetry: { isEnabled: false, functionId: 'weather-agent' },
      });
      return { steps: result.steps.length, text: result.text, output: result.steps[0].toolResults[0]?.output };
    },
    async 'tool-error'() {
      const failing = tool({
        description: 'Weather for a city',
        inputSchema: z.object({ city: z.string() }),
        execute: async () => {
          throw new WeatherUnavailable('no weather today');
        },
      });
      const result = await generateText({
        model,
        prompt: 'Weather in Paris?',
        tools: { get_weather: failing },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      return {
        steps: result.steps.length,
        error: result.steps[0].content.find((part) => part.type === 'tool-error')?.error.message,
      };
    },
    async 'tools-stream'() {
      const result = streamText({ model, prompt: 'Weather in Paris?', tools, stopWhen: stepCountIs(3), maxRetries: 0 });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      return { steps: (await result.steps).length, text };
    },
    async object() {
      const result = await generateObject({ model, schema, prompt: 'Weather in Paris as JSON.', maxRetries: 0 });
      return { object: result.object };
    },
    async 'object-stream'() {
      const result = streamObject({ model, schema, prompt: 'Weather in Paris as JSON.', maxRetries: 0 });
      let partials = 0;
      for await (const _partial of result.partialObjectStream) partials += 1;
      return { object: await result.object, streamed: partials > 0 };
    },
    async embed() {
      const result = await embed({
        model: openai.embedding('text-embedding-3-small'),
        value: 'sunny day',
        maxRetries: 0,
      });
      return { dimensions: result.embedding.length };
    },
    async 'embed-many'() {
      const result = await embedMany({
        model: openai.embedding('text-embedding-3-small'),
        values: ['sunny day', 'rainy day'],
        maxRetries: 0,
      });
      return { count: result.embeddings.length };
    },
    async error() {
      await generateText({ model: openai.chat('missing-model'), prompt: 'Say hello.', maxRetries: 0 });
    },
    async 'error-stream'() {
      const result = streamText({
        model: openai.chat('missing-model'),
        prompt: 'Weather in Paris?',
        tools,
        maxRetries: 0,
        onError: () => {},
      });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      return { text };
    },
    async telemetry() {
      const result = await generateText({
        model,
        prompt: 'Say hello.',
        tools,
        stopWhen: stepCountIs(3),
        maxRetries: 0,
        experimental_telemetry: { isEnabled: true, functionId: 'sdk-telemetry' },
      });
      return { text: result.text };
    },
    async 'openai-package'() {
      const { client, model: custom } = openaiPackageModel(require('openai'));
      const result = await generateText({ model: custom, prompt: 'Say hello.', maxRetries: 0 });
      // Outside the AI SDK the same client is recorded by the openai instrumentation.
      const direct = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Say hello.' }],
      });
      return { text: result.text, direct: direct.choices[0].message.content };
    },
  };
  if (ai.ToolLoopAgent && anthropic) {
    // ai 6's agent class: its generate and stream call the SDK's own generateText/streamText.
    const agent = new ai.ToolLoopAgent({
      id: 'weather-agent',
      model,
      instructions: 'You are terse.',
      tools,
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    list.agent = async () => {
      const result = await agent.generate({ prompt: 'Weather in Paris?' });
      return { steps: result.steps.length, text: result.text };
    };
    list['agent-stream'] = async () => {
      const result = await agent.stream({ prompt: 'Weather in Paris?' });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      return { steps: (await result.steps).length, text };
    };
    list['agent-no-tools'] = async () => {
      const result = await new ai.ToolLoopAgent({ model, maxRetries: 0 }).generate({ prompt: 'Say hello.' });
      return { text: result.text };
    };
    // One agent serving two requests at once: each run its own agent span and children.
    list['agent-concurrent'] = async () => {
      const results = await Promise.all([
        agent.generate({ prompt: 'Weather in Paris?' }),
        agent.generate({ prompt: 'Weather in Paris?' }),
      ]);
      return { steps: results.map((result) => result.steps.length) };
    };
  }
  if (anthropic) {
    const claude = anthropic({ apiKey: 'sk-ant-fake', baseURL: FAKE })('claude-sonnet-4-6');
    list.anthropic = async () => {
      const result = await generateText({
        model: claude,
        system: 'You are terse.',
        prompt: 'Say hello.',
        maxRetries: 0,
      });
      return { text: result.text, usage: result.usage.inputTokens };
    };
  }
  return list;
}

async function main() {
  const list = cases(await load());
  await runCases(list, describeError);
}

main();
