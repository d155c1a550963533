'use strict';
// What the provider test apps share. Each app is a list of cases against one SDK; `runCases` runs
// them in order, each under withAuditContext with the audit context the tests expect (AUDIT in
// helpers/spans.ts) and `feature: <case>`, and prints one JSON line per case: what the case
// returned, or its error as the app's `describeError` sees it. Tests compare those lines between
// runs with and without the hook. (runApp copies this directory next to an app run from a sandbox.)
// The hook's package is loaded only by runCases, so apps of other instrumentations can take the
// shapes below without loading it.

/** A system and a user message, in the Chat Completions shape several SDKs share. */
const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Say hello.' },
];

/** One function tool, in the Chat Completions shape. */
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

/** Everything a stream yields, in order. */
async function collect(stream) {
  const items = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** Runs `cases` ({ name: async () => value }) one by one; one JSON line each on stdout. */
async function runCases(cases, describeError) {
  const { withAuditContext } = require('@ai-audit/instrumentation');
  for (const [name, fn] of Object.entries(cases)) {
    const audit = {
      userId: 'user-42',
      sessionId: 'session-7',
      conversationId: 'conversation-9',
      tenantId: 'acme',
      feature: name,
    };
    try {
      const value = await withAuditContext(audit, fn);
      process.stdout.write(`${JSON.stringify({ case: name, ...value })}\n`);
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ case: name, error: describeError(err) })}\n`);
    }
  }
}

module.exports = { collect, messages, runCases, tools };
