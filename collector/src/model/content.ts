import { jsonStrings } from './json-scan';

/**
 * A record's content as structure (docs/architecture.md, "Content as structure"): normalize
 * makes each document once, classify reads and redacts its strings, protect hashes from its
 * value, and it becomes text only when it is sealed.
 *
 * - `received`: content as it arrived, as text (a v1.37+ message list, a tool result, a
 *   plain prompt). It is sealed byte for byte as sent. Whether it is JSON, and its value,
 *   are found out only when something asks (parsing allocates the whole conversation).
 * - `value`: a JSON value built in memory (messages of older dialects, the `extra`
 *   attributes) or changed by a processor (redaction); serialized when sealed.
 */
export type ContentDocument =
  { kind: 'received'; text: string; parsed?: { value: unknown } | null } | { kind: 'value'; value: unknown };

export function receivedDocument(text: string): ContentDocument {
  return { kind: 'received', text };
}

export function valueDocument(value: unknown): ContentDocument {
  return { kind: 'value', value };
}

/** The text that is sealed: as received, or the value serialized. */
export function documentText(document: ContentDocument): string {
  return document.kind === 'received' ? document.text : JSON.stringify(document.value);
}

/** The document's JSON value; undefined for received text that is not JSON. Parsed once, on first use. */
export function documentValue(document: ContentDocument): unknown {
  if (document.kind === 'value') return document.value;
  if (document.parsed === undefined) {
    try {
      document.parsed = { value: JSON.parse(document.text) };
    } catch {
      document.parsed = null;
    }
  }
  return document.parsed?.value;
}

/**
 * Every string of the document, in order (object keys are structure, not content); received
 * text that is not JSON is one string. Received JSON is read as text, parsed or not, so what
 * is scanned depends on the text alone: every string it holds, a repeated key's too (the
 * value JSON.parse keeps drops all but the last, which would be sealed unscanned).
 */
export function documentStrings(document: ContentDocument): string[] {
  if (document.kind === 'received') return jsonStrings(document.text) ?? [document.text];
  const out: string[] = [];
  collect(documentValue(document), out);
  return out;
}

function collect(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) collect(item, out);
  else if (value !== null && typeof value === 'object')
    for (const key of Object.keys(value)) collect((value as Record<string, unknown>)[key], out);
}

/**
 * The document with every string replaced by `change(string)`. The same document when
 * nothing changed; otherwise a value document (received text that is not JSON stays text).
 */
export function rewriteStrings(document: ContentDocument, change: (text: string) => string): ContentDocument {
  const value = documentValue(document);
  if (document.kind === 'received' && value === undefined) {
    const text = change(document.text);
    return text === document.text ? document : { kind: 'received', text, parsed: null };
  }
  let changed = false;
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const next = change(node);
      if (next !== node) changed = true;
      return next;
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node !== null && typeof node === 'object') {
      // Null prototype: keys come from the sender ("__proto__" included).
      const copy: Record<string, unknown> = Object.create(null);
      for (const key of Object.keys(node)) copy[key] = visit((node as Record<string, unknown>)[key]);
      return copy;
    }
    return node;
  };
  const next = visit(value);
  return changed ? valueDocument(next) : document;
}
