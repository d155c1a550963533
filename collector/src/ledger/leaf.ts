import { createHash } from 'node:crypto';
import { CONTENT_SEALED, SEALED_COLUMN } from '../model/record';
import { METADATA_COLUMNS } from '../store/row-binary';
import type { Leaf } from '../model/ledger';
import { leafHash } from './merkle';

export function sha256Hex(...parts: (Buffer | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/** The per-field sealed columns, then `content_sealed` (see SealedRange). */
const FIELD_SEALED = Object.values(SEALED_COLUMN);

/** The content digest of a row whose sealed columns are all empty (the per-field columns' five zero lengths). */
export const EMPTY_CONTENT = sha256Hex(Buffer.alloc(FIELD_SEALED.length));

/** The Merkle leaf hash of one committed row: its fields as one line of text. */
export function leafOf(leaf: Leaf): Buffer {
  return leafHash(`${leaf.id} ${leaf.timeNanos} ${leaf.meta} ${leaf.content}`);
}

/** The same leaf hash in SQL, over columns or array elements holding the four fields. */
export function leafSql(id: string, time: string, meta: string, content: string): string {
  return `SHA256(concat('\\0', toString(${id}), ' ', toString(toUnixTimestamp64Nano(${time})), ' ', ${meta}, ' ', ${content}))`;
}

/** A record row's metadata digest, computed by the engine (lower-case hex). */
export const RECORD_META_SQL = `lower(hex(SHA256(formatRow('RowBinary', ${METADATA_COLUMNS.join(', ')}))))`;
/**
 * A record row's content digest, computed by the engine: `content_sealed` counts only when it
 * holds an envelope, so rows written before the column existed keep their committed digest.
 */
export const RECORD_CONTENT_SQL = `lower(hex(SHA256(if(${CONTENT_SEALED} = '', formatRow('RowBinary', ${FIELD_SEALED.join(', ')}), formatRow('RowBinary', ${FIELD_SEALED.join(', ')}, ${CONTENT_SEALED})))))`;

/** The columns of access_log a leaf commits, in the order they are encoded. */
export const ACCESS_COLUMNS = [
  'entry_id',
  'at',
  'actor',
  'host',
  'action',
  'tenant_id',
  'record_id',
  'reason',
] as const;
export const ACCESS_META_SQL = `lower(hex(SHA256(formatRow('RowBinary', ${ACCESS_COLUMNS.join(', ')}))))`;
