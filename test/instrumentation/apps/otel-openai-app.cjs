'use strict';
// An application traced with the OpenTelemetry contrib instrumentation of the openai SDK
// (`@opentelemetry/instrumentation-openai`), exporting spans with the official OTLP/HTTP
// exporter to OTLP_ENDPOINT (…/v1/traces) and the message content, which this instrumentation
// writes as log events, with the official OTLP logs exporter to OTLP_LOGS_ENDPOINT (…/v1/logs;
// none when unset). LOGS_PROTOCOL picks the logs exporter: http (JSON, the default), proto or
// grpc (then OTLP_LOGS_ENDPOINT is the gRPC address). FAKE_URL points at the fake OpenAI
// server; PROMPTS (JSON) holds each case's user message; CANARY goes into a resource attribute
// nobody knows. Prints one JSON line per case.
const { logs } = require('@opentelemetry/api-logs');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
const { chatCases, runCases } = require('./openai-chat-cases.cjs');

const resource = resourceFromAttributes({ 'service.name': 'otel-openai-app', 'app.unknown_note': process.env.CANARY });
const provider = new NodeTracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: process.env.OTLP_ENDPOINT }))],
});
provider.register();

function logExporter() {
  const url = process.env.OTLP_LOGS_ENDPOINT;
  switch (process.env.LOGS_PROTOCOL ?? 'http') {
    case 'grpc':
      return new (require('@opentelemetry/exporter-logs-otlp-grpc').OTLPLogExporter)({ url });
    case 'proto':
      return new (require('@opentelemetry/exporter-logs-otlp-proto').OTLPLogExporter)({ url });
    default:
      return new (require('@opentelemetry/exporter-logs-otlp-http').OTLPLogExporter)({ url });
  }
}

const loggerProvider = process.env.OTLP_LOGS_ENDPOINT
  ? new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: logExporter() })] })
  : undefined;
if (loggerProvider) logs.setGlobalLoggerProvider(loggerProvider);
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
  await Promise.all([provider.shutdown(), loggerProvider?.shutdown()]);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
