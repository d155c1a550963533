/**
 * A minimal protobuf wire-format reader over one request body.
 *
 * Every read takes the `end` of the message it belongs to, so a nested length can never
 * reach past its parent, and nothing is sliced before its length has been checked against
 * what remains. Errors are OtlpDecodeError with a byte offset and never any content.
 * 64-bit varints land in `lo`/`hi` (unsigned 32-bit halves) instead of a returned object,
 * so hot paths allocate nothing.
 */
import { OtlpDecodeError } from './types';

/** Node's Buffer has these (undocumented in @types/node); they skip toString's encoding switch. */
interface FastBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
}

const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

export class ProtoReader {
  readonly buf: FastBuffer;
  pos = 0;
  /** Low and high unsigned 32-bit halves of the last varint read. */
  lo = 0;
  hi = 0;

  constructor(bytes: Uint8Array) {
    // A Buffer view over the same memory: no copy, and it gives us utf8Slice/hexSlice.
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as FastBuffer;
  }

  /** A field tag (field number << 3 | wire type); validity is checked only when skipping. */
  tag(end: number): number {
    const at = this.pos;
    const tag = this.uint32(end);
    if (this.hi !== 0) throw new OtlpDecodeError(`field tag out of range at byte ${at}`);
    return tag;
  }

  /**
   * The low 32 bits of a varint (int32/uint32/enum semantics); `hi` holds the rest,
   * 0 on the one-byte fast path.
   */
  uint32(end: number): number {
    const pos = this.pos;
    if (pos < end) {
      const b = this.buf[pos];
      if (b < 0x80) {
        this.pos = pos + 1;
        this.hi = 0;
        return b;
      }
    }
    this.varint64(end);
    return this.lo;
  }

  /**
   * Reads a varint of up to 10 bytes into lo/hi. More than 64 bits is refused, as
   * protobuf-go does, rather than silently dropping the excess.
   */
  varint64(end: number): void {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let b: number;
    // Bytes 0-3 carry 28 bits of lo.
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw truncated(start);
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return this.setVarint(pos, lo, 0);
    }
    // Byte 4 carries the top 4 bits of lo and the low 3 bits of hi.
    if (pos >= end) throw truncated(start);
    b = buf[pos++];
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b < 0x80) return this.setVarint(pos, lo, hi);
    // Bytes 5-8 carry 28 more bits of hi.
    for (let shift = 3; shift < 31; shift += 7) {
      if (pos >= end) throw truncated(start);
      b = buf[pos++];
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return this.setVarint(pos, lo, hi);
    }
    // Byte 9 may only carry the 64th bit.
    if (pos >= end) throw truncated(start);
    b = buf[pos++];
    if (b > 1) throw new OtlpDecodeError(`varint longer than 64 bits at byte ${start}`);
    return this.setVarint(pos, lo, hi | (b << 31));
  }

  private setVarint(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A fixed64 as an unsigned bigint (timestamps). */
  fixed64BigInt(end: number): bigint {
    const pos = this.pos;
    if (end - pos < 8) throw truncated(pos);
    this.pos = pos + 8;
    return this.buf.readBigUInt64LE(pos);
  }

  double(end: number): number {
    const pos = this.pos;
    if (end - pos < 8) throw truncated(pos);
    this.pos = pos + 8;
    return this.buf.readDoubleLE(pos);
  }

  /**
   * Reads the length prefix of a length-delimited field and returns where its payload ends;
   * `pos` is left at the start of the payload. The length must fit inside `end`.
   */
  lengthEnd(end: number): number {
    const at = this.pos;
    const len = this.uint32(end);
    if (this.hi !== 0 || len > end - this.pos) throw pastEnd(at);
    return this.pos + len;
  }

  /** A whole length-delimited field as UTF-8 text (invalid sequences become U+FFFD). */
  string(end: number): string {
    const stop = this.lengthEnd(end);
    const start = this.pos;
    this.pos = stop;
    return this.utf8(start, stop);
  }

  /** A whole length-delimited field as lowercase hex of its bytes (trace and span ids). */
  hexString(end: number): string {
    const stop = this.lengthEnd(end);
    const start = this.pos;
    this.pos = stop;
    return start === stop ? '' : this.buf.hexSlice(start, stop);
  }

  /** UTF-8 text of buf[start, stop), lossy on invalid sequences. */
  utf8(start: number, stop: number): string {
    return start === stop ? '' : this.buf.utf8Slice(start, stop);
  }

  /** A copy of buf[start, stop), so a kept value does not pin the whole request in memory. */
  copy(start: number, stop: number): Uint8Array {
    const out = new Uint8Array(stop - start);
    out.set(this.buf.subarray(start, stop));
    return out;
  }

  /** Skips one field of any wire type; groups (deprecated in proto3) are refused. */
  skip(tag: number, end: number): void {
    const at = this.pos;
    if (tag >>> 3 === 0) throw new OtlpDecodeError(`field number 0 at byte ${at}`);
    switch (tag & 7) {
      case WireType.Varint:
        this.varint64(end);
        return;
      case WireType.Fixed64:
        if (end - at < 8) throw truncated(at);
        this.pos = at + 8;
        return;
      case WireType.LengthDelimited:
        this.pos = this.lengthEnd(end);
        return;
      case WireType.Fixed32:
        if (end - at < 4) throw truncated(at);
        this.pos = at + 4;
        return;
      case WireType.StartGroup:
      case WireType.EndGroup:
        throw new OtlpDecodeError(`group fields are not supported (byte ${at})`);
      default:
        throw new OtlpDecodeError(`invalid wire type ${tag & 7} at byte ${at}`);
    }
  }
}

function truncated(at: number): OtlpDecodeError {
  return new OtlpDecodeError(`truncated field at byte ${at}`);
}

function pastEnd(at: number): OtlpDecodeError {
  return new OtlpDecodeError(`length at byte ${at} runs past the end of its message`);
}
