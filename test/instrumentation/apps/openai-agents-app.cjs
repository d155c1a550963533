'use strict';
// An application using the OpenAI Agents SDK (@openai/agents, on its nested openai 7, Node 22+).
// One JSON line per case; each case runs under withAuditContext({ feature: <case> }).
// OPENAI_BASE_URL points the SDK's own client at the fake OpenAI server (Responses API, and Chat
// Completions for one case). With ESM=1 it loads the SDK with import(). The SDK's trace
// processors stay as the SDK sets them (its OpenAI exporter: it skips exports here, having no
// tracing key).
const { runCases } = require('./shared/app-cases.cjs');
const { z } = require('zod');

function describeError(err) {
  return { name: err.constructor.name, status: err.status ?? null };
}

function cases(sdk) {
  const { Agent, OpenAIProvider, Runner, run, tool } = sdk;
  const getWeather = tool({
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => `rainy, 12°C in ${city}`,
  });
  const weather = new Agent({
    name: 'Weather agent',
    instructions: 'You are terse.',
    tools: [getWeather],
    model: 'gpt-4o-mini',
  });
  const billing = new Agent({ name: 'Billing agent', instructions: 'You handle refunds.', model: 'gpt-4o-mini' });
  const triage = new Agent({
    name: 'Triage agent',
    instructions: 'Route the user.',
    handoffs: [billing],
    model: 'gpt-4o-mini',
  });
  const guarded = new Agent({
    name: 'Guarded agent',
    model: 'gpt-4o-mini',
    inputGuardrails: [
      {
        name: 'no_passwords',
        // Blocking: the model is not called when the tripwire triggers.
        runInParallel: false,
        execute: async ({ input }) => ({
          outputInfo: { checked: true },
          tripwireTriggered: JSON.stringify(input).includes('password'),
        }),
      },
    ],
  });
  const limited = new Agent({ name: 'Limited agent', model: 'rate-limited-model' });
  const chatCompletions = new Runner({ modelProvider: new OpenAIProvider({ useResponses: false }) });
  const untraced = new Runner({ tracingDisabled: true });
  return {
    async tool() {
      const result = await run(weather, 'Weather in Paris?');
      return { output: result.finalOutput, agent: result.lastAgent.name };
    },
    async handoff() {
      const result = await run(triage, 'I want a refund.');
      return { output: result.finalOutput, agent: result.lastAgent.name };
    },
    async guardrail() {
      await run(guarded, 'My password is hunter2.');
    },
    async 'error-429'() {
      await run(limited, 'Hello?');
    },
    async stream() {
      const result = await run(weather, 'Weather in Paris?', { stream: true });
      let events = 0;
      for await (const _event of result) events++;
      await result.completed;
      return { output: result.finalOutput, streamed: events > 0 };
    },
    async 'chat-completions'() {
      const result = await chatCompletions.run(weather, 'Weather in Paris?');
      return { output: result.finalOutput };
    },
    async 'tracing-disabled'() {
      const result = await untraced.run(billing, 'Hello?');
      return { output: result.finalOutput };
    },
  };
}

async function main() {
  const sdk = process.env.ESM === '1' ? await import('@openai/agents') : require('@openai/agents');
  // For the model calls only: the tracing exporter reads OPENAI_API_KEY, which is unset.
  sdk.setDefaultOpenAIKey('sk-fake');
  await runCases(cases(sdk), describeError);
}

main();
