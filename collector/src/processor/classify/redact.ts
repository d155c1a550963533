/**
 * Redaction: replaces the spans of selected findings with `[REDACTED:<kind>]`. Overlapping
 * findings collapse into one marker (the first-starting finding's kind), so no part of an
 * overlapping value survives between two markers.
 */
import type { Finding } from './types';

export function redactSpans(text: string, findings: readonly Finding[], selected: (kind: string) => boolean): string {
  const chosen: Finding[] = [];
  for (const f of findings) {
    if (
      !Number.isInteger(f.start) ||
      !Number.isInteger(f.end) ||
      f.start < 0 ||
      f.end > text.length ||
      f.start >= f.end
    ) {
      // Names the kind and offsets only: a finding never carries its value.
      throw new RangeError(
        `redact: finding ${f.kind} [${f.start}, ${f.end}) is not a span of this text (length ${text.length})`,
      );
    }
    if (selected(f.kind)) chosen.push(f);
  }
  if (chosen.length === 0) return text;
  chosen.sort((a, b) => a.start - b.start || b.end - a.end);
  const parts: string[] = [];
  let cursor = 0;
  for (const f of chosen) {
    if (f.start < cursor) {
      cursor = Math.max(cursor, f.end); // overlaps the previous marker: extend it
      continue;
    }
    parts.push(text.slice(cursor, f.start), `[REDACTED:${f.kind}]`);
    cursor = f.end;
  }
  parts.push(text.slice(cursor));
  return parts.join('');
}
