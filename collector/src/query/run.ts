import type { Store } from '../store/client';
import { guardQuery } from './guard';

/**
 * `ai-audit sql`: a read-only query rendered as a table, a JSON array of row objects, or
 * CSV with a header. A query ending in its own `FORMAT <name>` gets that format verbatim.
 */

export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Runs SQL in a ClickHouse output format and returns the text (store or control socket). */
export type QuerySource = (sql: string, clickhouseFormat: string) => Promise<string>;

const CLICKHOUSE_FORMAT: Record<OutputFormat, string> = {
  table: 'JSONCompact',
  json: 'JSONEachRow',
  csv: 'CSVWithNames',
};

const TRAILING_FORMAT = /\s+FORMAT\s+([A-Za-z][A-Za-z0-9]*)\s*;?\s*$/i;

/**
 * The one way a store answers `sql` queries, used in-process and behind the control socket.
 * `store` is an analyst's session (Store.open with `readOnly`: budget, display settings,
 * readonly=1); only the canonical statement the guard allowed runs, with the `{name:Type}`
 * parameters (named queries) bound by the engine.
 */
export async function queryForDisplay(
  store: Store,
  sql: string,
  clickhouseFormat: string,
  params?: Record<string, string | number>,
): Promise<string> {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(clickhouseFormat))
    throw new Error(`"${clickhouseFormat.slice(0, 40)}" is not a ClickHouse format name`);
  return store.queryText(await guardQuery(store, sql, params), clickhouseFormat, params);
}

export async function runQuery(source: QuerySource, sql: string, format: OutputFormat): Promise<string> {
  const statement = sql.trim().replace(/;\s*$/, '');
  const explicit = TRAILING_FORMAT.exec(statement);
  if (explicit) return source(statement.slice(0, explicit.index), explicit[1]);
  const raw = await source(statement, CLICKHOUSE_FORMAT[format]);
  switch (format) {
    case 'table':
      return renderTable(JSON.parse(raw) as JsonCompact);
    case 'json':
      return jsonArray(raw);
    case 'csv':
      return raw;
  }
}

interface JsonCompact {
  meta: { name: string; type: string }[];
  data: unknown[][];
  rows: number;
}

/** JSONEachRow lines joined textually, so 64-bit numbers keep every digit. */
function jsonArray(lines: string): string {
  const rows = lines.split('\n').filter((line) => line.trim() !== '');
  return rows.length === 0 ? '[]\n' : `[\n${rows.map((row) => `  ${row}`).join(',\n')}\n]\n`;
}

const MAX_CELL = 80;

function cell(value: unknown): string {
  const text = value === null ? 'NULL' : typeof value === 'string' ? value : JSON.stringify(value);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/** Numbers read best aligned to the right, as clickhouse-client prints them. */
const NUMERIC = /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/;

function renderTable({ meta, data }: JsonCompact): string {
  const header = meta.map((column) => column.name);
  const right = meta.map((column) => NUMERIC.test(column.type));
  const rows = data.map((row) => row.map(cell));
  const widths = header.map((name, i) => Math.max(name.length, ...rows.map((row) => row[i].length)));
  const pad = (value: string, i: number): string => (right[i] ? value.padStart(widths[i]) : value.padEnd(widths[i]));
  const line = (values: string[]): string => `│ ${values.map(pad).join(' │ ')} │`;
  const rule = (left: string, middle: string, right: string): string =>
    `${left}${widths.map((w) => '─'.repeat(w + 2)).join(middle)}${right}`;
  const title = `│ ${header.map((name, i) => name.padEnd(widths[i])).join(' │ ')} │`;
  const out = [rule('┌', '┬', '┐'), title, rule('├', '┼', '┤'), ...rows.map(line), rule('└', '┴', '┘')];
  out.push(`${data.length} row${data.length === 1 ? '' : 's'}`);
  return `${out.join('\n')}\n`;
}
