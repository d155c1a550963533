import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Attributes } from '@opentelemetry/api';
import {
  bindParams,
  CatalogError,
  findQuery,
  loadCatalog,
  parseQueryFile,
  UnknownQueryError,
} from '../../collector/src/query/catalog';
import { collectorConfig, CollectorProcess, eventually, REPO, runCli } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

/**
 * The named audit queries (collector/schemas/queries) against a known data set: spans of two tenants
 * (two bearer tokens), three services, priced and unpriced models, errors, streaming with a
 * time to first token, tool calls, agent runs, e-mail addresses in prompts (pii:email), a
 * decrypt and an erasure, sent through a real collector. Every query's numbers are checked
 * against totals computed here from the same data set; then `ai-audit query` itself: --list,
 * parameter errors, formats, the guard, and the same answers with the collector stopped.
 */

const sha256 = (token: string): string => createHash('sha256').update(token).digest('hex');
const TOKENS = { acme: 'acme-token-5d8e1f', globex: 'globex-token-2c7a90' };
/** USD per 1M tokens, set in the config so costs are simple to check; model-x has no price. */
const PRICES: Record<string, { input: number; output: number }> = {
  'model-a': { input: 1, output: 2 },
  'model-b': { input: 3, output: 5 },
};
const MODEL_CALL_OPS = ['chat'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The period the checks ask about: two whole UTC days, ending at the last midnight. */
const D0 = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
const FROM = new Date(D0).toISOString();
const TO = new Date(D0 + 2 * DAY).toISOString();
const PERIOD = ['--param', `from=${FROM}`, '--param', `to=${TO}`];

interface Call {
  tenant: 'acme' | 'globex';
  service: string;
  op: 'chat' | 'execute_tool' | 'invoke_agent';
  at: number;
  ms: number;
  user: string;
  model?: string;
  provider?: string;
  feature?: string;
  input?: number;
  output?: number;
  ttft?: number;
  error?: boolean;
  prompt?: string;
  tool?: string;
  agent?: string;
}

const chat = (c: Omit<Call, 'op'>): Call => ({ op: 'chat', prompt: 'What is my balance?', ...c });
const CALLS: Call[] = [
  chat({
    tenant: 'acme',
    service: 'checkout',
    at: D0,
    ms: 1000,
    user: 'alice',
    model: 'model-a',
    provider: 'openai',
    feature: 'ask',
    input: 100,
    output: 50,
    ttft: 0.2,
  }),
  chat({
    tenant: 'acme',
    service: 'checkout',
    at: D0 + 2 * HOUR,
    ms: 2000,
    user: 'alice',
    model: 'model-a',
    provider: 'openai',
    feature: 'ask',
    input: 200,
    output: 100,
    ttft: 0.4,
    prompt: 'Mail alice@example.com the invoice',
  }),
  chat({
    tenant: 'acme',
    service: 'checkout',
    at: D0 + 3 * HOUR,
    ms: 3000,
    user: 'bob',
    model: 'model-b',
    provider: 'anthropic',
    feature: 'summarize',
    input: 300,
    output: 30,
    error: true,
  }),
  chat({
    tenant: 'acme',
    service: 'billing',
    at: D0 + DAY + HOUR,
    ms: 4000,
    user: 'bob',
    model: 'model-a',
    provider: 'openai',
    feature: 'ask',
    input: 400,
    output: 40,
    ttft: 0.25,
  }),
  { tenant: 'acme', service: 'checkout', op: 'execute_tool', at: D0 + HOUR, ms: 50, user: 'alice', tool: 'lookup' },
  {
    tenant: 'acme',
    service: 'checkout',
    op: 'execute_tool',
    at: D0 + DAY + 2 * HOUR,
    ms: 150,
    user: 'alice',
    tool: 'lookup',
    error: true,
  },
  {
    tenant: 'acme',
    service: 'billing',
    op: 'execute_tool',
    at: D0 + DAY + 3 * HOUR,
    ms: 70,
    user: 'bob',
    tool: 'search',
  },
  {
    tenant: 'acme',
    service: 'checkout',
    op: 'invoke_agent',
    at: D0 + 4 * HOUR,
    ms: 5000,
    user: 'alice',
    agent: 'planner',
  },
  {
    tenant: 'acme',
    service: 'checkout',
    op: 'invoke_agent',
    at: D0 + DAY + 4 * HOUR,
    ms: 7000,
    user: 'bob',
    agent: 'planner',
    error: true,
  },
  chat({
    tenant: 'globex',
    service: 'support',
    at: D0 + 5 * HOUR,
    ms: 500,
    user: 'carol',
    model: 'model-x',
    provider: 'openai',
    feature: 'triage',
    input: 1000,
    output: 500,
    prompt: 'Customer carol@globex.example is angry',
  }),
  chat({
    tenant: 'globex',
    service: 'support',
    at: D0 + DAY + 2 * HOUR,
    ms: 600,
    user: 'carol',
    model: 'model-b',
    provider: 'anthropic',
    feature: 'triage',
    input: 10,
    output: 20,
    ttft: 0.1,
    prompt: 'Reply to ops@globex.example',
  }),
  // Outside the period: before `from`, and exactly at `to` (exclusive).
  chat({
    tenant: 'acme',
    service: 'checkout',
    at: D0 - HOUR,
    ms: 100,
    user: 'dave',
    model: 'model-a',
    provider: 'openai',
    feature: 'ask',
    input: 7,
    output: 7,
  }),
  chat({
    tenant: 'acme',
    service: 'checkout',
    at: D0 + 2 * DAY,
    ms: 100,
    user: 'erin',
    model: 'model-a',
    provider: 'openai',
    feature: 'ask',
    input: 9,
    output: 9,
  }),
  // The user erased at the end, also outside the period.
  chat({
    tenant: 'acme',
    service: 'checkout',
    at: D0 - 2 * HOUR,
    ms: 100,
    user: 'mallory',
    model: 'model-a',
    provider: 'openai',
    feature: 'ask',
    input: 1,
    output: 1,
  }),
];

function attributesOf(call: Call): Attributes {
  const a: Attributes = { 'gen_ai.operation.name': call.op, 'user.id': call.user };
  if (call.op === 'chat') {
    Object.assign(a, {
      'gen_ai.provider.name': call.provider,
      'gen_ai.request.model': call.model,
      'gen_ai.usage.input_tokens': call.input,
      'gen_ai.usage.output_tokens': call.output,
      'ai_audit.feature': call.feature,
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: call.prompt }] }]),
    });
    if (call.ttft !== undefined)
      Object.assign(a, { 'gen_ai.request.stream': true, 'gen_ai.response.time_to_first_chunk': call.ttft });
  }
  if (call.tool) a['gen_ai.tool.name'] = call.tool;
  if (call.agent) a['gen_ai.agent.name'] = call.agent;
  return a;
}

// ---- Expected results, computed from CALLS (an independent implementation of each query) ----

const inPeriod = (c: Call): boolean => c.at >= D0 && c.at < D0 + 2 * DAY;
const modelCalls = CALLS.filter((c) => inPeriod(c) && MODEL_CALL_OPS.includes(c.op));
const utc = (ms: number, fraction = false): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .slice(0, fraction ? 23 : 19);
const day = (c: Call): string => utc(Math.floor(c.at / DAY) * DAY);
const cost = (c: Call): number | null =>
  PRICES[c.model ?? ''] ? (c.input! * PRICES[c.model!].input + c.output! * PRICES[c.model!].output) / 1e6 : null;
const sumCost = (calls: Call[]): number | null =>
  calls.some((c) => cost(c) !== null) ? calls.reduce((s, c) => s + (cost(c) ?? 0), 0) : null;
/** ClickHouse's quantileExact: the value at rank floor(level * n) of the sorted values. */
const quantileExact = (level: number, values: number[]): number | null =>
  values.length === 0 ? null : [...values].sort((x, y) => x - y)[Math.floor(level * values.length)];
const hasEmail = (c: Call): boolean => /@/.test(c.prompt ?? '');

function groupBy<K extends string>(calls: Call[], key: (c: Call) => K): Map<K, Call[]> {
  const groups = new Map<K, Call[]>();
  for (const c of calls) groups.set(key(c), [...(groups.get(key(c)) ?? []), c]);
  return groups;
}

function usage(calls: Call[]): { calls: number; input_tokens: number; output_tokens: number; cost_usd: number | null } {
  return {
    calls: calls.length,
    input_tokens: calls.reduce((s, c) => s + c.input!, 0),
    output_tokens: calls.reduce((s, c) => s + c.output!, 0),
    cost_usd: sumCost(calls),
  };
}

/** Rows with cost_usd compared to 9 decimals (Decimal(18, 9) sums, printed as numbers). */
function expectRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[]): void {
  const round = (rows: Record<string, unknown>[]) =>
    rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [
          k,
          typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(9)) : v,
        ]),
      ),
    );
  expect(round(actual)).toEqual(round(expected));
}

async function query(collector: CollectorProcess, name: string, ...args: string[]): Promise<Record<string, unknown>[]> {
  const { stdout, stderr, code } = await runCli([
    'query',
    name,
    '--config',
    collector.configPath,
    '--format',
    'json',
    ...args,
  ]);
  if (code !== 0) throw new Error(`ai-audit query ${name} failed (${code}): ${stderr}`);
  return JSON.parse(stdout) as Record<string, unknown>[];
}

const execFileAsync = promisify(execFile);

/** runNamedQuery, the report's way in, in a child process: the engine stays out of the jest worker. */
async function runNamedQueryDirect(
  dataPath: string,
  name: string,
  given: Record<string, string>,
): Promise<Record<string, unknown>[]> {
  const dist = (module: string) => JSON.stringify(join(REPO, 'collector/dist', module));
  const script = `
    const { Store } = require(${dist('store/client.js')});
    const { analystSettings } = require(${dist('query/budget.js')});
    const { findQuery, bindParams, runNamedQuery } = require(${dist('query/catalog.js')});
    (async () => {
      const settings = analystSettings({ maxMemoryBytes: 1 << 30, maxTimeMs: 30000 });
      const store = await Store.open({ kind: 'embedded', path: ${JSON.stringify(dataPath)} }, { database: 'ai_audit', readOnly: settings });
      const query = findQuery(${JSON.stringify(name)});
      const rows = await runNamedQuery(store, query, bindParams(query, JSON.parse(process.argv[1])), 'ai_audit');
      await store.close();
      process.stdout.write(JSON.stringify(rows));
    })().catch((e) => { process.stderr.write(String(e.message)); process.exit(1); });
  `;
  const { stdout } = await execFileAsync(process.execPath, ['-e', script, JSON.stringify(given)], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, unknown>[];
}

describe('the query catalog (collector/schemas/queries)', () => {
  it('loads every file, each with a title, a description and only declared, used parameters', () => {
    const catalog = loadCatalog();
    expect(catalog.map((q) => q.name)).toEqual(
      expect.arrayContaining([
        'usage_by_model',
        'usage_by_provider',
        'usage_by_service',
        'usage_by_user',
        'error_rate',
        'latency_percentiles',
        'top_users_by_cost',
        'top_features_by_cost',
        'violations_over_time',
        'violation_records',
        'tool_calls_by_name',
        'agent_runs_by_name',
        'decrypts',
        'erasures',
        'retention',
      ]),
    );
    for (const q of catalog) {
      expect(q.title).not.toBe('');
      expect(q.sql).toMatch(/^(SELECT|WITH)\b/);
      // The standard parameters mean the same everywhere (the dashboards map them to Grafana's).
      const standard: Record<string, string> = {
        from: 'DateTime64(3)',
        to: 'DateTime64(3)',
        tenant: 'String',
        service: 'String',
        model: 'String',
        user: 'String',
        interval_s: 'UInt32',
        limit: 'UInt32',
      };
      for (const p of q.params)
        if (standard[p.name]) expect(`${q.name}.${p.name}: ${p.type}`).toBe(`${q.name}.${p.name}: ${standard[p.name]}`);
      if (q.params.some((p) => p.name === 'interval_s')) expect(q.sql).toMatch(/ AS bucket\b/);
    }
  });

  it('resolves defaults and given values against one now, as Unix seconds (UTC)', () => {
    const now = new Date('2026-11-27T12:00:00.250Z');
    const q = findQuery('usage_by_model');
    expect(bindParams(q, {}, now)).toEqual({
      from: '1795176000.250',
      to: '1795780800.250',
      tenant: '',
      service: '',
      model: '',
      user: '',
      interval_s: 86400,
    });
    const given = bindParams(
      q,
      { from: '2026-11-01', to: '2026-11-02T10:00:00+02:00', tenant: "acme' OR 1=1", interval_s: '3600' },
      now,
    );
    expect(given).toMatchObject({
      from: '1793491200.000',
      to: '1793606400.000',
      tenant: "acme' OR 1=1",
      interval_s: 3600,
    });
    expect(bindParams(q, { from: '-24h', to: '-30m' }, now)).toMatchObject({
      from: '1795694400.250',
      to: '1795779000.250',
    });
  });

  it('refuses unknown names, bad values and unknown queries with one-line errors', () => {
    const q = findQuery('usage_by_model');
    expect(() => bindParams(q, { tenat: 'acme' })).toThrow(
      'unknown parameter "tenat" for query usage_by_model (parameters: from, to, tenant, service, model, user, interval_s)',
    );
    expect(() => bindParams(q, { interval_s: '4294967296' })).toThrow(
      'parameter interval_s: "4294967296" is not a UInt32',
    );
    expect(() => bindParams(q, { from: '2026-02-30' })).toThrow('parameter from: "2026-02-30" is not a DateTime64(3)');
    expect(() => bindParams(q, { from: 'yesterday' })).toThrow(
      /^parameter from: "yesterday" is not a DateTime64\(3\) \(now, -7d/,
    );
    expect(() => findQuery('nope')).toThrow(UnknownQueryError);
    expect(() => findQuery('nope')).toThrow(/^unknown query "nope" \(queries: agent_runs_by_name, .*usage_by_model/);
  });

  it('refuses malformed files: undeclared or unused parameters, type mismatches, trailing semicolons, FORMAT, Identifier parameters', () => {
    const head = '-- title: t\n-- description: d\n';
    const bad: [string, RegExp][] = [
      [`${head}SELECT {x:String}`, /\{x:String\} is used but not declared/],
      [`${head}-- param x String = '': x\nSELECT 1`, /parameter x is declared but not used/],
      [`${head}-- param x String = '': x\nSELECT {x:UInt32}`, /does not match its declared type String/],
      [`${head}SELECT 1;`, /no trailing semicolon/],
      [`${head}SELECT 1 FORMAT CSV`, /no FORMAT clause/],
      [
        `${head}-- param t Identifier = records: t\nSELECT * FROM {t:Identifier}`,
        /type Identifier, which parameters cannot take/,
      ],
      [`${head}-- param n UInt32 = ten: n\nSELECT {n:UInt32}`, /default of parameter n: "ten" is not a UInt32/],
      ['-- description: d\nSELECT 1', /missing "-- title:"/],
      [`${head}INSERT INTO t VALUES (1)`, /must start with SELECT or WITH/],
    ];
    for (const [text, reason] of bad) {
      expect(() => parseQueryFile('/q/bad.sql', text)).toThrow(CatalogError);
      expect(() => parseQueryFile('/q/bad.sql', text)).toThrow(reason);
    }
    expect(() => parseQueryFile('/q/Bad-Name.sql', `${head}SELECT 1`)).toThrow(/snake_case/);
  });
});

describe('ai-audit query against a known data set', () => {
  let collector: CollectorProcess;
  const recordIds: Record<string, string> = {};

  beforeAll(async () => {
    const config = collectorConfig({
      receiverYaml: `    auth:\n      tokens:\n        - tenant: acme\n          sha256: ${sha256(TOKENS.acme)}\n        - tenant: globex\n          sha256: ${sha256(TOKENS.globex)}`,
      exporterYaml: '    retention:\n      records: 90d\n      content: 7d',
    }).replace(
      '  cost:\n',
      `  cost:\n    models:\n${Object.entries(PRICES)
        .map(([m, p]) => `      ${m}: { input: ${p.input}, output: ${p.output} }\n`)
        .join('')}`,
    );
    collector = await CollectorProcess.start({ configText: config });
    for (const [key, calls] of groupBy(CALLS, (c) => `${c.tenant}/${c.service}`)) {
      const [tenant, service] = key.split('/') as [keyof typeof TOKENS, string];
      const spans = makeSpans(
        calls.map((c) => ({
          name: `${c.op} ${c.model ?? c.tool ?? c.agent}`,
          attributes: attributesOf(c),
          start: new Date(c.at),
          end: new Date(c.at + c.ms),
          error: c.error,
        })),
        { 'service.name': service },
      );
      await exportSpans(createExporter('http-proto', collector, { authorization: `Bearer ${TOKENS[tenant]}` }), spans);
    }
    await eventually(
      async () =>
        (await collector.sql<{ n: number }>('SELECT count() AS n FROM ai_audit.records'))[0].n === CALLS.length,
    );
    for (const row of await collector.sql<{ user_id: string; tenant_id: string; record_id: string; timestamp: string }>(
      "SELECT tenant_id, user_id, record_id, toUnixTimestamp64Milli(timestamp) AS timestamp FROM ai_audit.records WHERE operation = 'chat'",
    )) {
      recordIds[`${row.tenant_id}/${row.user_id}/${row.timestamp}`] = row.record_id;
    }
    // One opening of sealed content per tenant, for the access log.
    for (const [tenant, user, at] of [
      ['acme', 'alice', D0],
      ['globex', 'carol', D0 + 5 * HOUR],
    ] as const) {
      const shown = await runCli([
        'show',
        recordIds[`${tenant}/${user}/${at}`],
        '--decrypt',
        '--reason',
        `audit check ${tenant}`,
        '--config',
        collector.configPath,
      ]);
      expect(shown.code).toBe(0);
    }
  });

  afterAll(async () => {
    await collector?.stop();
  });

  it('usage_by_model, _provider, _service, _user: calls, tokens and cost per bucket', async () => {
    const byModel = [...groupBy(modelCalls, (c) => `${day(c)}|${c.provider}|${c.model}`)].map(([k, calls]) => {
      const [bucket, provider, model] = k.split('|');
      return { bucket, provider, model, ...usage(calls) };
    });
    expectRows(
      await query(collector, 'usage_by_model', ...PERIOD),
      byModel.sort((x, y) => `${x.bucket}${x.provider}${x.model}`.localeCompare(`${y.bucket}${y.provider}${y.model}`)),
    );
    expect(byModel.reduce((s, r) => s + r.calls, 0)).toBe(6);

    const byProvider = [...groupBy(modelCalls, (c) => `${day(c)}|${c.provider}`)].map(([k, calls]) => ({
      bucket: k.split('|')[0],
      provider: k.split('|')[1],
      ...usage(calls),
    }));
    expectRows(
      await query(collector, 'usage_by_provider', ...PERIOD),
      byProvider.sort((x, y) => `${x.bucket}${x.provider}`.localeCompare(`${y.bucket}${y.provider}`)),
    );

    const byService = [...groupBy(modelCalls, (c) => `${day(c)}|${c.service}`)].map(([k, calls]) => ({
      bucket: k.split('|')[0],
      service: k.split('|')[1],
      ...usage(calls),
    }));
    expectRows(
      await query(collector, 'usage_by_service', ...PERIOD),
      byService.sort((x, y) => `${x.bucket}${x.service}`.localeCompare(`${y.bucket}${y.service}`)),
    );

    const acme = modelCalls.filter((c) => c.tenant === 'acme');
    const byUser = [...groupBy(acme, (c) => `${day(c)}|${c.user}`)].map(([k, calls]) => ({
      bucket: k.split('|')[0],
      tenant: 'acme',
      user: k.split('|')[1],
      ...usage(calls),
    }));
    expectRows(
      await query(collector, 'usage_by_user', ...PERIOD, '--param', 'tenant=acme'),
      byUser.sort((x, y) => `${x.bucket}${x.user}`.localeCompare(`${y.bucket}${y.user}`)),
    );

    // Hourly buckets, filtered by model and service: only alice's two calls at 00:00 and 02:00.
    expectRows(
      await query(
        collector,
        'usage_by_model',
        ...PERIOD,
        '--param',
        'interval_s=3600',
        '--param',
        'model=model-a',
        '--param',
        'service=checkout',
      ),
      [
        {
          bucket: utc(D0),
          provider: 'openai',
          model: 'model-a',
          calls: 1,
          input_tokens: 100,
          output_tokens: 50,
          cost_usd: 0.0002,
        },
        {
          bucket: utc(D0 + 2 * HOUR),
          provider: 'openai',
          model: 'model-a',
          calls: 1,
          input_tokens: 200,
          output_tokens: 100,
          cost_usd: 0.0004,
        },
      ],
    );
    // The defaults (the last 7 days up to now) reach the calls outside the two days too.
    const all = await query(collector, 'usage_by_provider');
    expect(all.reduce((s, r) => s + (r.calls as number), 0)).toBe(CALLS.filter((c) => c.op === 'chat').length);
  });

  it('error_rate and latency_percentiles per bucket and model', async () => {
    const groups = [...groupBy(modelCalls, (c) => `${day(c)}|${c.model}`)].sort(([x], [y]) => x.localeCompare(y));
    expectRows(
      await query(collector, 'error_rate', ...PERIOD),
      groups.map(([k, calls]) => {
        const errors = calls.filter((c) => c.error).length;
        return {
          bucket: k.split('|')[0],
          model: k.split('|')[1],
          calls: calls.length,
          errors,
          error_rate: errors / calls.length,
        };
      }),
    );
    expectRows(
      await query(collector, 'latency_percentiles', ...PERIOD),
      groups.map(([k, calls]) => {
        const latency = calls.map((c) => c.ms);
        const ttft = calls.filter((c) => c.ttft !== undefined).map((c) => c.ttft! * 1000);
        return {
          bucket: k.split('|')[0],
          model: k.split('|')[1],
          calls: calls.length,
          latency_p50_ms: quantileExact(0.5, latency),
          latency_p95_ms: quantileExact(0.95, latency),
          latency_p99_ms: quantileExact(0.99, latency),
          ttft_calls: ttft.length,
          ttft_p50_ms: quantileExact(0.5, ttft),
          ttft_p95_ms: quantileExact(0.95, ttft),
          ttft_p99_ms: quantileExact(0.99, ttft),
        };
      }),
    );
    // model-a on day 0: two streamed calls, 200 and 400 ms to the first token.
    const [first] = await query(collector, 'latency_percentiles', ...PERIOD, '--param', 'model=model-a');
    expect(first).toMatchObject({ calls: 2, latency_p50_ms: 2000, ttft_calls: 2, ttft_p50_ms: 400 });
  });

  it('top_users_by_cost and top_features_by_cost', async () => {
    const users = [...groupBy(modelCalls, (c) => `${c.tenant}|${c.user}`)]
      .map(([k, calls]) => ({ tenant: k.split('|')[0], user: k.split('|')[1], ...usage(calls) }))
      .sort((x, y) => y.cost_usd! - x.cost_usd!);
    expect(users.map((u) => u.user)).toEqual(['bob', 'alice', 'carol']);
    expectRows(await query(collector, 'top_users_by_cost', ...PERIOD), users);
    expectRows(await query(collector, 'top_users_by_cost', ...PERIOD, '--param', 'limit=1'), users.slice(0, 1));

    const features = [...groupBy(modelCalls, (c) => c.feature!)]
      .map(([feature, calls]) => ({
        feature,
        users: new Set(calls.map((c) => `${c.tenant}/${c.user}`)).size,
        ...usage(calls),
      }))
      .sort((x, y) => y.cost_usd! - x.cost_usd!);
    expectRows(await query(collector, 'top_features_by_cost', ...PERIOD), features);
  });

  it('violations_over_time and violation_records: pii:email from the prompts', async () => {
    const flagged = CALLS.filter((c) => inPeriod(c) && hasEmail(c));
    expect(flagged).toHaveLength(3);
    expectRows(
      await query(collector, 'violations_over_time', ...PERIOD),
      [...groupBy(flagged, day)].map(([bucket, calls]) => ({ bucket, kind: 'pii:email', records: calls.length })),
    );
    const records = await query(collector, 'violation_records', ...PERIOD, '--param', 'kind=pii:email');
    expect(records).toEqual(
      [...flagged]
        .sort((x, y) => y.at - x.at)
        .map((c) => ({
          time: utc(c.at, true),
          tenant: c.tenant,
          record_id: recordIds[`${c.tenant}/${c.user}/${c.at}`],
          service: c.service,
          user: c.user,
          operation: 'chat',
          model: c.model,
          violations: ['pii:email'],
        })),
    );
    expect(
      await query(collector, 'violation_records', ...PERIOD, '--param', 'tenant=globex', '--param', 'limit=1'),
    ).toHaveLength(1);
    // Values are bound, not spliced: a quote in one is just a kind no record has.
    expect(await query(collector, 'violation_records', ...PERIOD, '--param', "kind=x' OR 1=1 OR '")).toEqual([]);
  });

  it('tool_calls_by_name and agent_runs_by_name', async () => {
    const by = (op: Call['op'], name: (c: Call) => string) =>
      [
        ...groupBy(
          CALLS.filter((c) => inPeriod(c) && c.op === op),
          name,
        ),
      ]
        .map(([key, calls]) => ({
          key,
          calls: calls.length,
          errors: calls.filter((c) => c.error).length,
          latency_p50_ms: quantileExact(
            0.5,
            calls.map((c) => c.ms),
          ),
          latency_p95_ms: quantileExact(
            0.95,
            calls.map((c) => c.ms),
          ),
        }))
        .sort((x, y) => y.calls - x.calls || x.key.localeCompare(y.key));
    expectRows(
      await query(collector, 'tool_calls_by_name', ...PERIOD),
      by('execute_tool', (c) => c.tool!).map(({ key, ...rest }) => ({ tool: key, ...rest })),
    );
    expectRows(
      await query(collector, 'agent_runs_by_name', ...PERIOD),
      by('invoke_agent', (c) => c.agent!).map(({ key, calls, ...rest }) => ({ agent: key, runs: calls, ...rest })),
    );
    expect(await query(collector, 'tool_calls_by_name', ...PERIOD, '--param', 'user=bob')).toEqual([
      { tool: 'search', calls: 1, errors: 0, latency_p50_ms: 70, latency_p95_ms: 70 },
    ]);
  });

  it('usage_summary: the headline figures of the period', async () => {
    const [summary] = await query(collector, 'usage_summary', ...PERIOD);
    expectRows(
      [summary],
      [
        {
          calls: 6,
          errors: 1,
          users: 3,
          input_tokens: modelCalls.reduce((s, c) => s + c.input!, 0),
          output_tokens: modelCalls.reduce((s, c) => s + c.output!, 0),
          cost_usd: sumCost(modelCalls),
          records_with_violations: 3,
        },
      ],
    );
  });

  it('decrypts: the access log of show --decrypt', async () => {
    const now = ['--param', `to=${new Date(Date.now() + 60_000).toISOString()}`, '--param', 'from=-1h'];
    const rows = await query(collector, 'decrypts', ...now);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.tenant).sort()).toEqual(['acme', 'globex']);
    const [acme] = await query(collector, 'decrypts', ...now, '--param', 'tenant=acme');
    expect(acme).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/),
      actor: expect.any(String),
      host: expect.any(String),
      tenant: 'acme',
      record_id: recordIds[`acme/alice/${D0}`],
      reason: 'audit check acme',
    });
    expect(await query(collector, 'decrypts', ...PERIOD)).toEqual([]);
  });

  it('retention per tenant against the configured TTLs, then erasures after an erase', async () => {
    const expected = (tenant: string, oldestContent: number) => {
      const calls = CALLS.filter((c) => c.tenant === tenant);
      const oldest = Math.min(...calls.map((c) => c.at));
      return {
        tenant,
        records: calls.length,
        oldest_record: utc(oldest, true),
        oldest_content: utc(oldestContent, true),
        oldest_record_age_days: expect.closeTo((Date.now() - oldest) / DAY, 1),
        oldest_content_age_days: expect.closeTo((Date.now() - oldestContent) / DAY, 1),
        records_retention_days: 90,
        content_retention_days: 7,
      };
    };
    expect(await query(collector, 'retention')).toEqual([
      expected('acme', D0 - 2 * HOUR),
      expected('globex', D0 + 5 * HOUR),
    ]);

    const erased = await runCli([
      'erase',
      '--yes',
      '--tenant',
      'acme',
      '--user',
      'mallory',
      '--reason',
      'GDPR request 2026-204',
      '--config',
      collector.configPath,
    ]);
    expect(erased.code).toBe(0);
    const rows = await query(collector, 'erasures', '--param', `to=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(rows).toEqual([
      {
        time: expect.any(String),
        tenant: 'acme',
        subject_pseudonym: expect.stringMatching(/^erased:[0-9a-f]{24}$/),
        actor: expect.any(String),
        reason: 'GDPR request 2026-204',
        metadata: 'pseudonymize',
        keys_destroyed: expect.any(Number),
        rows_affected: 1,
      },
    ]);
    expect(rows[0].keys_destroyed).toBeGreaterThanOrEqual(1);
    expect(await query(collector, 'erasures', '--param', 'tenant=globex')).toEqual([]);
    // Mallory's record lost its sealed content: acme's oldest content is now dave's.
    const [acme] = await query(collector, 'retention', '--param', 'tenant=acme');
    expect(acme).toEqual(expected('acme', D0 - HOUR));
  });

  it('--list describes every query; --format table and csv', async () => {
    const list = await runCli(['query', '--list']);
    expect(list.code).toBe(0);
    for (const q of loadCatalog()) expect(list.stdout).toContain(`${q.name}: ${q.title}\n`);
    expect(list.stdout).toContain('    --param interval_s=<UInt32>');
    const json = await runCli(['query', '--list', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual(loadCatalog().map(({ sql: _sql, ...rest }) => rest));

    const table = await runCli(['query', 'tool_calls_by_name', '--config', collector.configPath, ...PERIOD]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ tool\s+│ calls │ errors │ latency_p50_ms │ latency_p95_ms │/);
    expect(table.stdout).toMatch(/│ lookup │\s+2 │\s+1 │\s+150 │\s+150 │/);
    expect(table.stdout).toMatch(/\n2 rows\n$/);
    const csv = await runCli([
      'query',
      'tool_calls_by_name',
      '--config',
      collector.configPath,
      '--format',
      'csv',
      ...PERIOD,
    ]);
    expect(csv.stdout).toBe(
      '"tool","calls","errors","latency_p50_ms","latency_p95_ms"\n"lookup",2,1,150,150\n"search",1,0,70,70\n',
    );
  });

  it('parameter and name errors: one line, exit 2', async () => {
    const cases: [string[], string][] = [
      [
        ['usage_by_model', '--param', 'tenat=acme'],
        'ai-audit query: unknown parameter "tenat" for query usage_by_model (parameters: from, to, tenant, service, model, user, interval_s)',
      ],
      [
        ['usage_by_model', '--param', 'interval_s=hourly'],
        'ai-audit query: parameter interval_s: "hourly" is not a UInt32 (a whole number in the range of UInt32)',
      ],
      [
        ['usage_by_model', '--param', 'from=last week'],
        'ai-audit query: parameter from: "last week" is not a DateTime64(3)',
      ],
      [['usage_by_model', '--param', 'from'], 'ai-audit query: --param takes name=value (got "from")'],
      [['usage_by_model', '--param', 'from=-1d', '--param', 'from=-2d'], 'ai-audit query: --param from is given twice'],
      [['no_such_query'], 'ai-audit query: unknown query "no_such_query" (queries: agent_runs_by_name,'],
      [[], 'ai-audit query: missing <name>'],
      [['usage_by_model', '--format', 'xml'], 'ai-audit query: --format must be one of table, json, csv'],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['query', ...args, '--config', collector.configPath]);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr.split('\n')).toHaveLength(2); // one line and its newline
      expect(result.stderr.startsWith(message)).toBe(true);
    }
  });

  it('a query file with a second statement or a table function is refused by the guard', async () => {
    const head = "-- title: t\n-- description: d\n-- param tenant String = '': t\n";
    const cases: [string, string][] = [
      [
        `${head}SELECT count() FROM ai_audit.records WHERE {tenant:String} = ''; SELECT * FROM ai_audit.data_keys`,
        'refused: ai-audit sql is read-only: one statement at a time',
      ],
      [
        `${head}SELECT * FROM file('/etc/passwd', 'LineAsString') WHERE {tenant:String} = ''`,
        'refused: ai-audit sql is read-only: table function file() is not allowed',
      ],
      [
        `${head}WITH x AS (SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')) SELECT * FROM x WHERE {tenant:String} = ''`,
        'refused: ai-audit sql is read-only: table function url() is not allowed',
      ],
    ];
    for (const [text, message] of cases) {
      const dir = mkdtempSync(join(tmpdir(), 'ai-audit-queries-'));
      writeFileSync(join(dir, 'attack.sql'), text);
      const result = await runCli(['query', 'attack', '--dir', dir, '--config', collector.configPath]);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 1, stderr: `ai-audit query: ${message}\n` });
    }
  });

  it('the same answers with the collector stopped (the CLI opens the store), and from runNamedQuery', async () => {
    const running = await query(collector, 'usage_by_model', ...PERIOD);
    expect(await collector.stop()).toBe(0);
    expect(await query(collector, 'usage_by_model', ...PERIOD)).toEqual(running);
    const direct = await runNamedQueryDirect(join(collector.dir, 'data/clickhouse'), 'usage_by_model', {
      from: FROM,
      to: TO,
    });
    expect(direct).toEqual(running);
    expect(typeof direct[0].calls).toBe('number');
    const retention = await runCli(['query', 'retention', '--config', collector.configPath, '--format', 'json']);
    expect(JSON.parse(retention.stdout)).toHaveLength(2);
  });
});
