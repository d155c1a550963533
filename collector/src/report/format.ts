/**
 * Escaping and number formatting for the report. Every value that reaches the HTML, in
 * text or in an attribute, inside the page or inside an SVG chart, goes through `escapeHtml`:
 * user ids, model names, tenants and reasons come from untrusted spans and CLI arguments.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** At most `max` characters, with an ellipsis when cut (for chart labels; tables show all). */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatInt(value: number): string {
  return INTEGER.format(Math.round(value));
}

/**
 * US dollars as an auditor reads them: cents from $1 up, and enough digits below it that a
 * call's cost (often a fraction of a cent) is not shown as $0.00.
 */
export function formatUsd(value: number): string {
  if (value === 0) return '$0.00';
  const abs = Math.abs(value);
  const digits = abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6;
  const text = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: digits }).format(abs);
  return `${value < 0 ? '-' : ''}$${text}`;
}

/** Short form for chart axes: $0.005, $1.2k, 15k, 2.5M. */
export function formatCompact(value: number, unit: 'usd' | 'count'): string {
  const abs = Math.abs(value);
  const prefix = unit === 'usd' ? '$' : '';
  let text: string;
  if (abs >= 1e6) text = `${trim(abs / 1e6)}M`;
  else if (abs >= 1e3) text = `${trim(abs / 1e3)}k`;
  else if (abs === 0 || abs >= 1) text = trim(abs);
  else text = String(Number(abs.toPrecision(2)));
  return `${value < 0 ? '-' : ''}${prefix}${text}`;
}

function trim(value: number): string {
  return String(Number(value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)));
}

export function formatPercent(part: number, whole: number): string {
  if (whole === 0) return '–';
  const pct = (part / whole) * 100;
  return `${pct > 0 && pct < 0.1 ? '<0.1' : Number(pct.toFixed(1))}%`;
}

/** `2026-05-04 13:45:10 UTC` (the store keeps UTC; the report says so). */
export function formatTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A store timestamp ("2026-05-04 13:45:10.123" or ISO) as a Date, read as UTC. */
export function parseStoreTime(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = String(value).trim();
  const iso = /^\d{4}-\d{2}-\d{2} /.test(text) ? `${text.replace(' ', 'T')}` : text;
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`;
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : withZone);
  if (Number.isNaN(date.getTime())) throw new Error(`"${text.slice(0, 40)}" is not a timestamp`);
  return date;
}

/** A ClickHouse number (JSON number, or a string for 64-bit and decimal values) or NULL as a JS number. */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}
