import { ALL_SEALED_COLUMNS } from '../model/record';
import type { Store } from './client';

/**
 * Retention is ClickHouse TTL (docs/architecture.md, "Retention is TTL"): table TTL for whole records, column TTL for
 * sealed content. `CREATE TABLE IF NOT EXISTS` never changes an existing table, so on every
 * start the TTLs in the table definition are compared with the configured ones and changed
 * with ALTER ... MODIFY TTL where they differ.
 */

const UNITS: [ms: number, fn: string][] = [
  [86_400_000, 'toIntervalDay'],
  [3_600_000, 'toIntervalHour'],
  [60_000, 'toIntervalMinute'],
  [1_000, 'toIntervalSecond'],
];

/**
 * The TTL expression for a retention, in the form ClickHouse itself prints in SHOW CREATE
 * TABLE (so the comparison below is exact): the largest unit that divides the duration.
 * Sub-second parts are rounded up to a whole second.
 */
export function ttlExpression(retentionMs: number, column = 'timestamp'): string {
  const ms = Math.max(1000, Math.ceil(retentionMs / 1000) * 1000);
  const [unit, fn] = UNITS.find(([unitMs]) => ms % unitMs === 0) as [number, string];
  return `toDateTime(${column}) + ${fn}(${ms / unit})`;
}

export interface RetentionChange {
  target: string;
  ttl: string;
}

export async function applyRetention(
  store: Store,
  database: string,
  retention: { recordsMs: number; contentMs: number },
): Promise<RetentionChange[]> {
  // On a cluster the TTLs are on the tables that store the rows, and change everywhere.
  const table = `${database}.${store.layout.local('records')}`;
  const alter = `ALTER TABLE ${table}${store.layout.onCluster}`;
  // SHOW CREATE prints one clause or column per line, which makes the TTLs easy to find.
  const [row] = await store.queryRows<{ statement: string }>(`SHOW CREATE TABLE ${table}`);
  const lines = row.statement.split('\n').map((line) => line.trim());
  const changes: RetentionChange[] = [];
  const recordsTtl = ttlExpression(retention.recordsMs);
  if (!lines.includes(`TTL ${recordsTtl}`)) {
    await store.command(`${alter} MODIFY TTL ${recordsTtl}`);
    changes.push({ target: 'records', ttl: recordsTtl });
  }
  const contentTtl = ttlExpression(retention.contentMs);
  for (const column of ALL_SEALED_COLUMNS) {
    if (columnTtl(lines, column) === contentTtl) continue;
    await store.command(`${alter} MODIFY COLUMN ${column} TTL ${contentTtl}`);
    changes.push({ target: column, ttl: contentTtl });
  }
  return changes;
}

function columnTtl(lines: string[], column: string): string | undefined {
  const line = lines.find((l) => l.startsWith(`\`${column}\` `));
  const at = line?.lastIndexOf(' TTL ') ?? -1;
  return line === undefined || at === -1 ? undefined : line.slice(at + 5).replace(/,$/, '');
}
