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
const { chatCases, runCases } = require('./openai-chat-cases.cjs');

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
const cases = chatCases(client, JSON.parse(process.env.PROMPTS));

async function main() {
  await runCases(cases, (name, fn) => {
    let ctx = setUser(context.active(), { userId: `oi-user-${name}` });
    ctx = setSession(ctx, { sessionId: `oi-session-${name}` });
    ctx = setMetadata(ctx, { ticket: name });
    ctx = setAttributes(ctx, { 'app.unknown_note': process.env.CANARY });
    return context.with(ctx, fn);
  });
  // The stream's span ends once the instrumentation's copy of the stream is read to the end.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await provider.shutdown();
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
