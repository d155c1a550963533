'use strict';
// An application traced with OpenLLMetry (`@traceloop/node-server-sdk`), which exports with its
// own OTLP/HTTP (protobuf) exporter to OTLP_ENDPOINT (a base URL: it appends /v1/traces).
// FAKE_URL points at the fake OpenAI server; PROMPTS (JSON) holds each case's user message;
// CANARY goes into an association property nobody knows. Prints one JSON line per case.
const traceloop = require('@traceloop/node-server-sdk');
const openai = require('openai');
const { chatCases, runCases } = require('./openai-chat-cases.cjs');

traceloop.initialize({
  appName: 'openllmetry-app',
  baseUrl: process.env.OTLP_ENDPOINT,
  // No API key for a custom endpoint; without headers the SDK would send "Bearer undefined".
  headers: {},
  disableBatch: true,
  silenceInitializationMessage: true,
  traceloopSyncEnabled: false,
  instrumentModules: { openAI: openai.OpenAI },
});

const client = new openai.OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 });
const cases = chatCases(client, JSON.parse(process.env.PROMPTS));

async function main() {
  await runCases(cases, (name, fn) =>
    traceloop.withAssociationProperties(
      { user_id: `ll-user-${name}`, session_id: `ll-session-${name}`, note: process.env.CANARY },
      fn,
    ),
  );
  await traceloop.forceFlush();
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
