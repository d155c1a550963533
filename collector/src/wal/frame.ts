import { crc32 } from 'node:zlib';

/**
 * One WAL entry on disk:
 *
 *   u32 payload length | u32 CRC-32 of the rest | u64 sequence | u64 append time (ms since
 *   the epoch) | u32 row count | payload
 *
 * little-endian. The checksum covers everything after itself, so a torn or bit-flipped
 * tail is recognised and never replayed.
 */
export const HEADER_BYTES = 28;

/** Refuse absurd lengths found in a damaged header instead of allocating them. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024;

export interface Frame {
  seq: number;
  appendedAt: number;
  rows: number;
  payload: Buffer;
}

/**
 * The header of the frame that `payload` follows on disk. Header and payload are written side
 * by side (writev), so the payload, often megabytes, is never copied.
 */
export function frameHeader(seq: number, appendedAt: number, rows: number, payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeBigUInt64LE(BigInt(seq), 8);
  header.writeBigUInt64LE(BigInt(appendedAt), 16);
  header.writeUInt32LE(rows, 24);
  header.writeUInt32LE(crc32(payload, crc32(header.subarray(8))), 4);
  return header;
}

export type DecodeOutcome = { frame: Frame; bytes: number } | { incomplete: true } | { corrupt: string };

/** Decodes the frame at `offset` of `buffer` (which may end mid-frame). */
export function decodeFrame(buffer: Buffer, offset: number): DecodeOutcome {
  if (buffer.length - offset < HEADER_BYTES) return { incomplete: true };
  const length = buffer.readUInt32LE(offset);
  if (length > MAX_PAYLOAD_BYTES) return { corrupt: `entry length ${length} is not plausible` };
  const end = offset + HEADER_BYTES + length;
  if (end > buffer.length) return { incomplete: true };
  if (crc32(buffer.subarray(offset + 8, end)) !== buffer.readUInt32LE(offset + 4))
    return { corrupt: 'checksum mismatch' };
  const seq = Number(buffer.readBigUInt64LE(offset + 8));
  const appendedAt = Number(buffer.readBigUInt64LE(offset + 16));
  const rows = buffer.readUInt32LE(offset + 24);
  return {
    frame: { seq, appendedAt, rows, payload: buffer.subarray(offset + HEADER_BYTES, end) },
    bytes: HEADER_BYTES + length,
  };
}
