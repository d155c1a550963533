import { aeadOpen, aeadSeal } from './aead';
import { AuditError } from '../model/errors';
import { CONTENT_FIELDS, CONTENT_SEALED, type ContentField } from '../model/record';

/**
 * Sealed content (docs/architecture.md, "Sealing"). Two envelope formats open:
 *
 * Version 1, one per content field, stored base64 in the *_sealed columns (records written
 * before version 2; still opened, never written):
 *
 *   u8 1 | u8 algorithm (1 = AES-256-GCM) | u8 key id length | key id (ASCII)
 *   | 96-bit nonce | ciphertext | 128-bit tag
 *
 * Version 2, one per record, stored as raw bytes in `content_sealed`: every field of the
 * record in one GCM call (one cipher setup instead of up to five), with a field table (a
 * field's code is its place in CONTENT_FIELDS):
 *
 *   u8 2 | u8 algorithm | u8 key id length | key id | u8 field count
 *   | count x (u8 field code | u32 LE plaintext length) | 96-bit nonce | ciphertext | tag
 *
 * The associated data binds tenant, record id and column, as in version 1, and for version
 * 2 also the whole header: a field table that names a field another field's bytes, or an
 * envelope copied into another row, column or tenant, fails to open.
 */

const FORMAT_VERSION = 1;
const RECORD_FORMAT_VERSION = 2;
const AES_256_GCM = 1;

export interface SealTarget {
  tenantId: string;
  recordId: string;
  column: string;
}

export class EnvelopeError extends AuditError {}

function associatedData({ tenantId, recordId, column }: SealTarget): Buffer {
  return Buffer.from(`ai-audit/seal/v1|tenant=${encodeURIComponent(tenantId)}|record=${recordId}|column=${column}`);
}

/** The key id an envelope was sealed under (to fetch the key before opening). */
export function envelopeKeyId(sealed: string): string {
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < 3 || bytes[0] !== FORMAT_VERSION || bytes[1] !== AES_256_GCM)
    throw new EnvelopeError('not an ai-audit sealed value (unknown format)');
  return bytes.subarray(3, 3 + bytes[2]).toString('ascii');
}

/** Opens an envelope; throws EnvelopeError when the key or the target is not the one it was sealed for. */
export function open(key: Buffer, sealed: string, target: SealTarget): string {
  const bytes = Buffer.from(sealed, 'base64');
  envelopeKeyId(sealed);
  try {
    return aeadOpen(key, bytes.subarray(3 + bytes[2]), associatedData(target)).toString('utf8');
  } catch {
    throw new EnvelopeError(
      `the ${target.column} of record ${target.recordId} does not open: wrong key, or sealed for another record, column or tenant`,
    );
  }
}

export type RecordTarget = Omit<SealTarget, 'column'>;
const FIELD_CODE = new Map<string, number>(CONTENT_FIELDS.map((field, code) => [field, code]));

function recordAssociatedData(target: RecordTarget, header: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `ai-audit/seal/v2|tenant=${encodeURIComponent(target.tenantId)}|record=${target.recordId}|column=${CONTENT_SEALED}|`,
    ),
    header,
  ]);
}

/** Seals the given fields of one record into one envelope (raw bytes, for `content_sealed`). */
export function sealRecord(
  key: Buffer,
  keyId: string,
  fields: Partial<Record<ContentField, string>>,
  target: RecordTarget,
): Buffer {
  const id = Buffer.from(keyId, 'ascii');
  const codes: number[] = [];
  const lengths: number[] = [];
  let total = 0;
  for (const field of CONTENT_FIELDS) {
    const text = fields[field];
    if (text === undefined) continue;
    codes.push(FIELD_CODE.get(field) as number);
    lengths.push(Buffer.byteLength(text, 'utf8'));
    total += lengths[lengths.length - 1];
  }
  const header = Buffer.allocUnsafe(4 + id.length + codes.length * 5);
  header[0] = RECORD_FORMAT_VERSION;
  header[1] = AES_256_GCM;
  header[2] = id.length;
  let at = 3 + id.copy(header, 3);
  header[at++] = codes.length;
  for (let i = 0; i < codes.length; i++) {
    header[at] = codes[i];
    header.writeUInt32LE(lengths[i], at + 1);
    at += 5;
  }
  const plaintext = plaintextBuffer(total);
  try {
    let written = 0;
    for (const field of CONTENT_FIELDS) {
      const text = fields[field];
      if (text !== undefined) written += plaintext.write(text, written, 'utf8');
    }
    // The field table says where each field ends: a runtime whose UTF-8 length disagrees
    // with what it wrote must not seal a record whose fields do not open as they went in.
    if (written !== total) throw new EnvelopeError('a record envelope could not be assembled');
    return aeadSeal(key, plaintext, recordAssociatedData(target, header), header);
  } finally {
    plaintext.fill(0); // no plaintext left behind in a reused buffer
  }
}

/**
 * The fields of one envelope are written side by side into one buffer, reused from record to
 * record up to PLAINTEXT_REUSE bytes: a fresh buffer per field and one more to join them cost
 * more than encrypting them (each allocation of a few KB is a new backing store).
 */
const PLAINTEXT_REUSE = 1024 * 1024;
let reusable = Buffer.alloc(0);

function plaintextBuffer(length: number): Buffer {
  if (length > PLAINTEXT_REUSE) return Buffer.allocUnsafe(length);
  if (reusable.length < length)
    reusable = Buffer.alloc(Math.min(PLAINTEXT_REUSE, Math.max(length, 2 * reusable.length)));
  return reusable.subarray(0, length);
}

interface RecordHeader {
  keyId: string;
  fields: [field: ContentField, length: number][];
  /** Where the nonce starts. */
  end: number;
}

function recordHeader(sealed: Buffer): RecordHeader {
  if (sealed.length < 4 || sealed[0] !== RECORD_FORMAT_VERSION || sealed[1] !== AES_256_GCM)
    throw new EnvelopeError('not an ai-audit record envelope (unknown format)');
  const idEnd = 3 + sealed[2];
  const count = sealed[idEnd];
  const end = idEnd + 1 + count * 5;
  if (count === undefined || sealed.length < end) throw new EnvelopeError('a record envelope ends early');
  const fields: RecordHeader['fields'] = [];
  for (let at = idEnd + 1; at < end; at += 5) {
    const field = CONTENT_FIELDS[sealed[at]];
    if (field === undefined) throw new EnvelopeError('a record envelope names an unknown field');
    fields.push([field, sealed.readUInt32LE(at + 1)]);
  }
  return { keyId: sealed.subarray(3, idEnd).toString('ascii'), fields, end };
}

/** The fields a record envelope holds, read from its table without opening it. */
export function recordFields(sealed: Buffer): ContentField[] {
  return recordHeader(sealed).fields.map(([field]) => field);
}

/** The key id a record envelope was sealed under. */
export function recordKeyId(sealed: Buffer): string {
  return recordHeader(sealed).keyId;
}

/** Opens a record envelope into its fields; throws EnvelopeError when it was not sealed for `target` with `key`. */
export function openRecord(key: Buffer, sealed: Buffer, target: RecordTarget): Partial<Record<ContentField, string>> {
  const header = recordHeader(sealed);
  let plaintext: Buffer;
  try {
    plaintext = aeadOpen(
      key,
      sealed.subarray(header.end),
      recordAssociatedData(target, sealed.subarray(0, header.end)),
    );
  } catch {
    throw new EnvelopeError(
      `the content of record ${target.recordId} does not open: wrong key, or sealed for another record or tenant`,
    );
  }
  const fields: Partial<Record<ContentField, string>> = {};
  let at = 0;
  for (const [field, length] of header.fields) {
    if (at + length > plaintext.length) break;
    fields[field] = plaintext.toString('utf8', at, at + length);
    at += length;
  }
  if (at !== plaintext.length) throw new EnvelopeError("a record envelope's field table does not match its content");
  return fields;
}
