import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { queryBudget } from '../../query/budget';
import { parseIsoTime } from '../../query/params';
import { gatherReport } from '../../report/data';
import { renderReport } from '../../report/html';
import { namedQueryRunner } from '../../report/runner';
import { writeFileAtomic } from '../../report/write';
import { collectorVersion } from '../../version';
import { analystError } from '../../access/analyst-query';
import { UsageError, type Command } from '../command';
import { storeExporterConfig } from '../../access/config';
import { loadCommandConfig } from '../config';
import { closeStoreAccess, openStoreAccess } from '../../access/store-access';

const DAY_MS = 86_400_000;

/** `2026-05-01` (UTC midnight) or an ISO timestamp (`2026-05-01T12:00:00Z`; no zone = UTC), read as the named queries read them. */
export function parseReportTime(text: string, option: string): Date {
  const value = text.trim();
  const ms = parseIsoTime(value);
  if (ms === undefined)
    throw new UsageError(
      `--${option} must be a date (2026-05-01) or a timestamp (2026-05-01T12:00:00Z), got "${value.slice(0, 40)}"`,
    );
  return new Date(ms);
}

/** The period: --from/--to, else the 30 days up to the end of today (UTC). */
export function reportPeriod(
  from: string | undefined,
  to: string | undefined,
  now = new Date(),
): { from: Date; to: Date } {
  const endOfToday = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
  const end = to === undefined ? endOfToday : parseReportTime(to, 'to');
  const start = from === undefined ? new Date(end.getTime() - 30 * DAY_MS) : parseReportTime(from, 'from');
  if (start.getTime() >= end.getTime()) throw new UsageError('--from must be before --to (--to is exclusive)');
  return { from: start, to: end };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'Write an audit report for a period as one self-contained HTML file.',
  description:
    'Headline figures, cost and calls by day and model, top users, violations by kind, decrypts and erasures in the period, the retention in force and the collector version, ' +
    'in one HTML file that needs no network to view (charts as inline SVG, no scripts) and prints to PDF. ' +
    'The figures come from the named queries in collector/schemas/queries/, run read-only within the query budget, through the running collector when there is one. ' +
    'Times are UTC; --to is exclusive (--to 2026-06-01 covers May 31). Progress goes to standard error, one line per section.',
  options: {
    from: {
      type: 'string',
      value: '<date>',
      description: 'start of the period, a date or ISO timestamp (default: 30 days before --to)',
    },
    to: {
      type: 'string',
      value: '<date>',
      description: 'end of the period, exclusive (default: the end of today, UTC)',
    },
    tenant: { type: 'string', value: '<id>', description: 'one tenant (default: all tenants)' },
    out: { type: 'string', short: 'o', value: '<file>', description: 'the HTML file to write', default: 'report.html' },
    force: { type: 'boolean', description: 'replace the output file if it exists' },
    'top-users': {
      type: 'string',
      value: '<n>',
      description: 'how many users the top users section lists',
      default: '10',
    },
  },
  positionals: [],
  examples: [
    'ai-audit report --out report.html',
    'ai-audit report --from 2026-05-01 --to 2026-06-01 --tenant acme --out acme-may.html',
  ],
  async run(args, context) {
    const period = reportPeriod(args.options.from as string | undefined, args.options.to as string | undefined);
    const tenant = (args.options.tenant as string | undefined) ?? '';
    const top = Number(args.options['top-users']);
    if (!Number.isInteger(top) || top < 1 || top > 1000)
      throw new UsageError('--top-users must be a whole number from 1 to 1000');
    const out = resolve(args.options.out as string);
    const force = args.options.force === true;
    if (!force && existsSync(out)) throw new UsageError(`${args.options.out as string} exists (--force replaces it)`);
    if (existsSync(out) && statSync(out).isDirectory())
      throw new UsageError(`${args.options.out as string} is a directory`);

    const loaded = loadCommandConfig(args, context);
    const config = storeExporterConfig(loaded);
    const budget = queryBudget(config);
    const started = Date.now();
    const progress = (step: number, total: number, label: string): void => {
      context.stderr.write(
        `ai-audit report: [${step}/${total}] ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
      );
    };
    const access = await openStoreAccess(loaded, config, { readOnly: true });
    let html: string;
    try {
      const data = await gatherReport(namedQueryRunner(access, config.database), {
        period: { ...period, tenant },
        collectorVersion: collectorVersion(),
        topUsers: top,
        progress,
      });
      html = renderReport(data);
    } catch (error) {
      throw analystError(error, budget);
    } finally {
      await closeStoreAccess(access);
    }
    writeFileAtomic(out, html, force);
    context.stderr.write(`ai-audit report: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    context.stdout.write(`wrote ${out} (${Math.ceil(Buffer.byteLength(html) / 1024)} KiB)\n`);
    return 0;
  },
};
