'use strict';
// An application traced with Arize's OpenInference instrumentation of the openai SDK, exporting
// with the official OTLP/gRPC exporter to OTLP_ENDPOINT. FAKE_URL points at the fake OpenAI
// server; PROMPTS (JSON) holds each case's user message; CANARY goes into an attribute under a
// key nobody knows. Prints one JSON line per case.
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { context } = require('@opentelemetry/api');
const { setAttributes, setMetadata, setSession, setUser } = require('@arizeai/openinference-core');
const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'openinference-app' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: process.env.OTLP_ENDPOINT }))],
});
provider.register();
const instrumentation = new OpenAIInstrumentation({ tracerProvider: provider });
// The instrumentation loads openai itself, before any hook could see it: patch it directly.
const openai = require('openai');
instrumentation.manuallyInstrument(openai);

const client = new openai.OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 });
const prompts = JSON.parse(process.env.PROMPTS);
const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
const messages = (text) => [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: text },
];

const cases = {
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

async function main() {
  for (const [name, fn] of Object.entries(cases)) {
    let ctx = setUser(context.active(), { userId: `oi-user-${name}` });
    ctx = setSession(ctx, { sessionId: `oi-session-${name}` });
    ctx = setMetadata(ctx, { ticket: name });
    ctx = setAttributes(ctx, { 'app.unknown_note': process.env.CANARY });
    const value = await context.with(ctx, fn);
    process.stdout.write(`${JSON.stringify({ case: name, ...value })}\n`);
  }
  // The stream's span ends once the instrumentation's copy of the stream is read to the end.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await provider.shutdown();
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
