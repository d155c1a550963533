import { parseJson } from '../../model/json';
import type { AnyValue, Attributes } from '../../model/traces';
import { receivedDocument, valueDocument, type ContentDocument } from '../../model/content';

/**
 * Conversions from decoded OTLP values to the plain types of audit columns. Producers
 * disagree on types (token counts as strings, booleans as "true", arrays as JSON text),
 * so every reader here is lenient about the representation and strict about the meaning.
 */

export function asString(value: AnyValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return toJson(value);
}

/** A non-negative integer count, or null when absent or not a count. */
export function asCount(value: AnyValue | undefined): number | null {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && /^\d{1,15}$/.test(value.trim())) n = Number(value.trim());
  else return null;
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

export function asNumber(value: AnyValue | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function asBoolean(value: AnyValue | undefined): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

/** A string list from a string[] attribute, a JSON array string, or a single string. */
export function asStringList(value: AnyValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map((v) => asString(v));
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('[')) {
      const parsed = parseJson(trimmed);
      if (Array.isArray(parsed)) return parsed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    }
    return trimmed === '' ? [] : [value];
  }
  return [asString(value)];
}

/** First attribute present (not undefined/null) among `keys`. */
export function first(attributes: Attributes, keys: readonly string[]): AnyValue | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

/** `prefix` + `N.rest` keys grouped by N, values keyed by `rest`. */
function collectIndexed(attributes: Record<string, unknown>, prefix: string): Map<number, Record<string, string>> {
  const out = new Map<number, Record<string, string>>();
  for (const key of Object.keys(attributes)) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    const index = Number(dot === -1 ? rest : rest.slice(0, dot));
    if (!Number.isInteger(index) || dot === -1) continue;
    const fields = out.get(index) ?? Object.create(null);
    fields[rest.slice(dot + 1)] = asString(attributes[key] as AnyValue);
    out.set(index, fields);
  }
  return out;
}

/** The groups of `collectIndexed`, in index order. */
export function indexedList(attributes: Record<string, unknown>, prefix: string): Record<string, string>[] {
  return [...collectIndexed(attributes, prefix).entries()].sort(([x], [y]) => x - y).map(([, fields]) => fields);
}

/** A content attribute as a document: a string as sent (parsed when it is JSON), a structured value as is. */
export function verbatim(value: AnyValue | undefined): ContentDocument | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? receivedDocument(value) : valueDocument(toPlain(value));
}

/** JSON text for a structured value: kvlists become objects, bytes base64, bigints numbers. */
export function toJson(value: AnyValue): string {
  return JSON.stringify(toPlain(value));
}

/** A structured AnyValue as plain JSON-compatible data. */
export function toPlain(value: AnyValue): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? Number(value) : value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = toPlain(value[key]);
  return out;
}
