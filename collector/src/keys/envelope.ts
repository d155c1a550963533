import { aeadOpen, aeadSeal } from './aead';
import { AuditError } from '../model/errors';

/**
 * The sealed-value envelope stored (base64) in the *_sealed columns:
 *
 *   u8 format version (1) | u8 algorithm (1 = AES-256-GCM) | u8 key id length | key id (ASCII)
 *   | 96-bit nonce | ciphertext | 128-bit tag
 *
 * The associated data binds tenant, record id and column: a ciphertext copied into another
 * row or column, or another tenant, fails to open.
 */

const FORMAT_VERSION = 1;
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

export function seal(key: Buffer, keyId: string, plaintext: string, target: SealTarget): string {
  const id = Buffer.from(keyId, 'ascii');
  const header = Buffer.concat([Buffer.from([FORMAT_VERSION, AES_256_GCM, id.length]), id]);
  return aeadSeal(key, plaintext, associatedData(target), header).toString('base64');
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
