#!/usr/bin/env node
'use strict';
/**
 * Generates the Grafana dashboards (deploy/grafana/dashboards/*.json) from the named queries
 * (collector/schemas/queries/*.sql), which stay the one source of every ClickHouse panel's SQL:
 *
 *   npm run dashboards          (after `npx tsc -b`: it loads collector/dist/query/catalog.js)
 *
 * A query's `{name:Type}` parameters become what the Grafana ClickHouse plugin
 * (grafana-clickhouse-datasource 4.x) fills in:
 *   {from:DateTime64(3)} / {to:DateTime64(3)}  ->  $__fromTime_ms / $__toTime_ms
 *       fromUnixTimestamp64Milli(<ms>): the dashboard's range, the parameter's own type
 *       ({from:DateTime} -> $__fromTime, toDateTime(<s>))
 *   {interval_s:UInt32}                        ->  $__interval_s (the panel interval, >= 1 s)
 *   {tenant|service|model|user:String}         ->  ${tenant:singlequote}: a quoted literal, and
 *       for "All" the variable's custom all value '' (Grafana inserts a custom all value as
 *       written), so the query's `({tenant:String} = '' OR ...)` branch selects everything
 *   any other parameter                        ->  its default (or the panel's value) as a literal
 * test/integration/grafana-dashboards.test.ts checks that the committed JSON is this
 * script's output and runs every panel's SQL, expanded as the plugin does, on a real engine.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const REPO = resolve(__dirname, '../..');
const OUT = join(__dirname, 'dashboards');
const PLUGIN_VERSION = '4.20.0';
const CLICKHOUSE = { type: 'grafana-clickhouse-datasource', uid: 'ai-audit-clickhouse' };
const PROMETHEUS = { type: 'prometheus', uid: 'ai-audit-prometheus' };
const FILTERS = ['tenant', 'service', 'model', 'user'];
/** Panels whose rows name a record: a column with the command that shows it. */
const SHOW = "concat('ai-audit show ', toString(record_id)) AS show";

/** A string as a ClickHouse literal. */
const literal = (text) => `'${String(text).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const unquote = (text) => (/^'.*'$/s.test(text) ? text.slice(1, -1).replace(/\\(.)/g, '$1') : text);

/** A time default (now, -7d, ISO) as a SQL expression evaluated when the panel runs. */
function timeLiteral(text, type) {
  const units = { s: 'SECOND', m: 'MINUTE', h: 'HOUR', d: 'DAY', w: 'WEEK' };
  const now = type === 'Date' ? 'today()' : type === 'DateTime' ? 'now()' : 'now64(3)';
  if (text === 'now') return now;
  const relative = /^([+-])(\d+)([smhdw])$/.exec(text);
  if (relative) return `(${now} ${relative[1]} INTERVAL ${relative[2]} ${units[relative[3]]})`;
  return type === 'Date' ? `toDate(${literal(text)})` : `parseDateTime64BestEffort(${literal(text)}, 3, 'UTC')`;
}

/** What replaces `{name:type}` in a panel's SQL. */
function substitute(param, values) {
  const { name, type } = param;
  if (Object.hasOwn(values, name))
    return typeof values[name] === 'number' ? String(values[name]) : literal(values[name]);
  if ((name === 'from' || name === 'to') && /^DateTime/.test(type))
    return type === 'DateTime' ? `$__${name}Time` : `$__${name}Time_ms`;
  if (name === 'interval_s' && /^U?Int/.test(type)) return '$__interval_s';
  if (FILTERS.includes(name) && type === 'String') return `\${${name}:singlequote}`;
  const value = unquote(param.default);
  if (type === 'String') return literal(value);
  if (/^(U?Int|Float)/.test(type)) return value;
  return timeLiteral(value, type);
}

/** The named query's statement with its parameters mapped to the plugin's macros and variables. */
function grafanaSql(query, values = {}) {
  const params = new Map(query.params.map((param) => [param.name, param]));
  return query.sql.replace(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]+?)\s*\}/g, (_, name) =>
    substitute(params.get(name), values),
  );
}

/** The SQL of a ClickHouse panel: the named query, optionally narrowed to some columns. */
function panelSql(query, spec) {
  const inner = grafanaSql(query, spec.params);
  if (!spec.columns && !spec.show) return inner;
  const columns = [...(spec.columns ?? ['*']), ...(spec.show ? [SHOW] : [])].join(', ');
  const order = spec.orderBy ? `\nORDER BY ${spec.orderBy}` : '';
  return `SELECT ${columns}\nFROM (\n${inner}\n)${order}`;
}

const DEFAULTS = {
  timeseries: { w: 12, h: 8 },
  table: { w: 24, h: 9 },
  stat: { w: 24, h: 4 },
  barchart: { w: 12, h: 8 },
};

function fieldConfig(spec) {
  const defaults = { unit: spec.unit ?? 'short', ...(spec.decimals !== undefined ? { decimals: spec.decimals } : {}) };
  if (spec.type === 'timeseries')
    defaults.custom = {
      drawStyle: spec.bars ? 'bars' : 'line',
      fillOpacity: spec.bars ? 80 : 10,
      stacking: { mode: spec.stack ? 'normal' : 'none', group: 'A' },
      spanNulls: false,
      showPoints: 'auto',
    };
  const overrides = Object.entries(spec.units ?? {}).map(([field, unit]) => ({
    matcher: { id: 'byName', options: field },
    properties: [{ id: 'unit', value: unit }],
  }));
  if (spec.show) {
    overrides.push({
      matcher: { id: 'byName', options: 'show' },
      properties: [
        { id: 'displayName', value: 'command (ai-audit show)' },
        {
          id: 'description',
          value:
            'Run it where the collector runs to see the record (add --decrypt --reason "..." to open its content; that is logged).',
        },
      ],
    });
  }
  return { defaults, overrides };
}

function options(spec) {
  if (spec.type === 'stat')
    return {
      reduceOptions: { values: false, calcs: ['lastNotNull'], fields: '' },
      orientation: 'auto',
      textMode: 'value_and_name',
      colorMode: 'none',
      graphMode: 'none',
      justifyMode: 'auto',
    };
  if (spec.type === 'table')
    return { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false } };
  if (spec.type === 'barchart')
    return {
      orientation: 'horizontal',
      xField: spec.x,
      showValue: 'auto',
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
    };
  return {
    legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: spec.legendCalcs ?? ['sum'] },
    tooltip: { mode: 'multi', sort: 'desc' },
  };
}

function clickhousePanel(spec, queries) {
  const query = queries.get(spec.query);
  if (!query)
    throw new Error(
      `panel "${spec.title}": no named query ${spec.query} in collector/schemas/queries (queries: ${[...queries.keys()].join(', ')})`,
    );
  const timeseries = spec.type === 'timeseries';
  return {
    type: spec.type,
    title: spec.title ?? query.title,
    description: `${query.description} (named query ${query.name}: ai-audit query ${query.name})`,
    datasource: CLICKHOUSE,
    ...(spec.interval ? { interval: spec.interval } : {}),
    targets: [
      {
        refId: 'A',
        datasource: CLICKHOUSE,
        pluginVersion: PLUGIN_VERSION,
        editorType: 'sql',
        // 0: time series (long rows become one series per string column value), 1: table.
        format: timeseries ? 0 : 1,
        queryType: timeseries ? 'timeseries' : 'table',
        rawSql: panelSql(query, spec),
        meta: { namedQuery: query.name },
      },
    ],
    fieldConfig: fieldConfig(spec),
    options: options(spec),
  };
}

function prometheusPanel(spec) {
  return {
    type: spec.type ?? 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource: PROMETHEUS,
    targets: spec.exprs.map(([expr, legend], i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: PROMETHEUS,
      expr,
      legendFormat: legend,
      range: true,
    })),
    fieldConfig: fieldConfig({ type: 'timeseries', ...spec }),
    options: options({ type: 'timeseries', legendCalcs: ['mean', 'max'], ...spec }),
  };
}

/** Template variables filling the queries' tenant/service/model/user parameters; '' is All. */
function filterVariables() {
  const column = { tenant: 'tenant_id', service: 'service_name', model: 'request_model', user: 'user_id' };
  const label = { tenant: 'Tenant', service: 'Service', model: 'Model', user: 'User' };
  return FILTERS.map((name, i) => {
    // Each list narrows by the filters before it, over the dashboard's range.
    const narrower = FILTERS.slice(0, i)
      .map((f) => `\n  AND (\${${f}:singlequote} = '' OR ${column[f]} = \${${f}:singlequote})`)
      .join('');
    const rawSql = `SELECT ${column[name]}\nFROM ai_audit.records\nWHERE $__timeFilter(timestamp) AND ${column[name]} != ''${narrower}\nGROUP BY ${column[name]}\nORDER BY count() DESC, ${column[name]}\nLIMIT ${name === 'user' ? 1000 : 200}`;
    return {
      name,
      label: label[name],
      type: 'query',
      datasource: CLICKHOUSE,
      query: { editorType: 'sql', rawSql },
      definition: rawSql,
      refresh: 2,
      includeAll: true,
      // Inserted as written for "All": the queries' `= ''` branch then matches every row.
      allValue: "''",
      multi: false,
      current: { selected: true, text: 'All', value: '$__all' },
      options: [],
      regex: '',
      sort: 0,
      hide: 0,
    };
  });
}

function dashboard({ uid, title, description, tags, rows, variables, time }, queries) {
  const panels = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({
      type: 'row',
      id: id++,
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y: y++ },
      panels: [],
    });
    let x = 0;
    let rowHeight = 0;
    for (const spec of row.panels) {
      const size = {
        ...DEFAULTS[spec.type ?? 'timeseries'],
        ...(spec.w ? { w: spec.w } : {}),
        ...(spec.h ? { h: spec.h } : {}),
      };
      if (x + size.w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      const panel = spec.exprs ? prometheusPanel(spec) : clickhousePanel(spec, queries);
      panels.push({ id: id++, gridPos: { h: size.h, w: size.w, x, y }, ...panel });
      x += size.w;
      rowHeight = Math.max(rowHeight, size.h);
    }
    y += rowHeight;
  }
  return {
    uid,
    title,
    description,
    tags: ['ai-audit', ...tags],
    editable: false,
    graphTooltip: 1,
    schemaVersion: 41,
    version: 1,
    refresh: '1m',
    time: time ?? { from: 'now-7d', to: 'now' },
    timepicker: {},
    timezone: 'utc',
    links: [
      {
        type: 'dashboards',
        tags: ['ai-audit'],
        asDropdown: true,
        title: 'ai-audit',
        includeVars: true,
        keepTime: true,
      },
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: { list: variables ?? filterVariables() },
    panels,
  };
}

const USD = 'currencyUSD';

/** The dashboards: which named query each panel shows, and how. */
const DASHBOARDS = [
  {
    file: 'overview.json',
    uid: 'ai-audit-overview',
    title: 'ai-audit: Overview',
    description: 'Usage, cost, errors and latency of the LLM calls in the audit trail.',
    tags: ['usage', 'cost'],
    rows: [
      { title: 'Period', panels: [{ query: 'usage_summary', type: 'stat', units: { cost_usd: USD }, decimals: 2 }] },
      {
        title: 'Usage and cost',
        panels: [
          {
            query: 'usage_by_model',
            title: 'Cost by model (USD)',
            type: 'timeseries',
            columns: ['bucket', 'model', 'cost_usd'],
            orderBy: 'bucket, model',
            unit: USD,
            bars: true,
            stack: true,
          },
          {
            query: 'usage_by_model',
            title: 'Calls by model',
            type: 'timeseries',
            columns: ['bucket', 'model', 'calls'],
            orderBy: 'bucket, model',
            bars: true,
            stack: true,
          },
          {
            query: 'usage_by_provider',
            title: 'Tokens by provider',
            type: 'timeseries',
            columns: ['bucket', 'provider', 'input_tokens', 'output_tokens'],
            orderBy: 'bucket, provider',
          },
          {
            query: 'usage_by_service',
            title: 'Cost by service (USD)',
            type: 'timeseries',
            columns: ['bucket', 'service', 'cost_usd'],
            orderBy: 'bucket, service',
            unit: USD,
            bars: true,
            stack: true,
          },
        ],
      },
      {
        title: 'Errors and latency',
        panels: [
          {
            query: 'error_rate',
            title: 'Error rate by model',
            type: 'timeseries',
            columns: ['bucket', 'model', 'error_rate'],
            orderBy: 'bucket, model',
            unit: 'percentunit',
            legendCalcs: ['mean', 'max'],
          },
          {
            query: 'latency_percentiles',
            title: 'Latency p95 by model (ms)',
            type: 'timeseries',
            columns: ['bucket', 'model', 'latency_p95_ms'],
            orderBy: 'bucket, model',
            unit: 'ms',
            legendCalcs: ['mean', 'max'],
          },
          {
            query: 'latency_percentiles',
            title: 'Time to first token p95 by model (ms)',
            type: 'timeseries',
            columns: ['bucket', 'model', 'ttft_p95_ms'],
            orderBy: 'bucket, model',
            unit: 'ms',
            legendCalcs: ['mean', 'max'],
          },
          {
            query: 'latency_percentiles',
            title: 'Latency percentiles by model',
            type: 'table',
            w: 12,
            h: 8,
            units: {
              latency_p50_ms: 'ms',
              latency_p95_ms: 'ms',
              latency_p99_ms: 'ms',
              ttft_p50_ms: 'ms',
              ttft_p95_ms: 'ms',
              ttft_p99_ms: 'ms',
            },
          },
        ],
      },
    ],
  },
  {
    file: 'users-features.json',
    uid: 'ai-audit-users-features',
    title: 'ai-audit: Users & features',
    description: 'Who uses which model through which feature, and what it costs.',
    tags: ['usage', 'cost', 'users'],
    rows: [
      {
        title: 'Users',
        panels: [
          { query: 'top_users_by_cost', type: 'table', w: 12, params: { limit: 25 }, units: { cost_usd: USD } },
          {
            query: 'usage_by_user',
            title: 'Cost by user (USD)',
            type: 'timeseries',
            columns: ['bucket', 'tenant', 'user', 'cost_usd'],
            orderBy: 'bucket, tenant, user',
            unit: USD,
            bars: true,
            stack: true,
          },
        ],
      },
      {
        title: 'Features',
        panels: [
          { query: 'top_features_by_cost', type: 'table', w: 12, params: { limit: 25 }, units: { cost_usd: USD } },
          {
            query: 'top_features_by_cost',
            title: 'Cost by feature (USD)',
            type: 'barchart',
            x: 'feature',
            columns: ['feature', 'cost_usd'],
            params: { limit: 25 },
            unit: USD,
          },
        ],
      },
    ],
  },
  {
    file: 'compliance.json',
    uid: 'ai-audit-compliance',
    title: 'ai-audit: Compliance',
    description: 'Policy violations, openings of sealed content, erasures and retention.',
    tags: ['compliance'],
    rows: [
      {
        title: 'Violations',
        panels: [
          {
            query: 'violations_over_time',
            type: 'timeseries',
            w: 24,
            columns: ['bucket', 'kind', 'records'],
            orderBy: 'bucket, kind',
            bars: true,
            stack: true,
          },
          { query: 'violation_records', type: 'table', show: true, params: { limit: 500 } },
        ],
      },
      {
        title: 'Access to sealed content and erasures',
        panels: [
          { query: 'decrypts', type: 'table', show: true, params: { limit: 500 } },
          { query: 'erasures', type: 'table', params: { limit: 500 } },
        ],
      },
      {
        title: 'Retention',
        panels: [
          {
            query: 'retention',
            type: 'table',
            h: 6,
            units: {
              oldest_record_age_days: 'd',
              oldest_content_age_days: 'd',
              records_retention_days: 'd',
              content_retention_days: 'd',
            },
          },
        ],
      },
    ],
  },
  {
    file: 'agents-tools.json',
    uid: 'ai-audit-agents-tools',
    title: 'ai-audit: Agents & tools',
    description: 'Agent runs and tool calls: how often, how often they fail, how long they take.',
    tags: ['agents'],
    rows: [
      {
        title: 'Agents',
        panels: [
          { query: 'agent_runs_by_name', type: 'table', w: 12, units: { latency_p50_ms: 'ms', latency_p95_ms: 'ms' } },
          {
            query: 'agent_runs_by_name',
            title: 'Agent runs',
            type: 'barchart',
            x: 'agent',
            columns: ['agent', 'runs', 'errors'],
          },
        ],
      },
      {
        title: 'Tools',
        panels: [
          { query: 'tool_calls_by_name', type: 'table', w: 12, units: { latency_p50_ms: 'ms', latency_p95_ms: 'ms' } },
          {
            query: 'tool_calls_by_name',
            title: 'Tool calls',
            type: 'barchart',
            x: 'tool',
            columns: ['tool', 'calls', 'errors'],
          },
        ],
      },
    ],
  },
  {
    file: 'collector-health.json',
    uid: 'ai-audit-collector-health',
    title: 'ai-audit: Collector health',
    description:
      "The collectors' own metrics (GET /metrics, scraped by Prometheus): ingest, refusals, write-ahead log, inserts, dead letters.",
    tags: ['operations'],
    time: { from: 'now-6h', to: 'now' },
    variables: [
      {
        name: 'instance',
        label: 'Collector',
        type: 'query',
        datasource: PROMETHEUS,
        query: {
          query: 'label_values(ai_audit_wal_bytes, instance)',
          refId: 'PrometheusVariableQueryEditor-VariableQuery',
          qryType: 1,
        },
        definition: 'label_values(ai_audit_wal_bytes, instance)',
        refresh: 2,
        includeAll: true,
        allValue: '.*',
        multi: true,
        current: { selected: true, text: ['All'], value: ['$__all'] },
        options: [],
        regex: '',
        sort: 1,
        hide: 0,
      },
      {
        name: 'wal_max_bytes',
        label: 'wal.max_size (bytes)',
        description: "The collectors' exporters.clickhouse.wal.max_size: past it receivers refuse with backpressure.",
        type: 'constant',
        query: '4294967296',
        current: { text: '4294967296', value: '4294967296' },
        hide: 2,
      },
    ],
    rows: [
      {
        title: 'Ingest',
        panels: [
          {
            title: 'Spans by outcome (per second)',
            description: 'ai_audit_receiver_spans_total: accepted, dropped (not GenAI), refused.',
            exprs: [
              [
                'sum by (outcome) (rate(ai_audit_receiver_spans_total{instance=~"$instance"}[$__rate_interval]))',
                '{{outcome}}',
              ],
            ],
            unit: 'ops',
          },
          {
            title: 'Refused spans by reason (per second)',
            description:
              'Refused spans: rate limit, backpressure (WAL full), invalid spans, malformed requests, internal errors.',
            exprs: [
              [
                'sum by (reason) (rate(ai_audit_receiver_spans_total{instance=~"$instance", outcome="refused"}[$__rate_interval]))',
                '{{reason}}',
              ],
            ],
            unit: 'ops',
          },
          {
            title: 'Requests not accepted (per second)',
            description: 'ai_audit_receiver_requests_total by protocol and outcome, accepted ones left out.',
            exprs: [
              [
                'sum by (protocol, outcome) (rate(ai_audit_receiver_requests_total{instance=~"$instance", outcome!="accepted"}[$__rate_interval]))',
                '{{protocol}} {{outcome}}',
              ],
            ],
            unit: 'reqps',
          },
          {
            title: 'Truncations (per second)',
            description: 'Attributes, events or values cut by the decode limits.',
            exprs: [
              [
                'sum by (kind) (rate(ai_audit_receiver_truncations_total{instance=~"$instance"}[$__rate_interval]))',
                '{{kind}}',
              ],
            ],
            unit: 'ops',
          },
        ],
      },
      {
        title: 'Write-ahead log',
        panels: [
          {
            title: 'WAL fill',
            description:
              'Unconfirmed bytes in the write-ahead log over wal.max_size (the wal_max_bytes constant; set it to your config). At 100% receivers answer RESOURCE_EXHAUSTED / 429.',
            exprs: [['max by (instance) (ai_audit_wal_bytes{instance=~"$instance"}) / $wal_max_bytes', '{{instance}}']],
            unit: 'percentunit',
          },
          {
            title: 'Oldest unstored record (age)',
            description: 'ai_audit_wal_oldest_age_seconds: how far the store lags behind ingest.',
            exprs: [['max by (instance) (ai_audit_wal_oldest_age_seconds{instance=~"$instance"})', '{{instance}}']],
            unit: 's',
          },
        ],
      },
      {
        title: 'Store',
        panels: [
          {
            title: 'Insert latency',
            description: 'ai_audit_store_insert_duration_seconds: one batch INSERT.',
            exprs: [0.5, 0.95, 0.99].map((q) => [
              `histogram_quantile(${q}, sum by (le) (rate(ai_audit_store_insert_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))`,
              `p${q * 100}`,
            ]),
            unit: 's',
          },
          {
            title: 'Rows inserted (per second)',
            exprs: [
              ['sum(rate(ai_audit_store_inserted_rows_total{instance=~"$instance"}[$__rate_interval]))', 'rows'],
              [
                'sum(rate(ai_audit_store_duplicate_records_total{instance=~"$instance"}[$__rate_interval]))',
                'duplicates left out',
              ],
            ],
            unit: 'ops',
          },
          {
            title: 'Dead letters and retries',
            description:
              'Rows the store refused as invalid (moved to ai_audit.dead_letters) and failed inserts that will be retried, per interval.',
            exprs: [
              [
                'sum(increase(ai_audit_store_dead_letters_total{instance=~"$instance"}[$__rate_interval]))',
                'dead letters',
              ],
              [
                'sum(increase(ai_audit_store_insert_retries_total{instance=~"$instance"}[$__rate_interval]))',
                'insert retries',
              ],
            ],
            unit: 'short',
            bars: true,
          },
        ],
      },
    ],
  },
];

/** Every dashboard as [file name, JSON text], from the catalog's queries. */
function buildDashboards(catalog) {
  const queries = new Map(catalog.map((query) => [query.name, query]));
  return DASHBOARDS.map(({ file, ...spec }) => [file, `${JSON.stringify(dashboard(spec, queries), null, 2)}\n`]);
}

module.exports = { buildDashboards, grafanaSql, DASHBOARDS, CLICKHOUSE, PROMETHEUS };

if (require.main === module) {
  const { loadCatalog } = require(join(REPO, 'collector/dist/query/catalog.js'));
  mkdirSync(OUT, { recursive: true });
  for (const [file, text] of buildDashboards(loadCatalog())) {
    writeFileSync(join(OUT, file), text);
    console.log(`wrote deploy/grafana/dashboards/${file}`);
  }
}
