import { isIdentifier } from '../config/identifier';
import type { Store } from '../store/client';
import type { NamedQuery } from './catalog';
import { queryForDisplay } from './run';

/**
 * Running a named query: its statement for the configured database, through the same
 * guarded, budgeted path as `ai-audit sql` (queryForDisplay), parameters bound by the engine.
 */

/**
 * The query files name the default database, `ai_audit.`; for another one every
 * `ai_audit.` is rewritten, in names and in string literals alike (the retention query
 * looks its table up in system.tables as 'ai_audit.records').
 */
export function statementFor(query: NamedQuery, database: string): string {
  if (!isIdentifier(database)) throw new Error(`"${database.slice(0, 40)}" is not a database name`);
  return query.sql.replace(/\bai_audit\./g, `${database}.`);
}

/** Rows as objects; counts and sums are JSON numbers whatever the session's output settings. */
export async function runNamedQuery(
  store: Store,
  query: NamedQuery,
  params: Record<string, string | number>,
  database: string,
): Promise<Record<string, unknown>[]> {
  return rowsOf(await queryForDisplay(store, statementFor(query, database), 'JSON', params));
}

interface JsonResult {
  meta: { name: string; type: string }[];
  data: Record<string, unknown>[];
}

/** 64-bit integers and decimals, which the engine may quote. */
const WIDE_NUMBER = /^(Nullable\()?(U?Int(64|128|256)|Decimal)/;

/** The rows of a JSON-format result, wide numbers as JSON numbers (in-process and through the control socket alike). */
export function rowsOf(text: string): Record<string, unknown>[] {
  const { meta, data } = JSON.parse(text) as JsonResult;
  const wide = meta.filter((column) => WIDE_NUMBER.test(column.type)).map((column) => column.name);
  for (const row of data) {
    for (const name of wide) if (typeof row[name] === 'string') row[name] = Number(row[name]);
  }
  return data;
}
