'use strict';
/**
 * A small service that answers questions through OpenAI, with one audit context per request.
 *
 *   OPENAI_API_KEY=sk-... node --require @ai-audit/instrumentation/register instrumentation/examples/ask-service.js
 *   curl -s localhost:8080/ask -H 'x-user-id: alice' -d '{"question":"What is an audit trail?"}'
 *
 * Environment: OPENAI_API_KEY, OPENAI_BASE_URL (any OpenAI-compatible server), MODEL
 * (default gpt-4o-mini), PORT (default 8080; 0 picks a free one).
 */
const http = require('node:http');
const { OpenAI } = require('openai');
const { flush, withAuditContext } = require('@ai-audit/instrumentation');

const client = new OpenAI();
const model = process.env.MODEL || 'gpt-4o-mini';

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      try {
        resolve(body ? JSON.parse(body) : {});
      } catch (err) {
        reject(err);
      }
    });
  });
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/ask') return reply(res, 404, { error: 'POST /ask' });
  try {
    const { question } = await readJson(req);
    // Everything the LLM call records is attributed to this request's caller.
    const audit = {
      userId: req.headers['x-user-id'],
      sessionId: req.headers['x-session-id'],
      tenantId: req.headers['x-tenant-id'],
      feature: 'ask',
    };
    const completion = await withAuditContext(audit, () =>
      client.chat.completions.create({
        model,
        messages: [
          { role: 'system', content: 'Answer in one short sentence.' },
          { role: 'user', content: String(question ?? '') },
        ],
      }),
    );
    reply(res, 200, { answer: completion.choices[0].message.content });
  } catch (err) {
    reply(res, 502, { error: err.message });
  }
});

server.listen(Number(process.env.PORT ?? 8080), () => {
  process.stdout.write(`ask-service listening on port ${server.address().port}\n`);
});

// Graceful shutdown. process.exit() ends the process at once, so let the hook send the spans of
// the last answers first.
process.on('SIGTERM', () => server.close(() => flush().then(() => process.exit(0))));
