'use strict';
/**
 * Scenario 5, queries: the four questions of issue 6 on synthetic records in the embedded
 * store, through the collector's own Store client (what `ai-audit sql` and the admin commands
 * use), in `ai_audit.records` as the collector's migrations create it.
 *
 * The records are made by ClickHouse itself (INSERT ... SELECT FROM numbers(N)): one tenant,
 * 10,000 users, three models, 10% of records with a violation, 1% errors, spread evenly over
 * the last 100 days and inserted in time order (as they arrive in production, so each day's
 * partition ends up in few parts). Content columns hold 64 random base64 characters each for
 * input and output (the queries never read content; real sealed content is ~7 KB a record, see
 * scenario 1 for its size). Every value derives from the row number, so the data is the same
 * on every run but for where "now" is.
 *
 * Quick mode uses 1 million records instead of 10 million, and says so in the report.
 */
const path = require('node:path');
const { buildPipeline, openStore } = require('../lib/pipeline');
const { summarize } = require('../lib/stats');

const SETTINGS = {
  quick: { records: 1_000_000, runs: 7 },
  full: { records: 10_000_000, runs: 15 },
};
const DAYS = 100;
const USERS = 10_000;

/** The synthetic records, N of them, in time order over the last DAYS days. */
function generateSql(records) {
  const step = (DAYS * 86400) / records;
  const h = (salt) => `sipHash64(number, ${salt})`;
  const model = `${h(3)} % 10`;
  return `
INSERT INTO ai_audit.records
  (timestamp, tenant_id, record_id, trace_id, span_id, parent_span_id, span_name, scope_name, scope_version,
   service_name, service_version, environment, user_id, session_id, conversation_id, feature, operation, provider,
   request_model, response_model, response_id, server_address, input_tokens, output_tokens, cache_read_tokens,
   cost_usd, latency_ms, streaming, status, error_type, finish_reasons, violations, prompt_hash, response_hash,
   content_key_id, content_sealed, attributes, resource)
SELECT
  toDateTime64(toUnixTimestamp(now()) - ${DAYS * 86400} + number * ${step}, 9) AS ts,
  'default',
  reinterpretAsUUID(sipHash128(number)),
  lower(hex(sipHash128(number, 1))),
  lower(hex(${h(2)})),
  '',
  concat('chat ', req_model),
  '@ai-audit/instrumentation', '0.1.0', 'support-assistant', '2.14.1', 'production',
  concat('user-', leftPad(toString(${h(4)} % ${USERS}), 5, '0')),
  concat('sess-', lower(hex(intDiv(number, 20)))),
  concat('conv_', lower(hex(intDiv(number, 5)))),
  ['order-help', 'refunds', 'search', 'escalation'][1 + number % 4],
  'chat',
  if(${model} < 8, 'openai', 'anthropic'),
  multiIf(${model} < 5, 'gpt-4o-mini', ${model} < 8, 'gpt-4o', 'claude-sonnet-4-5') AS req_model,
  multiIf(${model} < 5, 'gpt-4o-mini-2024-07-18', ${model} < 8, 'gpt-4o-2024-08-06', 'claude-sonnet-4-5-20250929'),
  concat('chatcmpl-', lower(hex(${h(5)}))),
  if(${model} < 8, 'api.openai.com', 'api.anthropic.com'),
  450 + ${h(6)} % 250 AS input,
  180 + ${h(7)} % 140 AS output,
  if(${h(8)} % 5 < 2, 256, 0),
  toDecimal64((input * multiIf(${model} < 5, 0.15, ${model} < 8, 2.5, 3.0) + output * multiIf(${model} < 5, 0.6, ${model} < 8, 10.0, 15.0)) / 1000000, 9),
  400 + ${h(9)} % 3600,
  ${h(10)} % 3 = 0,
  if(${h(11)} % 100 = 0, 'error', 'ok'),
  if(${h(11)} % 100 = 0, 'RateLimitError', ''),
  ['stop'],
  multiIf(${h(12)} % 100 < 5, ['pii:email'], ${h(12)} % 100 < 8, ['pii:phone'], ${h(12)} % 100 < 9, ['prompt_injection'], ${h(12)} % 100 < 10, ['pii:email', 'secret:aws_access_key'], []),
  concat('hmac-sha256:v1:', lower(hex(sipHash128(number, 13))), lower(hex(sipHash128(number, 14)))),
  concat('hmac-sha256:v1:', lower(hex(sipHash128(number, 15))), lower(hex(sipHash128(number, 16)))),
  concat('dek-', lower(hex(${h(4)} % ${USERS}))),
  randomString(72),
  map('gen_ai.request.max_tokens', '1024', 'gen_ai.request.temperature', '0.2', 'server.port', '443'),
  map('host.name', 'support-assistant-7c9f5d8b6-x2k4q', 'telemetry.sdk.version', '2.12.0')
FROM numbers(${records})`;
}

/** The four questions, exactly as reported. */
const QUERIES = [
  {
    id: 'user30d',
    title: "One user's records in the last 30 days",
    sql: `SELECT timestamp, record_id, operation, request_model, input_tokens, output_tokens, cost_usd, status, violations
FROM ai_audit.records
WHERE tenant_id = 'default' AND user_id = {user:String} AND timestamp >= now() - INTERVAL 30 DAY
ORDER BY timestamp DESC`,
  },
  {
    id: 'costByModel',
    title: 'Cost by model per day, 90 days',
    sql: `SELECT toDate(timestamp) AS day, request_model, count() AS calls, sum(cost_usd) AS cost_usd
FROM ai_audit.records
WHERE tenant_id = 'default' AND toDate(timestamp) >= today() - 89
GROUP BY day, request_model
ORDER BY day, request_model`,
  },
  {
    id: 'violations7d',
    title: 'Records with violations in the last 7 days (newest 1,000)',
    sql: `SELECT timestamp, record_id, user_id, request_model, violations
FROM ai_audit.records
WHERE tenant_id = 'default' AND timestamp >= now() - INTERVAL 7 DAY AND notEmpty(violations)
ORDER BY timestamp DESC
LIMIT 1000`,
  },
  {
    id: 'byId',
    title: 'One record by id',
    sql: 'SELECT * FROM ai_audit.records WHERE record_id = {id:UUID}',
  },
];

async function run(ctx) {
  const settings = ctx.full ? SETTINGS.full : SETTINGS.quick;
  const dir = path.join(ctx.workDir, 'queries');
  require('node:fs').rmSync(dir, { recursive: true, force: true });
  const pipeline = buildPipeline(dir);
  const store = await openStore(dir, pipeline);
  try {
    ctx.log(`queries: generating ${settings.records.toLocaleString('en-US')} records`);
    const t0 = performance.now();
    await store.command(generateSql(settings.records));
    const generateSeconds = (performance.now() - t0) / 1000;
    const [table] = await store.queryRows(
      "SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes, count() AS parts FROM system.parts WHERE database = 'ai_audit' AND table = 'records' AND active",
    );
    // A record from the middle of the table, and a user with records in the last 30 days.
    const [{ id }] = await store.queryRows(
      `SELECT toString(reinterpretAsUUID(sipHash128(toUInt64(${Math.floor(settings.records / 2)})))) AS id`,
    );
    const params = { user: 'user-00042', id };
    const results = [];
    for (const query of QUERIES) {
      const rows = (await store.queryRows(query.sql, params)).length; // warm-up, and the result size
      const ms = [];
      for (let i = 0; i < settings.runs; i++) {
        const start = performance.now();
        await store.queryRows(query.sql, params);
        ms.push(performance.now() - start);
      }
      results.push({ id: query.id, title: query.title, sql: query.sql, rows, ms: summarize(ms) });
      ctx.log(`queries: ${query.title}: ${summarize(ms).median.toFixed(1)} ms`);
    }
    return {
      settings,
      days: DAYS,
      users: USERS,
      generateSeconds,
      table: { rows: Number(table.rows), bytes: Number(table.bytes), parts: Number(table.parts) },
      params,
      queries: results,
    };
  } finally {
    await store.close();
    require('node:fs').rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { id: 'queries', title: 'Queries', run, generateSql };
