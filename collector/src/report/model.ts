/**
 * What a report shows, independent of where it came from: data.ts fills it from the named
 * queries (collector/schemas/queries/), html.ts renders it. Amounts are numbers, times Dates (UTC).
 */

export interface ReportPeriod {
  from: Date;
  /** Exclusive. */
  to: Date;
  /** '' = every tenant. */
  tenant: string;
}

export interface Totals {
  calls: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  users: number;
  errors: number;
  /** Records (of any operation) with at least one violation. */
  recordsWithViolations: number;
}

export interface DayModelRow {
  /** Start of the bucket (UTC). */
  bucket: Date;
  model: string;
  calls: number;
  costUsd: number;
}

export interface ModelRow {
  model: string;
  provider: string;
  calls: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

export interface UserRow {
  user: string;
  tenant: string;
  calls: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

export interface ViolationRow {
  kind: string;
  count: number;
}

export interface DecryptRow {
  at: Date;
  actor: string;
  host: string;
  tenant: string;
  recordId: string;
  reason: string;
}

export interface ErasureRow {
  at: Date;
  tenant: string;
  subject: string;
  actor: string;
  reason: string;
  metadata: string;
  keysDestroyed: number;
  rowsAffected: number;
}

export interface RetentionRow {
  tenant: string;
  /** Records of the tenant stored now, and the oldest of them. */
  records: number;
  oldestRecord: Date | undefined;
  /** The retention the store's TTLs apply, in days (0: none found). */
  recordsDays: number;
  contentDays: number;
}

export interface ReportData {
  period: ReportPeriod;
  generatedAt: Date;
  collectorVersion: string;
  /** Width of a chart bucket in seconds (a day, or a week over long periods). */
  bucketSeconds: number;
  totals: Totals;
  byDayModel: DayModelRow[];
  models: ModelRow[];
  topUsers: UserRow[];
  violations: ViolationRow[];
  decrypts: DecryptRow[];
  erasures: ErasureRow[];
  /** The most decrypts and erasures listed; when a list has that many, there may be more. */
  listLimit: number;
  retention: RetentionRow[];
  /** The named queries each section came from, for the footer ("where does this figure come from"). */
  sources: { section: string; query: string }[];
}
