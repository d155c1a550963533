import type { ContentDocument } from '../../model/content';
import type { AuditRecord } from '../../model/record';

/**
 * A held record, content included, as JSON for the join journal (sealed before it is
 * written, journal.ts) and back. Only the journal uses it: rows for the store come from
 * store/row-binary.ts, which never writes content.
 */
export function encodeHeld(record: AuditRecord): string {
  return JSON.stringify(record, (key, value: unknown) =>
    key === 'timestamp' && typeof value === 'bigint' ? value.toString() : key === 'parsed' ? undefined : value,
  );
}

export function decodeHeld(text: string): AuditRecord {
  const record = JSON.parse(text) as AuditRecord & { timestamp: string };
  const content = record.content as Record<string, ContentDocument>;
  for (const field of Object.keys(content)) {
    const document = content[field];
    content[field] =
      document.kind === 'received'
        ? { kind: 'received', text: document.text }
        : { kind: 'value', value: document.value };
  }
  return { ...record, timestamp: BigInt(record.timestamp) };
}
