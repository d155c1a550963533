'use strict';
// An application traced with OpenLIT (`openlit`), which exports with its own OTLP/HTTP exporters
// to OTLP_ENDPOINT (a base URL: it appends /v1/traces, and /v1/logs for its operation-details
// events). FAKE_URL points at the fake OpenAI
// server; PROMPTS (JSON) holds each case's user message; CANARY goes into a custom span attribute
// nobody knows. Prints one JSON line per case.
const { trace } = require('@opentelemetry/api');
const { default: openlit, usingAttributes } = require('openlit');
const openai = require('openai');
const { chatCases, runCases } = require('./openai-chat-cases.cjs');

openlit.init({
  applicationName: 'openlit-app',
  otlpEndpoint: process.env.OTLP_ENDPOINT,
  disableBatch: true,
  disableMetrics: true,
  // Its own price list, else it fetches one from GitHub at start.
  pricingJson: {},
  instrumentations: { openai },
});

const client = new openai.OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 });
const cases = chatCases(client, JSON.parse(process.env.PROMPTS));

async function main() {
  await runCases(cases, (name, fn) =>
    usingAttributes(
      { 'user.id': `lit-user-${name}`, 'session.id': `lit-session-${name}`, 'app.unknown_note': process.env.CANARY },
      fn,
    ),
  );
  // The stream's span ends once the instrumentation's copy of the stream is read to the end.
  await new Promise((resolve) => setTimeout(resolve, 200));
  // OpenLIT has no shutdown of its own: flush the provider it registered.
  await trace.getTracerProvider().getDelegate().forceFlush();
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
