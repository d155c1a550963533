import type { ContentDocument } from '../../model/content';
import type { AuditRecord, RecordContent } from '../../model/record';

/**
 * A held record, content included, as JSON for the join journal (sealed before it is
 * written, journal.ts) and back. Only the journal uses it: rows for the store come from
 * store/row-binary.ts, which never writes content. Content documents are written as what
 * they are (received text, or a value); a document's parse cache is not part of it.
 */
export function encodeHeld(record: AuditRecord): string {
  const content: Record<string, unknown> = {};
  for (const [field, document] of Object.entries(record.content) as [string, ContentDocument | undefined][]) {
    if (document === undefined) continue;
    content[field] = document.kind === 'received' ? { kind: 'received', text: document.text } : document;
  }
  return JSON.stringify({ ...record, timestamp: record.timestamp.toString(), content });
}

export function decodeHeld(text: string): AuditRecord {
  const record = JSON.parse(text) as Omit<AuditRecord, 'timestamp'> & { timestamp: string };
  return { ...record, timestamp: BigInt(record.timestamp), content: record.content as RecordContent };
}
