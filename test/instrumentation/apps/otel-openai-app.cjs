'use strict';
// An application traced with the OpenTelemetry contrib instrumentation of the openai SDK
// (`@opentelemetry/instrumentation-openai`), exporting spans with the official OTLP/HTTP
// exporter to OTLP_ENDPOINT. The instrumentation writes message content as log events, not
// span attributes: none are exported here (the collector has no logs receiver). FAKE_URL points
// at the fake OpenAI server; PROMPTS (JSON) holds each case's user message; CANARY goes into a
// resource attribute nobody knows. Prints one JSON line per case.
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
const { chatCases, runCases } = require('./openai-chat-cases.cjs');

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'otel-openai-app', 'app.unknown_note': process.env.CANARY }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: process.env.OTLP_ENDPOINT }))],
});
provider.register();
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [new OpenAIInstrumentation({ captureMessageContent: true })],
});
// Required after the instrumentation is registered, so its require hook patches it.
const openai = require('openai');

const client = new openai.OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 });
const cases = chatCases(client, JSON.parse(process.env.PROMPTS));

async function main() {
  await runCases(cases);
  // The stream's span ends once the instrumentation's copy of the stream is read to the end.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await provider.shutdown();
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
