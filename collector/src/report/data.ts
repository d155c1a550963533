import { parseStoreTime, toNumber } from './format';
import type { ReportData, ReportPeriod } from './model';

/**
 * The report's figures, gathered only through the named queries of collector/schemas/queries/ (the
 * single source shared with the CLI and the dashboards): one query per section, run by
 * the caller's `run` (the read-only, budgeted path of `ai-audit sql`: the control socket
 * when a collector runs, an analyst session otherwise).
 */

export type Row = Record<string, unknown>;

/** Runs the named query `name` with these parameter values (text, as on a command line). */
export type NamedQueryRunner = (name: string, values: Record<string, string>) => Promise<Row[]>;

export interface GatherOptions {
  period: ReportPeriod;
  collectorVersion: string;
  /** How many users the "top users" section lists. */
  topUsers?: number;
  /** Called before each section: index from 1, the count, and what is being gathered. */
  progress?: (step: number, total: number, label: string) => void;
  now?: Date;
}

const DAY_S = 86_400;

/** The query behind each section (file names in collector/schemas/queries/). */
export const REPORT_QUERIES = {
  totals: 'usage_summary',
  byDayModel: 'usage_by_model',
  topUsers: 'top_users_by_cost',
  violations: 'violations_over_time',
  decrypts: 'decrypts',
  erasures: 'erasures',
  retention: 'retention',
} as const;

/** The most decrypts and erasures the report lists (the queries return the newest first). */
export const LIST_LIMIT = 1000;

/** A day per bar up to three months, a week beyond (a year is 53 bars, not 365). */
export function bucketSeconds(period: ReportPeriod): number {
  const days = (period.to.getTime() - period.from.getTime()) / (DAY_S * 1000);
  return days <= 92 ? DAY_S : days <= 3 * 366 ? 7 * DAY_S : 28 * DAY_S;
}

/** The first of `names` the row has (queries name a column as they see fit; the report reads what it needs). */
function pick(row: Row, ...names: string[]): unknown {
  for (const name of names) if (name in row) return row[name];
  return undefined;
}

const num = (row: Row, ...names: string[]): number => toNumber(pick(row, ...names));
const str = (row: Row, ...names: string[]): string => {
  const value = pick(row, ...names);
  return value === null || value === undefined ? '' : String(value);
};

export async function gatherReport(run: NamedQueryRunner, options: GatherOptions): Promise<ReportData> {
  const { period } = options;
  const bucket = bucketSeconds(period);
  const tenant: Record<string, string> = period.tenant === '' ? {} : { tenant: period.tenant };
  const base = { from: period.from.toISOString(), to: period.to.toISOString(), ...tenant };
  const unit = bucket === DAY_S ? 'day' : bucket === 7 * DAY_S ? 'week' : `${bucket / DAY_S} days`;
  const steps: [label: string, query: string, values: Record<string, string>][] = [
    ['headline figures', REPORT_QUERIES.totals, base],
    [`cost, calls and tokens by ${unit} and model`, REPORT_QUERIES.byDayModel, { ...base, interval_s: String(bucket) }],
    ['top users by cost', REPORT_QUERIES.topUsers, { ...base, limit: String(options.topUsers ?? 10) }],
    ['violations by kind', REPORT_QUERIES.violations, { ...base, interval_s: String(bucket) }],
    ['decrypts', REPORT_QUERIES.decrypts, { ...base, limit: String(LIST_LIMIT) }],
    ['erasures', REPORT_QUERIES.erasures, { ...base, limit: String(LIST_LIMIT) }],
    ['retention in force', REPORT_QUERIES.retention, tenant],
  ];
  const results: Row[][] = [];
  for (const [i, [label, query, values]] of steps.entries()) {
    options.progress?.(i + 1, steps.length, label);
    results.push(await run(query, values));
  }
  const [totals, usage, topUsers, violations, decrypts, erasures, retention] = results;
  const t = totals[0] ?? {};
  const byDayModel = usage.map((r) => ({
    bucket: parseStoreTime(pick(r, 'bucket')),
    provider: str(r, 'provider'),
    model: str(r, 'model'),
    calls: num(r, 'calls'),
    costUsd: num(r, 'cost_usd'),
    inputTokens: num(r, 'input_tokens'),
    outputTokens: num(r, 'output_tokens'),
  }));
  return {
    period,
    generatedAt: options.now ?? new Date(),
    collectorVersion: options.collectorVersion,
    bucketSeconds: bucket,
    totals: {
      calls: num(t, 'calls'),
      costUsd: num(t, 'cost_usd'),
      inputTokens: num(t, 'input_tokens'),
      outputTokens: num(t, 'output_tokens'),
      users: num(t, 'users'),
      errors: num(t, 'errors'),
      recordsWithViolations: num(t, 'records_with_violations'),
    },
    byDayModel: byDayModel.map(({ bucket: b, model, calls, costUsd }) => ({ bucket: b, model, calls, costUsd })),
    models: sumBy(
      byDayModel,
      (r) => `${r.provider}\u0000${r.model}`,
      (r) => ({ model: r.model, provider: r.provider, calls: 0, costUsd: 0, inputTokens: 0, outputTokens: 0 }),
      (acc, r) => {
        acc.calls += r.calls;
        acc.costUsd += r.costUsd;
        acc.inputTokens += r.inputTokens;
        acc.outputTokens += r.outputTokens;
      },
    ),
    topUsers: topUsers.map((r) => ({
      user: str(r, 'user'),
      tenant: str(r, 'tenant'),
      calls: num(r, 'calls'),
      costUsd: num(r, 'cost_usd'),
      inputTokens: num(r, 'input_tokens'),
      outputTokens: num(r, 'output_tokens'),
    })),
    violations: sumBy(
      violations.map((r) => ({ kind: str(r, 'kind'), count: num(r, 'records') })),
      (r) => r.kind,
      (r) => ({ kind: r.kind, count: 0 }),
      (acc, r) => {
        acc.count += r.count;
      },
    ),
    decrypts: decrypts.map((r) => ({
      at: parseStoreTime(pick(r, 'time')),
      actor: str(r, 'actor'),
      host: str(r, 'host'),
      tenant: str(r, 'tenant'),
      recordId: str(r, 'record_id'),
      reason: str(r, 'reason'),
    })),
    erasures: erasures.map((r) => ({
      at: parseStoreTime(pick(r, 'time')),
      tenant: str(r, 'tenant'),
      subject: str(r, 'subject_pseudonym'),
      actor: str(r, 'actor'),
      reason: str(r, 'reason'),
      metadata: str(r, 'metadata'),
      keysDestroyed: num(r, 'keys_destroyed'),
      rowsAffected: num(r, 'rows_affected'),
    })),
    listLimit: LIST_LIMIT,
    retention: retention.map((r) => {
      const oldest = pick(r, 'oldest_record');
      return {
        tenant: str(r, 'tenant'),
        records: num(r, 'records'),
        oldestRecord: oldest === null || oldest === undefined ? undefined : parseStoreTime(oldest),
        recordsDays: num(r, 'records_retention_days'),
        contentDays: num(r, 'content_retention_days'),
      };
    }),
    sources: steps.map(([section, query]) => ({ section, query })),
  };
}

/** Rows summed by key, in the order keys first appear. */
function sumBy<R, A>(rows: R[], key: (row: R) => string, init: (row: R) => A, add: (acc: A, row: R) => void): A[] {
  const groups = new Map<string, A>();
  for (const row of rows) {
    const k = key(row);
    let acc = groups.get(k);
    if (!acc) groups.set(k, (acc = init(row)));
    add(acc, row);
  }
  return [...groups.values()];
}
