import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport } from '../../collector/src/report/html';
import type { ReportData } from '../../collector/src/report/model';
import { niceScale } from '../../collector/src/report/svg';
import { CollectorProcess, eventually, REPO, runCli } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

/**
 * `ai-audit report`: a store seeded through a real collector (known models, users, costs
 * from collector/schemas/pricing.json, a violation, a decrypt, an erasure), the report written by the
 * CLI, its figures checked in the HTML, then the file opened in a real browser (Debian's
 * chromium driven by playwright-core): a screenshot, and the SVG charts measured in the DOM.
 * UPDATE_SCREENSHOT=1 also writes the screenshot to docs/report.png for the README.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `report.test.ts: browser checks skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium, as .ci/run does)`,
  );
const browserIt = haveChromium ? it : it.skip;

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
/** Three days before today, in the report's period (the last seven days), at 10:00 UTC. */
const DAYS = [today - 3 * DAY, today - 2 * DAY, today - DAY].map((d) => d + 10 * 3_600_000);
const dayLabel = (t: number): string => new Date(t).toISOString().slice(5, 10);
const FROM = new Date(today - 6 * DAY).toISOString().slice(0, 10);
const TO = new Date(today + DAY).toISOString().slice(0, 10);

/** A user id an attacker controls: it must show as text, never run or load anything. */
const XSS_USER = '<script>window.__pwned=1</script>';

interface Call {
  user: string;
  model: string;
  provider: string;
  input: number;
  output: number;
  day: number;
  prompt?: string;
}

// Prices per 1M tokens (collector/schemas/pricing.json): gpt-4o 2.5 / 10, gpt-4o-mini 0.15 / 0.6, claude-sonnet-4 3 / 15.
const GPT4O = { model: 'gpt-4o', provider: 'openai', input: 1000, output: 500 }; // $0.0075
const MINI = { model: 'gpt-4o-mini', provider: 'openai', input: 10_000, output: 1000 }; // $0.0021
const SONNET = { model: 'claude-sonnet-4', provider: 'anthropic', input: 1000, output: 1000 }; // $0.018

const CALLS: Call[] = [
  { ...GPT4O, user: 'alice', day: 0 },
  { ...GPT4O, user: 'alice', day: 0 },
  { ...SONNET, user: 'bob', day: 0 },
  { ...GPT4O, user: 'alice', day: 1 },
  { ...MINI, user: XSS_USER, day: 1 },
  { ...GPT4O, user: 'bob', day: 2 },
  { ...GPT4O, user: 'bob', day: 2 },
  { ...GPT4O, user: 'bob', day: 2 },
  { ...GPT4O, user: 'carol', day: 2, prompt: 'Please write to me at carol.smith@example.com about my invoice' },
  { ...MINI, user: 'dave', day: 2 },
  { ...MINI, user: 'dave', day: 2 },
];
const COST_BY_DAY = [0.033, 0.0096, 0.0342];
const CALLS_BY_DAY = [3, 2, 6];
const TOTAL_COST = 0.0768;

function spanOf(call: Call) {
  const start = new Date(DAYS[call.day]);
  return {
    name: `chat ${call.model}`,
    start,
    end: new Date(start.getTime() + 800),
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': call.provider,
      'gen_ai.request.model': call.model,
      'gen_ai.usage.input_tokens': call.input,
      'gen_ai.usage.output_tokens': call.output,
      'user.id': call.user,
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: call.prompt ?? 'Summarize the quarterly figures' }] },
      ]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: 'Done.' }], finish_reason: 'stop' },
      ]),
    },
  };
}

/** Every `src`, `href` (in markup, not in escaped text) or CSS `url()`/`@import` inside markup, and every absolute URL anywhere: a self-contained file has none. */
function externalReferences(html: string): string[] {
  const found: string[] = [];
  // Attribute values are escaped (no raw quote inside): blanked, what is left of each tag is names.
  const tags = html.replace(/="[^"]*"/g, '=""');
  for (const m of tags.matchAll(/<[^>]*\s(?:src|href|xlink:href|action|poster|srcset|background)\s*=[^>]*>/gi))
    found.push(m[0]);
  for (const m of html.matchAll(/\b(?:https?|ftp|wss?|file):\/\/[^\s"'<>]*/gi)) found.push(m[0]);
  for (const m of html.matchAll(/url\(|@import/gi)) found.push(m[0]);
  return found;
}

describe('ai-audit report', () => {
  let collector: CollectorProcess;
  let work: string;
  let reportPath: string;
  let html: string;
  let reportRun: { stdout: string; stderr: string; code: number };

  beforeAll(async () => {
    collector = await CollectorProcess.start({
      exporterYaml: '    retention:\n      records: 400d\n      content: 45d',
    });
    work = mkdtempSync(join(tmpdir(), 'ai-audit-report-'));
    await exportSpans(createExporter('grpc', collector), makeSpans(CALLS.map(spanOf)));
    const carol = await eventually(async () => {
      const rows = await collector.sql<{ record_id: string; user_id: string }>(
        'SELECT record_id, user_id FROM ai_audit.records',
      );
      return rows.length === CALLS.length && rows.find((r) => r.user_id === 'carol');
    });
    const shown = await runCli([
      'show',
      carol.record_id,
      '--decrypt',
      '--reason',
      'SOC2 evidence request 42',
      '--actor',
      'auditor-1',
      '--config',
      collector.configPath,
    ]);
    expect(shown.stderr).toBe('');
    const erased = await runCli([
      'erase',
      '--yes',
      '--tenant',
      'default',
      '--user',
      'dave',
      '--reason',
      'GDPR request 2026-117',
      '--config',
      collector.configPath,
    ]);
    expect(erased.stderr).toBe('');
    expect(erased.code).toBe(0);
    await eventually(async () => (await collector.sql('SELECT 1 FROM ai_audit.access_log')).length === 1);
    reportPath = join(work, 'report.html');
    reportRun = await runCli([
      'report',
      '--from',
      FROM,
      '--to',
      TO,
      '--out',
      reportPath,
      '--config',
      collector.configPath,
    ]);
    html = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : '';
  });

  afterAll(async () => {
    await collector?.stop();
  });

  it('writes the file, with a progress line per section on stderr and the path on stdout', () => {
    expect(reportRun.code).toBe(0);
    expect(reportRun.stdout).toBe(`wrote ${reportPath} (${Math.ceil(statSync(reportPath).size / 1024)} KiB)\n`);
    const lines = reportRun.stderr.trim().split('\n');
    expect(lines.slice(0, 7).map((l) => /^ai-audit report: \[(\d)\/7\] \S.* \(\d+\.\d s\)$/.exec(l)?.[1])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
    ]);
    expect(lines[7]).toMatch(/^ai-audit report: done in \d+\.\d s$/);
  });

  it('holds the seeded figures: calls, cost, users, models, violations, decrypts, erasures, retention, version', () => {
    const kpi = (id: string): string | undefined =>
      new RegExp(`id="kpi-${id}"><div class="kpi-label">[^<]*</div><div class="kpi-value">([^<]*)</div>`).exec(
        html,
      )?.[1];
    expect(kpi('calls')).toBe('11');
    expect(kpi('cost')).toBe('$0.0768');
    expect(kpi('users')).toBe('5');
    expect(kpi('violations')).toBe('1');
    expect(kpi('decrypts')).toBe('1');
    expect(kpi('erasures')).toBe('1');
    expect(kpi('retention')).toBe('400 d / 45 d');
    expect(html).toContain(
      `ai-audit ${(JSON.parse(readFileSync(join(REPO, 'collector/package.json'), 'utf8')) as { version: string }).version}`,
    );
    expect(html).toMatch(
      /<td class="id"><span class="swatch"[^>]*><\/span>gpt-4o<\/td><td>openai<\/td><td class="num">7<\/td><td class="num">7,000<\/td><td class="num">3,500<\/td><td class="num">\$0\.0525<\/td>/,
    );
    expect(html).toMatch(/claude-sonnet-4<\/td><td>anthropic<\/td><td class="num">1<\/td>/);
    expect(html).toMatch(
      /<td class="id">bob<\/td><td>default<\/td><td class="num">4<\/td><td class="num">4,000<\/td><td class="num">2,500<\/td><td class="num">\$0\.0405<\/td>/,
    );
    expect(html).toMatch(/data-label="pii:email" data-value="1"/);
    expect(html).toContain('SOC2 evidence request 42');
    expect(html).toContain('(as &quot;auditor-1&quot;)');
    expect(html).toContain('GDPR request 2026-117');
    expect(html).toMatch(/<td class="id mono">erased:[0-9a-f]{24}<\/td>/);
    expect(html).not.toMatch(/>dave</);
    expect(html).toMatch(
      /<td>default<\/td><td class="num">400 days<\/td><td class="num">45 days<\/td><td class="num">11<\/td>/,
    );
    for (const [i, t] of DAYS.entries()) {
      expect(html).toContain(`data-category="${dayLabel(t)}" data-value="${COST_BY_DAY[i]}">`);
    }
  });

  it('is self-contained: no script, no external reference of any kind, a CSP that forbids loads', () => {
    expect(externalReferences(html)).toEqual([]);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    );
    expect(html).toContain('@media print');
  });

  it('escapes values from spans: a <script> in a user id is text', () => {
    expect(html).not.toContain(XSS_USER);
    expect(html).toContain('<td class="id">&lt;script&gt;window.__pwned=1&lt;/script&gt;</td>');
    expect(html).toContain('data-label="&lt;script&gt;window.__pwned=1&lt;/script&gt;"');
  });

  it('refuses to overwrite the file without --force, and replaces it with --force (read directly once the collector stopped)', async () => {
    writeFileSync(reportPath, 'keep me');
    const refused = await runCli([
      'report',
      '--from',
      FROM,
      '--to',
      TO,
      '--out',
      reportPath,
      '--config',
      collector.configPath,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `ai-audit report: ${reportPath} exists (--force replaces it) (see ai-audit report --help)\n`,
    );
    expect(readFileSync(reportPath, 'utf8')).toBe('keep me');
    expect(await collector.stop()).toBe(0);
    const forced = await runCli([
      'report',
      '--from',
      FROM,
      '--to',
      TO,
      '--out',
      reportPath,
      '--force',
      '--config',
      collector.configPath,
    ]);
    expect(forced.stderr).toContain('[7/7]');
    expect(forced.code).toBe(0);
    const again = readFileSync(reportPath, 'utf8');
    const volatile = (h: string): string => h.replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/g, 'T');
    expect(volatile(again)).toBe(volatile(html));

    const other = join(work, 'other.html');
    const filtered = await runCli([
      'report',
      '--from',
      FROM,
      '--to',
      TO,
      '--tenant',
      'nobody',
      '--out',
      other,
      '--config',
      collector.configPath,
    ]);
    expect(filtered.code).toBe(0);
    const otherHtml = readFileSync(other, 'utf8');
    expect(otherHtml).toContain('<dd id="meta-tenant">nobody</dd>');
    expect(otherHtml).toMatch(/id="kpi-calls"><div class="kpi-label">[^<]*<\/div><div class="kpi-value">0<\/div>/);
    expect(otherHtml).toContain('No calls in this period.');
    expect(otherHtml).not.toContain('alice');
  });

  it('one-line usage errors: a bad date, an empty period', async () => {
    const bad = await runCli([
      'report',
      '--from',
      'yesterday',
      '--out',
      join(work, 'x.html'),
      '--config',
      collector.configPath,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'ai-audit report: --from must be a date (2026-05-01) or a timestamp (2026-05-01T12:00:00Z), got "yesterday" (see ai-audit report --help)\n',
    );
    const empty = await runCli([
      'report',
      '--from',
      TO,
      '--to',
      FROM,
      '--out',
      join(work, 'x.html'),
      '--config',
      collector.configPath,
    ]);
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(work, 'x.html'))).toBe(false);
  });

  browserIt(
    'renders in chromium: screenshot, charts drawn with the seeded numbers, the hostile user id shown as text',
    async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { chromium } = require('playwright-core') as typeof import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM });
      try {
        const page = await browser.newPage({ viewport: { width: 940, height: 1200 } });
        const requests: string[] = [];
        page.on('request', (request) => {
          if (request.url() !== `file://${reportPath}`) requests.push(request.url());
        });
        const dialogs: string[] = [];
        page.on('dialog', (dialog) => {
          dialogs.push(dialog.message());
          void dialog.dismiss();
        });
        await page.goto(`file://${reportPath}`);
        const shot = join(work, 'report.png');
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(20_000);
        if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(shot, join(REPO, 'docs/report.png'));
        await page.pdf({ path: join(work, 'report.pdf'), format: 'A4' });
        expect(statSync(join(work, 'report.pdf')).size).toBeGreaterThan(10_000);

        // Cost by day: one stacked bar per day, segment heights proportional to their values.
        const bars = await page.$$eval('#chart-cost-by-day rect.bar', (rects) =>
          rects.map((r) => ({
            day: r.getAttribute('data-category'),
            model: r.getAttribute('data-series'),
            value: Number(r.getAttribute('data-value')),
            height: r.getBoundingClientRect().height,
          })),
        );
        const perDay = DAYS.map((t) => bars.filter((b) => b.day === dayLabel(t)).reduce((sum, b) => sum + b.value, 0));
        perDay.forEach((cost, i) => expect(cost).toBeCloseTo(COST_BY_DAY[i], 9));
        expect(bars.length).toBe(6); // day 1: gpt-4o + claude; day 2: gpt-4o + mini; day 3: gpt-4o + mini
        const pxPerUsd = bars[0].height / bars[0].value;
        expect(pxPerUsd).toBeGreaterThan(1000); // drawn, not collapsed
        for (const bar of bars) expect(Math.abs(bar.height / bar.value / pxPerUsd - 1)).toBeLessThan(0.01);
        const totals = await page.$$eval('#chart-cost-by-day text.bar-total', (texts) =>
          texts.map((t) => t.textContent),
        );
        expect(totals).toEqual(['$0.033', '$0.0096', '$0.034']);
        const yTicks = await page.$$eval('#chart-cost-by-day text.y-tick', (texts) => texts.map((t) => t.textContent));
        expect(yTicks[0]).toBe('$0');
        expect(yTicks.length).toBeGreaterThanOrEqual(3);
        const legend = await page.$$eval('#chart-cost-by-day .legend-item', (items) =>
          items.map((i) => i.getAttribute('data-series')),
        );
        expect(legend).toEqual(['gpt-4o', 'claude-sonnet-4', 'gpt-4o-mini']);

        // Calls by day: the points of each day add up to the seeded calls; more calls, higher point.
        const points = await page.$$eval('#chart-calls-by-day circle.point', (circles) =>
          circles.map((c) => ({
            day: c.getAttribute('data-category'),
            value: Number(c.getAttribute('data-value')),
            y: c.getBoundingClientRect().top,
          })),
        );
        DAYS.forEach((t, i) =>
          expect(points.filter((p) => p.day === dayLabel(t)).reduce((sum, p) => sum + p.value, 0)).toBe(
            CALLS_BY_DAY[i],
          ),
        );
        const bobDay = points.filter((p) => p.day === dayLabel(DAYS[2])).sort((a, b) => b.value - a.value);
        expect(bobDay[0].value).toBe(4); // gpt-4o on day 3: bob 3 + carol 1
        expect(bobDay[0].y).toBeLessThan(bobDay[1].y);

        // Top users: bars as wide as their cost, the hostile id as plain text.
        const users = await page.$$eval('#chart-top-users rect.bar', (rects) =>
          rects.map((r) => ({
            user: r.getAttribute('data-label'),
            value: Number(r.getAttribute('data-value')),
            width: r.getBoundingClientRect().width,
          })),
        );
        expect(users.map((u) => u.user)).toEqual([
          'bob',
          'alice',
          'carol',
          expect.stringMatching(/^erased:[0-9a-f]{24}$/),
          XSS_USER,
        ]);
        expect(users.map((u) => u.value)).toEqual([0.0405, 0.0225, 0.0075, 0.0042, 0.0021]);
        expect(users[1].width / users[0].width).toBeCloseTo(0.0225 / 0.0405, 2);
        const cells = await page.$$eval('#table-users td.id', (tds) => tds.map((td) => td.textContent));
        expect(cells).toContain(XSS_USER);
        expect(await page.evaluate("document.querySelectorAll('script, img, iframe, object').length")).toBe(0);
        expect(await page.evaluate('window.__pwned')).toBeUndefined();

        // Violations, decrypts, erasures and the headline figures as a reader sees them.
        expect(
          await page.$$eval('#chart-violations rect.bar', (r) =>
            r.map((x) => `${x.getAttribute('data-label')}=${x.getAttribute('data-value')}`),
          ),
        ).toEqual(['pii:email=1']);
        expect(await page.textContent('#kpi-cost .kpi-value')).toBe('$0.0768');
        expect(await page.textContent('#kpi-calls .kpi-value')).toBe('11');
        expect(await page.$$eval('#table-decrypts tbody tr', (rows) => rows.length)).toBe(1);
        expect(await page.$$eval('#table-erasures tbody tr', (rows) => rows.length)).toBe(1);
        expect(dialogs).toEqual([]);
        expect(requests).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );

  it('renders any values safely and draws round axes (no store needed)', () => {
    const hostile = '"><svg onload=alert(1)>&amp;';
    const data: ReportData = {
      period: { from: new Date('2026-05-01T00:00:00Z'), to: new Date('2026-05-03T00:00:00Z'), tenant: hostile },
      generatedAt: new Date('2026-05-03T08:00:00Z'),
      collectorVersion: hostile,
      bucketSeconds: 86_400,
      totals: {
        calls: 1,
        costUsd: TOTAL_COST,
        inputTokens: 1,
        outputTokens: 1,
        users: 1,
        errors: 0,
        recordsWithViolations: 0,
      },
      byDayModel: [{ bucket: new Date('2026-05-01T00:00:00Z'), model: hostile, calls: 1, costUsd: 1 }],
      models: [{ model: hostile, provider: hostile, calls: 1, costUsd: 1, inputTokens: 1, outputTokens: 1 }],
      topUsers: [{ user: hostile, tenant: hostile, calls: 1, costUsd: 1, inputTokens: 1, outputTokens: 1 }],
      violations: [{ kind: hostile, count: 1 }],
      decrypts: [
        { at: new Date(), actor: hostile, host: hostile, tenant: hostile, recordId: hostile, reason: hostile },
      ],
      erasures: [
        {
          at: new Date(),
          tenant: hostile,
          subject: hostile,
          actor: hostile,
          reason: hostile,
          metadata: hostile,
          keysDestroyed: 1,
          rowsAffected: 1,
        },
      ],
      listLimit: 1000,
      retention: [{ tenant: hostile, records: 1, oldestRecord: new Date(), recordsDays: 365, contentDays: 30 }],
      sources: [{ section: hostile, query: hostile }],
    };
    const out = renderReport(data);
    expect(out).not.toContain('<svg onload');
    expect(out.replace(/="[^"]*"/g, '=""')).not.toMatch(/<[^>]*\son\w+\s*=/i);
    expect(out).not.toContain(hostile);
    expect(externalReferences(out)).toEqual([]);
    expect(niceScale(0.0342, 'usd')).toEqual({ max: 0.04, step: 0.01 });
    expect(niceScale(6, 'count')).toEqual({ max: 6, step: 2 });
    expect(niceScale(0, 'count')).toEqual({ max: 5, step: 1 });
    expect(niceScale(1234, 'usd')).toEqual({ max: 1250, step: 250 });
  });
});
