'use strict';
// A service that already carries the user in a header (AI_AUDIT_USER_HEADER=x-user-id). It
// answers three requests, each making an LLM call, then closes: /plain (no context of its own),
// /nested (withAuditContext sets only the feature), /override (withAuditContext sets the user).
const http = require('node:http');
const { OpenAI } = require('openai');
const { withAuditContext } = require('@ai-audit/instrumentation');

const client = new OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 });
const ask = () =>
  client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] });

let answered = 0;
const server = http.createServer(async (req, res) => {
  const route = {
    '/plain': () => ask(),
    '/nested': () => withAuditContext({ feature: 'nested' }, ask),
    '/override': () => withAuditContext({ userId: 'bob', feature: 'override' }, ask),
  }[req.url];
  const result = await route();
  res.end(result.choices[0].message.content);
  if (++answered === 3) server.close();
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
