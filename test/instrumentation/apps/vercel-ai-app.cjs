'use strict';
// An application using the Vercel AI SDK (`ai` + `@ai-sdk/openai`) with its own telemetry
// (`experimental_telemetry`), exporting with the official OTLP/HTTP exporter to OTLP_ENDPOINT.
// FAKE_URL points at the fake OpenAI server; PROMPTS (JSON) holds each case's user message;
// CANARY goes into the telemetry metadata under a key nobody knows. Prints one JSON line per case.
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { generateText, jsonSchema, streamText, tool } = require('ai');
const { createOpenAI } = require('@ai-sdk/openai');

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'vercel-ai-app' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: process.env.OTLP_ENDPOINT }))],
});
provider.register();

// The Chat Completions API (`openai.chat`): `openai(model)` would use the Responses API.
const model = createOpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1` }).chat('gpt-4o-mini');
const prompts = JSON.parse(process.env.PROMPTS);
const tools = {
  get_weather: tool({
    description: 'Weather for a city',
    inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
  }),
};
const telemetry = (name) => ({
  isEnabled: true,
  functionId: name,
  metadata: { userId: `ai-user-${name}`, sessionId: `ai-session-${name}`, note: process.env.CANARY },
});

const cases = {
  async chat() {
    const result = await generateText({
      model,
      system: 'You are terse.',
      prompt: prompts.chat,
      tools,
      toolChoice: 'none',
      maxRetries: 0,
      experimental_telemetry: telemetry('chat'),
    });
    return { text: result.text };
  },
  async stream() {
    const result = streamText({
      model,
      system: 'You are terse.',
      prompt: prompts.stream,
      maxRetries: 0,
      experimental_telemetry: telemetry('stream'),
    });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    return { text, usage: await result.usage };
  },
  async tool() {
    const result = await generateText({
      model,
      system: 'You are terse.',
      prompt: prompts.tool,
      tools,
      maxRetries: 0,
      experimental_telemetry: telemetry('tool'),
    });
    return { call: result.toolCalls[0]?.toolName, finish: result.finishReason };
  },
};

async function main() {
  for (const [name, fn] of Object.entries(cases)) {
    const value = await fn();
    process.stdout.write(`${JSON.stringify({ case: name, ...value })}\n`);
  }
  await provider.shutdown();
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
