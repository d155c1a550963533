import { CONTENT_SEALED, SEALED_COLUMN, type AuditRecord } from '../model/record';

/**
 * Audit records as ClickHouse RowBinary (docs/architecture.md, "Rows in RowBinary"): the
 * columns of `records` in table order, each value in its binary form, no field names and
 * nothing to escape. The engine reads it without parsing text, and a value may hold any
 * byte (a blank line inside content, which ends inline insert data, is just bytes here).
 *
 * The row is built from an explicit column list: the record's in-memory `content` has no
 * column and so can never be written.
 */

type Kind =
  | 'DateTime64(9)'
  | 'UUID'
  | 'String'
  | 'LowCardinality(String)'
  | 'Nullable(UInt32)'
  | 'Nullable(Decimal(18, 9))'
  | 'Float64'
  | 'Nullable(Float64)'
  | 'Bool'
  | "Enum8('ok' = 1, 'error' = 2)"
  | 'Array(LowCardinality(String))'
  | 'Map(LowCardinality(String), String)';

/** The columns a record row holds, in the table's order, with their ClickHouse types. */
export const RECORD_COLUMNS: readonly (readonly [keyof AuditRecord, Kind])[] = [
  ['timestamp', 'DateTime64(9)'],
  ['tenant_id', 'LowCardinality(String)'],
  ['record_id', 'UUID'],
  ['trace_id', 'String'],
  ['span_id', 'String'],
  ['parent_span_id', 'String'],
  ['span_name', 'LowCardinality(String)'],
  ['scope_name', 'LowCardinality(String)'],
  ['scope_version', 'LowCardinality(String)'],
  ['service_name', 'LowCardinality(String)'],
  ['service_version', 'LowCardinality(String)'],
  ['environment', 'LowCardinality(String)'],
  ['user_id', 'String'],
  ['session_id', 'String'],
  ['conversation_id', 'String'],
  ['feature', 'LowCardinality(String)'],
  ['operation', 'LowCardinality(String)'],
  ['provider', 'LowCardinality(String)'],
  ['request_model', 'LowCardinality(String)'],
  ['response_model', 'LowCardinality(String)'],
  ['response_id', 'String'],
  ['server_address', 'LowCardinality(String)'],
  ['agent_name', 'LowCardinality(String)'],
  ['tool_name', 'LowCardinality(String)'],
  ['tool_call_id', 'String'],
  ['input_tokens', 'Nullable(UInt32)'],
  ['output_tokens', 'Nullable(UInt32)'],
  ['cache_read_tokens', 'Nullable(UInt32)'],
  ['cache_write_tokens', 'Nullable(UInt32)'],
  ['reasoning_tokens', 'Nullable(UInt32)'],
  ['cost_usd', 'Nullable(Decimal(18, 9))'],
  ['latency_ms', 'Float64'],
  ['ttft_ms', 'Nullable(Float64)'],
  ['streaming', 'Bool'],
  ['status', "Enum8('ok' = 1, 'error' = 2)"],
  ['error_type', 'LowCardinality(String)'],
  ['finish_reasons', 'Array(LowCardinality(String))'],
  ['violations', 'Array(LowCardinality(String))'],
  ['prompt_hash', 'String'],
  ['response_hash', 'String'],
  ['content_key_id', 'String'],
  ['input_sealed', 'String'],
  ['output_sealed', 'String'],
  ['system_sealed', 'String'],
  ['tools_sealed', 'String'],
  ['extra_sealed', 'String'],
  ['content_sealed', 'String'],
  ['attributes', 'Map(LowCardinality(String), String)'],
  ['resource', 'Map(LowCardinality(String), String)'],
];

/** The column list of an INSERT of these rows (the table's other columns take their defaults). */
export const RECORD_COLUMN_NAMES: readonly string[] = RECORD_COLUMNS.map(([name]) => name);

const STATUS = { ok: 1, error: 2 } as const;
/** Decimal(18, 9) holds 9 digits before the point: below 1e9. */
const MAX_DECIMAL = 1e9;

function isUInt32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;
}

function varintBytes(value: number): number {
  let bytes = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) bytes++;
  return bytes;
}

/** A growing buffer rows are written into, reused from row to row. */
export class RowWriter {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private at = 0;

  /** The bytes written since `from`, copied out. */
  take(from: number): Buffer {
    return Buffer.from(this.buffer.subarray(from, this.at));
  }

  /** The bytes written from `start` to `end`, not copied: valid until the next write. */
  view(start: number, end: number): Buffer {
    return this.buffer.subarray(start, end);
  }

  get offset(): number {
    return this.at;
  }

  reset(): void {
    this.at = 0;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.at + bytes, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, this.at);
    this.buffer = next;
  }

  u8(value: number): void {
    this.room(1);
    this.buffer[this.at++] = value;
  }

  u32(value: number): void {
    this.room(4);
    this.at = this.buffer.writeUInt32LE(value, this.at);
  }

  /** Overwrites the u32 at `at` (a length written before what it measures). */
  patchU32(at: number, value: number): void {
    this.buffer.writeUInt32LE(value, at);
  }

  i64(value: bigint): void {
    this.room(8);
    this.at = this.buffer.writeBigInt64LE(value, this.at);
  }

  f64(value: number): void {
    this.room(8);
    this.at = this.buffer.writeDoubleLE(value, this.at);
  }

  varint(value: number): void {
    this.room(10);
    let v = value;
    while (v >= 0x80) {
      this.buffer[this.at++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buffer[this.at++] = v;
  }

  string(value: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: room for the most, the text written after
    // the longest length it could need, then moved back when its length takes fewer bytes.
    // Lengths are minimal varints, as the engine writes them: a row's bytes are the same
    // whether this writer or `formatRow('RowBinary', ...)` made them (the ledger's digests).
    const most = value.length * 3;
    this.room(most + 10);
    const reserved = varintBytes(most);
    const start = this.at + reserved;
    const written = this.buffer.write(value, start, 'utf8');
    const needed = varintBytes(written);
    if (needed < reserved) this.buffer.copyWithin(this.at + needed, start, start + written);
    this.varint(written);
    this.at += written;
  }

  bytes(value: Buffer): void {
    this.varint(value.length);
    this.raw(value);
  }

  /** Bytes as they are, without a length. */
  raw(value: Buffer): void {
    this.room(value.length);
    this.at += value.copy(this.buffer, this.at);
  }

  uuid(value: string): void {
    // Two little-endian 64-bit halves, each the canonical text's 8 bytes reversed.
    const hex = value.replace(/-/g, '');
    this.room(16);
    for (let half = 0; half < 2; half++)
      for (let i = 7; i >= 0; i--) {
        const at = half * 16 + i * 2;
        this.buffer[this.at++] = parseInt(hex.slice(at, at + 2), 16);
      }
  }
}

/**
 * The sealed columns, which RECORD_COLUMNS holds next to each other: the ledger commits
 * their bytes apart from the rest of the row (docs/architecture.md, "Ledger").
 */
export const SEALED_COLUMNS = RECORD_COLUMNS.filter(([column]) => column.endsWith('_sealed')).map(([c]) => c);
/** The other columns, in row order. */
export const METADATA_COLUMNS = RECORD_COLUMNS.filter(([column]) => !column.endsWith('_sealed')).map(([c]) => c);

/**
 * Where in a row its sealed columns are, as offsets into the writer's buffer: the ledger's
 * content digest covers [start, end), its metadata digest everything outside [start, after).
 * `end` is after `content_sealed` when it holds an envelope and before it when it is empty,
 * so a row written before the column existed keeps the digest the ledger committed
 * (ledger/leaf.ts, RECORD_CONTENT_SQL, is the same rule in SQL).
 */
export type SealedRange = [start: number, end: number, after: number];

const FIRST_SEALED = SEALED_COLUMNS[0];
const LAST_FIELD_SEALED = SEALED_COLUMN.extra;

/** Appends one record's row to `out`; returns where its sealed columns are. */
export function writeRecordRow(out: RowWriter, record: AuditRecord): SealedRange {
  const range: SealedRange = [0, 0, 0];
  for (const [column, kind] of RECORD_COLUMNS) {
    const value = record[column];
    if (column === FIRST_SEALED) range[0] = out.offset;
    switch (kind) {
      case 'DateTime64(9)':
        out.i64(value as bigint);
        break;
      case 'UUID':
        out.uuid(value as string);
        break;
      case 'String':
      case 'LowCardinality(String)':
        if (typeof value === 'string') out.string(value);
        else out.bytes(value as Buffer); // content_sealed: raw bytes, never base64
        break;
      case 'Nullable(UInt32)':
        // normalize bounds token counts to UInt32; anything else is no count.
        if (value === null || !isUInt32(value as number)) out.u8(1);
        else {
          out.u8(0);
          out.u32(value as number);
        }
        break;
      case 'Nullable(Decimal(18, 9))':
        // A billion dollars or more is no cost Decimal(18, 9) could hold: none.
        if (value === null || !(Math.abs(value as number) < MAX_DECIMAL)) out.u8(1);
        else {
          out.u8(0);
          // The same digits the JSON rows sent as text: exact, never in exponent form.
          out.i64(BigInt((value as number).toFixed(9).replace('.', '')));
        }
        break;
      case 'Float64':
        out.f64(value as number);
        break;
      case 'Nullable(Float64)':
        if (value === null) out.u8(1);
        else {
          out.u8(0);
          out.f64(value as number);
        }
        break;
      case 'Bool':
        out.u8(value ? 1 : 0);
        break;
      case "Enum8('ok' = 1, 'error' = 2)":
        out.u8(STATUS[value as 'ok' | 'error']);
        break;
      case 'Array(LowCardinality(String))':
        out.varint((value as string[]).length);
        for (const item of value as string[]) out.string(item);
        break;
      case 'Map(LowCardinality(String), String)': {
        const map = value as Record<string, string>;
        const keys = Object.keys(map);
        out.varint(keys.length);
        for (const key of keys) {
          out.string(key);
          out.string(map[key]);
        }
        break;
      }
    }
    if (column === LAST_FIELD_SEALED) range[1] = out.offset;
    else if (column === CONTENT_SEALED) {
      if ((value as Buffer).length > 0) range[1] = out.offset;
      range[2] = out.offset;
    }
  }
  return range;
}

/** Reads RowBinary values back, for dead letters and the exactly-once check. */
class RowReader {
  at = 0;
  constructor(private readonly row: Buffer) {}

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.row[this.at++];
      if (byte === undefined) throw new Error('a record row ends early');
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  }

  bytes(): Buffer {
    const length = this.varint();
    if (this.at + length > this.row.length) throw new Error('a record row ends early');
    this.at += length;
    return this.row.subarray(this.at - length, this.at);
  }

  string(): string {
    return this.bytes().toString('utf8');
  }

  uuid(): string {
    if (this.at + 16 > this.row.length) throw new Error('a record row ends early');
    const bytes = Buffer.concat([
      Buffer.from(this.row.subarray(this.at, this.at + 8)).reverse(),
      Buffer.from(this.row.subarray(this.at + 8, this.at + 16)).reverse(),
    ]).toString('hex');
    this.at += 16;
    return `${bytes.slice(0, 8)}-${bytes.slice(8, 12)}-${bytes.slice(12, 16)}-${bytes.slice(16, 20)}-${bytes.slice(20)}`;
  }

  i64(): bigint {
    const value = this.row.readBigInt64LE(this.at);
    this.at += 8;
    return value;
  }

  u32(): number {
    const value = this.row.readUInt32LE(this.at);
    this.at += 4;
    return value;
  }

  f64(): number {
    const value = this.row.readDoubleLE(this.at);
    this.at += 8;
    return value;
  }
}

/** The `timestamp` (nanoseconds) and `record_id` that begin every row, without reading the rest. */
export function recordRowKey(row: Buffer): { timestampNanos: bigint; recordId: string } {
  const reader = new RowReader(row);
  const timestampNanos = reader.i64();
  reader.string(); // tenant_id
  return { timestampNanos, recordId: reader.uuid() };
}

/**
 * A row as the JSON object the table's JSONEachRow form of it would be (dead letters keep
 * refused rows as JSON, which the erasure reads with JSONExtract).
 */
export function recordRowJson(row: Buffer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  try {
    readRow(row, out);
  } catch {
    // A damaged row (the store refused it): the columns read so far, and all of its bytes.
    out.damaged_row_base64 = row.toString('base64');
  }
  return out;
}

/**
 * Appends to `out` a row written before `content_sealed` existed, with that column empty
 * (one zero length) where it now stands, after the per-field sealed columns.
 */
export function addEmptyEnvelope(out: RowWriter, row: Buffer): void {
  const at = readRow(row, {}, LAST_FIELD_SEALED);
  out.raw(row.subarray(0, at));
  out.u8(0);
  out.raw(row.subarray(at));
}

/** Reads a row's columns into `out`, up to `last` if given; returns where it stopped. */
function readRow(row: Buffer, out: Record<string, unknown>, last?: string): number {
  const reader = new RowReader(row);
  const nullable = <T>(read: () => T): T | null => (row[reader.at++] === 1 ? null : read());
  for (const [column, kind] of RECORD_COLUMNS) {
    switch (kind) {
      case 'DateTime64(9)': {
        const nanos = reader.i64();
        out[column] = `${nanos / 1_000_000_000n}.${(nanos % 1_000_000_000n).toString().padStart(9, '0')}`;
        break;
      }
      case 'UUID':
        out[column] = reader.uuid();
        break;
      case 'String':
      case 'LowCardinality(String)':
        // Raw bytes have no JSON form: base64, as `base64Encode(content_sealed)` gives.
        out[column] = column === CONTENT_SEALED ? reader.bytes().toString('base64') : reader.string();
        break;
      case 'Nullable(UInt32)':
        out[column] = nullable(() => reader.u32());
        break;
      case 'Nullable(Decimal(18, 9))':
        out[column] = nullable(() => {
          const digits = reader.i64().toString().padStart(10, '0');
          return `${digits.slice(0, -9)}.${digits.slice(-9)}`;
        });
        break;
      case 'Float64':
        out[column] = reader.f64();
        break;
      case 'Nullable(Float64)':
        out[column] = nullable(() => reader.f64());
        break;
      case 'Bool':
        out[column] = row[reader.at++] === 1;
        break;
      case "Enum8('ok' = 1, 'error' = 2)":
        out[column] = row[reader.at++] === STATUS.ok ? 'ok' : 'error';
        break;
      case 'Array(LowCardinality(String))':
        out[column] = Array.from({ length: reader.varint() }, () => reader.string());
        break;
      case 'Map(LowCardinality(String), String)': {
        // Null prototype: keys are client input ("__proto__" included).
        const map: Record<string, string> = Object.create(null);
        for (let n = reader.varint(); n > 0; n--) map[reader.string()] = reader.string();
        out[column] = map;
        break;
      }
    }
    if (column === last) break;
  }
  return reader.at;
}
