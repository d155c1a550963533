import {
  escapeHtml as esc,
  formatCompact,
  formatDay,
  formatInt,
  formatPercent,
  formatTimestamp,
  formatUsd,
} from './format';
import type { ReportData } from './model';
import { horizontalBarChart, lineChart, OTHER_COLOR, PALETTE, stackedBarChart, type Series } from './svg';
import { STYLE } from './style';

/**
 * The report as one self-contained HTML file: inline CSS, inline SVG, no script, no font,
 * image or link outside the file (its Content-Security-Policy forbids any load), so it opens
 * offline and prints to PDF as it shows. Every value is escaped (format.ts).
 */

/** Models drawn as their own series; the rest are summed as "other". */
const MAX_SERIES = 6;
const DAY_S = 86_400;

export function renderReport(data: ReportData): string {
  const { period } = data;
  const tenantLabel = period.tenant === '' ? 'All tenants' : period.tenant;
  const title = `AI audit report · ${describeRange(data)} · ${tenantLabel}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<meta name="generator" content="ai-audit ${esc(data.collectorVersion)}">`,
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main class="page">',
    header(data, tenantLabel),
    headline(data),
    activity(data),
    models(data),
    users(data),
    violations(data),
    decrypts(data),
    erasures(data),
    retention(data),
    footer(data),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function describeRange(data: ReportData): string {
  const { from, to } = data.period;
  const midnight = (d: Date): boolean => d.getTime() % (DAY_S * 1000) === 0;
  if (midnight(from) && midnight(to)) return `${formatDay(from)} to ${formatDay(new Date(to.getTime() - 1))}`;
  return `${formatTimestamp(from)} to ${formatTimestamp(to)}`;
}

function header(data: ReportData, tenantLabel: string): string {
  const { from, to } = data.period;
  const days = (to.getTime() - from.getTime()) / (DAY_S * 1000);
  const length = Number.isInteger(days) ? `${days} day${days === 1 ? '' : 's'}` : `${Number(days.toFixed(2))} days`;
  return `<header class="report-head">
<div class="eyebrow">ai-audit · audit trail of LLM calls</div>
<h1>LLM usage audit report</h1>
<p class="range">${esc(describeRange(data))} <span class="muted">(${esc(length)}, UTC)</span></p>
<dl class="meta">
<div><dt>Period</dt><dd>${esc(formatTimestamp(from))} to ${esc(formatTimestamp(to))} <span class="muted">(end exclusive)</span></dd></div>
<div><dt>Tenant</dt><dd id="meta-tenant">${esc(tenantLabel)}</dd></div>
<div><dt>Generated</dt><dd>${esc(formatTimestamp(data.generatedAt))}</dd></div>
<div><dt>Collector</dt><dd id="meta-version">ai-audit ${esc(data.collectorVersion)}</dd></div>
</dl>
</header>`;
}

function kpi(id: string, label: string, value: string, note = ''): string {
  return `<div class="kpi" id="kpi-${id}"><div class="kpi-label">${esc(label)}</div><div class="kpi-value">${esc(value)}</div><div class="kpi-note">${esc(note)}</div></div>`;
}

function count(n: number, limit: number): string {
  return n >= limit ? `${formatInt(limit)}+` : formatInt(n);
}

function days(n: number): string {
  return n > 0 ? `${Number(n.toFixed(2))} day${n === 1 ? '' : 's'}` : 'none';
}

function retentionHeadline(data: ReportData): string {
  const first = data.retention[0];
  return first ? `${Number(first.recordsDays.toFixed(1))} d / ${Number(first.contentDays.toFixed(1))} d` : '–';
}

function headline(data: ReportData): string {
  const t = data.totals;
  return `<section class="kpis" aria-label="Headline figures">
${kpi('calls', 'LLM calls', formatInt(t.calls), `${formatInt(t.errors)} failed (${formatPercent(t.errors, t.calls)})`)}
${kpi('cost', 'Cost (USD)', formatUsd(t.costUsd), t.calls > 0 ? `${formatUsd(t.costUsd / t.calls)} per call` : '')}
${kpi('users', 'Users', formatInt(t.users), `${formatInt(data.models.length)} model${data.models.length === 1 ? '' : 's'}`)}
${kpi('tokens', 'Tokens in / out', `${formatCompact(t.inputTokens, 'count')} / ${formatCompact(t.outputTokens, 'count')}`, `${formatInt(t.inputTokens + t.outputTokens)} in all`)}
${kpi('violations', 'Flagged records', formatInt(t.recordsWithViolations), 'with at least one violation')}
${kpi('decrypts', 'Decrypts', count(data.decrypts.length, data.listLimit), 'openings of sealed content')}
${kpi('erasures', 'Erasures', count(data.erasures.length, data.listLimit), 'users erased on request')}
${kpi('retention', 'Retention', retentionHeadline(data), 'records / sealed content')}
</section>`;
}

/** Time buckets covering the period, aligned as the store's toStartOfInterval aligns them (on the epoch). */
function buckets(data: ReportData): number[] {
  const step = data.bucketSeconds * 1000;
  const start = Math.floor(data.period.from.getTime() / step) * step;
  const out: number[] = [];
  for (let t = start; t < data.period.to.getTime(); t += step) out.push(t);
  for (const row of data.byDayModel) if (!out.includes(row.bucket.getTime())) out.push(row.bucket.getTime());
  return out.sort((a, b) => a - b);
}

function modelColors(data: ReportData): { shown: string[]; color: (model: string) => string } {
  const ranked = [...data.models].sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls).map((m) => m.model);
  const shown = ranked.length <= MAX_SERIES + 1 ? ranked : ranked.slice(0, MAX_SERIES);
  const color = (model: string): string => {
    const i = shown.indexOf(model);
    return i === -1 ? OTHER_COLOR : PALETTE[i % PALETTE.length];
  };
  return { shown, color };
}

function activity(data: ReportData): string {
  const times = buckets(data);
  const index = new Map(times.map((t, i) => [t, i]));
  const { shown, color } = modelColors(data);
  const names = [...shown];
  const hasOther = data.byDayModel.some((r) => !shown.includes(r.model));
  if (hasOther) names.push('other models');
  const series = (pick: (r: ReportData['byDayModel'][number]) => number): Series[] =>
    names.map((name) => {
      const values = times.map(() => 0);
      for (const row of data.byDayModel) {
        const own = shown.includes(row.model) ? row.model : 'other models';
        if (own === name) values[index.get(row.bucket.getTime()) as number] += pick(row);
      }
      return {
        name: name === 'other models' ? name : displayModel(name),
        values,
        color: name === 'other models' ? OTHER_COLOR : color(name),
      };
    });
  const sameYear = times.every((t) => new Date(t).getUTCFullYear() === new Date(times[0]).getUTCFullYear());
  const categories = times.map((t) => (sameYear ? formatDay(new Date(t)).slice(5) : formatDay(new Date(t))));
  const unit =
    data.bucketSeconds === DAY_S
      ? 'day'
      : data.bucketSeconds === 7 * DAY_S
        ? 'week'
        : `${formatInt(data.bucketSeconds / 3600)} h`;
  const costSeries = series((r) => r.costUsd);
  const callSeries = series((r) => r.calls);
  return `<section id="activity">
<h2>Cost and calls by ${esc(unit)} and model</h2>
<figure>
<figcaption>Cost (USD) per ${esc(unit)}, stacked by model</figcaption>
${stackedBarChart({ id: 'chart-cost-by-day', label: `Cost in USD per ${unit}, stacked by model`, categories, series: costSeries, unit: 'usd' })}
</figure>
<figure>
<figcaption>Calls per ${esc(unit)}, by model</figcaption>
${lineChart({ id: 'chart-calls-by-day', label: `Calls per ${unit} by model`, categories, series: callSeries, unit: 'count' })}
</figure>
</section>`;
}

function displayModel(model: string): string {
  return model === '' ? '(no model)' : model;
}

function models(data: ReportData): string {
  const { color } = modelColors(data);
  const rows = [...data.models].sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls);
  const chart = horizontalBarChart({
    id: 'chart-cost-by-model',
    label: 'Cost in USD by model',
    unit: 'usd',
    items: rows.map((m) => ({
      label: displayModel(m.model),
      value: m.costUsd,
      color: color(m.model),
      note: `${formatInt(m.calls)} call${m.calls === 1 ? '' : 's'}`,
    })),
  });
  const table = rows.length
    ? `<table class="data" id="table-models"><thead><tr><th>Model</th><th>Provider</th><th class="num">Calls</th><th class="num">Input tokens</th><th class="num">Output tokens</th><th class="num">Cost (USD)</th><th class="num">Share</th></tr></thead><tbody>
${rows
  .map(
    (m) =>
      `<tr><td class="id"><span class="swatch" style="background:${color(m.model)}"></span>${esc(displayModel(m.model))}</td><td>${esc(m.provider)}</td><td class="num">${formatInt(m.calls)}</td><td class="num">${formatInt(m.inputTokens)}</td><td class="num">${formatInt(m.outputTokens)}</td><td class="num">${esc(formatUsd(m.costUsd))}</td><td class="num">${esc(formatPercent(m.costUsd, data.totals.costUsd))}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`
    : '';
  return `<section id="models">
<h2>Cost by model</h2>
${rows.length ? `<figure>${chart}</figure>\n${table}` : empty('No calls in this period.')}
</section>`;
}

function users(data: ReportData): string {
  const rows = data.topUsers;
  const allTenants = data.period.tenant === '';
  const chart = horizontalBarChart({
    id: 'chart-top-users',
    label: 'Top users by cost in USD',
    unit: 'usd',
    color: '#2f6fd6',
    items: rows.map((u) => ({
      label: u.user === '' ? '(no user)' : u.user,
      value: u.costUsd,
      note: `${formatInt(u.calls)} call${u.calls === 1 ? '' : 's'}`,
    })),
  });
  const table = `<table class="data" id="table-users"><thead><tr><th>User</th>${allTenants ? '<th>Tenant</th>' : ''}<th class="num">Calls</th><th class="num">Input tokens</th><th class="num">Output tokens</th><th class="num">Cost (USD)</th></tr></thead><tbody>
${rows
  .map(
    (u) =>
      `<tr><td class="id">${esc(u.user === '' ? '(no user)' : u.user)}</td>${allTenants ? `<td>${esc(u.tenant)}</td>` : ''}<td class="num">${formatInt(u.calls)}</td><td class="num">${formatInt(u.inputTokens)}</td><td class="num">${formatInt(u.outputTokens)}</td><td class="num">${esc(formatUsd(u.costUsd))}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
  return `<section id="users">
<h2>Top users <span class="muted">by cost${rows.length ? `, ${rows.length} shown` : ''}</span></h2>
${rows.length ? `<figure>${chart}</figure>\n${table}` : empty('No calls in this period.')}
</section>`;
}

function violations(data: ReportData): string {
  const rows = [...data.violations].sort((a, b) => b.count - a.count);
  const colorOf = (kind: string): string =>
    kind.startsWith('secret:') ? '#d2485b' : kind.startsWith('pii:') ? '#e08a1e' : '#8a5cd1';
  const chart = horizontalBarChart({
    id: 'chart-violations',
    label: 'Violations by kind',
    unit: 'count',
    items: rows.map((v) => ({ label: v.kind, value: v.count, color: colorOf(v.kind) })),
  });
  return `<section id="violations">
<h2>Violations by kind</h2>
<p class="lede">Findings of the classifier in prompts, responses and tool arguments (kinds only: the values are never stored).</p>
${rows.length ? `<figure>${chart}</figure>` : empty('No violations found in this period.')}
</section>`;
}

function decrypts(data: ReportData): string {
  const rows = data.decrypts;
  const table = `<table class="data" id="table-decrypts"><thead><tr><th>When</th><th>Actor</th><th>Host</th><th>Tenant</th><th>Record</th><th>Reason</th></tr></thead><tbody>
${rows.map((d) => `<tr><td class="nowrap">${esc(formatTimestamp(d.at))}</td><td>${esc(d.actor)}</td><td>${esc(d.host)}</td><td>${esc(d.tenant)}</td><td class="id mono">${esc(d.recordId)}</td><td>${esc(d.reason)}</td></tr>`).join('\n')}
</tbody></table>`;
  return `<section id="decrypts">
<h2>Decrypts of sealed content <span class="muted">${count(rows.length, data.listLimit)}</span></h2>
<p class="lede">Every opening of a record's sealed prompt or response (<code>ai-audit show --decrypt</code>), from the access log.</p>
${rows.length ? table : empty('No sealed content was opened in this period.')}
</section>`;
}

function erasures(data: ReportData): string {
  const rows = data.erasures;
  const table = `<table class="data" id="table-erasures"><thead><tr><th>When</th><th>Tenant</th><th>Subject (pseudonym)</th><th>Actor</th><th>Reason</th><th>Metadata</th><th class="num">Keys<br>destroyed</th><th class="num">Rows</th></tr></thead><tbody>
${rows
  .map(
    (e) =>
      `<tr><td class="nowrap">${esc(formatTimestamp(e.at))}</td><td>${esc(e.tenant)}</td><td class="id mono">${esc(e.subject)}</td><td>${esc(e.actor)}</td><td>${esc(e.reason)}</td><td>${esc(e.metadata)}</td><td class="num">${formatInt(e.keysDestroyed)}</td><td class="num">${formatInt(e.rowsAffected)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
  return `<section id="erasures">
<h2>Erasures <span class="muted">${count(rows.length, data.listLimit)}</span></h2>
<p class="lede">Users erased on request (<code>ai-audit erase</code>): their data keys destroyed, their metadata handled as shown. Users appear under a keyed pseudonym.</p>
${rows.length ? table : empty('No erasures in this period.')}
</section>`;
}

function retention(data: ReportData): string {
  const rows = data.retention;
  const table = `<table class="data" id="table-retention"><thead><tr><th>Tenant</th><th class="num">Records kept for</th><th class="num">Sealed content kept for</th><th class="num">Records stored</th><th>Oldest record</th></tr></thead><tbody>
${rows
  .map(
    (r) =>
      `<tr><td>${esc(r.tenant)}</td><td class="num">${esc(days(r.recordsDays))}</td><td class="num">${esc(days(r.contentDays))}</td><td class="num">${formatInt(r.records)}</td><td class="nowrap">${esc(r.oldestRecord ? formatTimestamp(r.oldestRecord) : '–')}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
  return `<section id="retention">
<h2>Retention in force</h2>
<p class="lede">The TTLs the store applies now (set from the collector's configuration at every start): whole records, and the sealed prompts and responses, which can expire sooner. Expired data leaves in whole daily partitions.</p>
${rows.length ? table : empty('The store holds no records yet, so no retention applies to any.')}
</section>`;
}

function footer(data: ReportData): string {
  const queries = [...new Set(data.sources.map((s) => s.query))];
  return `<footer class="report-foot">
<p>Generated by ai-audit ${esc(data.collectorVersion)} on ${esc(formatTimestamp(data.generatedAt))}. Figures come from the store's named queries (<code>collector/schemas/queries/</code>), the same ones the CLI and the dashboards use: ${queries.map((q) => `<code>${esc(q)}</code>`).join(', ')}. Times are UTC; the period's end is exclusive; costs are computed at ingest from the pricing table in force then.</p>
</footer>`;
}

function empty(text: string): string {
  return `<p class="empty">${esc(text)}</p>`;
}
