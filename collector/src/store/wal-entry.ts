/**
 * What one write-ahead log entry holds: the rows of one export for each table they go to
 * (records, and the wrapped data keys those records are sealed with). Keeping both in one
 * entry makes them durable together: a record is never acknowledged while the key that
 * opens it could still be lost.
 *
 *   repeated: u8 table | u32 row count | u32 byte length | rows
 *
 * The table byte's high bit says how the rows are written: clear, JSONEachRow text (one
 * object per line: data keys, and records in logs written before RowBinary); set, RowBinary
 * (docs/architecture.md, "Rows in RowBinary"), each row preceded by its u32 length so rows
 * can be told apart without decoding them. The next bit marks record rows that hold
 * `content_sealed`: rows written before that column existed are given an empty one as they
 * are read, so they insert under today's column list.
 */

import { createHash } from 'node:crypto';
import type { Leaf } from '../model/ledger';
import type { AuditRecord } from '../model/record';
import { addEmptyEnvelope, RowWriter, writeRecordRow } from './row-binary';

/** The tables an entry can hold rows of; a section names one by its index here. */
export const TABLES = ['records', 'data_keys', 'ledger', 'ledger_signatures', 'access_log'] as const;
export type Table = (typeof TABLES)[number];

export type RowFormat = 'json' | 'rowbinary';

const BINARY_FLAG = 0x80;
const ENVELOPE_FLAG = 0x40;

/**
 * Rows for one table as the exporter writes them: JSON text, or RowBinary rows already in
 * the section's form (recordsSection).
 */
export type TableRows =
  | { table: Table; format: 'json'; rows: number; text: string }
  | { table: Table; format: 'rowbinary'; rows: number; body: Buffer };

const rowWriter = new RowWriter();

/**
 * The records section of an entry (each record's RowBinary row after its u32 length) and
 * what the ledger commits of each row, digested from the very bytes that are stored.
 */
export function recordsSection(records: readonly AuditRecord[]): { section: TableRows; leaves: Leaf[] } {
  rowWriter.reset();
  const leaves: Leaf[] = [];
  for (const record of records) {
    const at = rowWriter.offset;
    rowWriter.u32(0);
    const [sealedStart, sealedEnd, afterSealed] = writeRecordRow(rowWriter, record);
    const end = rowWriter.offset;
    rowWriter.patchU32(at, end - at - 4);
    leaves.push({
      id: record.record_id,
      timeNanos: record.timestamp,
      meta: createHash('sha256')
        .update(rowWriter.view(at + 4, sealedStart))
        .update(rowWriter.view(afterSealed, end))
        .digest('hex'),
      content: createHash('sha256').update(rowWriter.view(sealedStart, sealedEnd)).digest('hex'),
    });
  }
  const section: TableRows = { table: 'records', format: 'rowbinary', rows: records.length, body: rowWriter.take(0) };
  return { section, leaves };
}

/** A section of JSON rows, one object per line (data keys, ledger entries, signatures). */
export function jsonSection(table: Table, rows: readonly object[]): TableRows {
  return { table, format: 'json', rows: rows.length, text: rows.map((row) => `${JSON.stringify(row)}\n`).join('') };
}

/** A section as the writer reads it back: `body` is a view of the entry's bytes, not a copy. */
export interface EntrySection {
  table: Table;
  format: RowFormat;
  rows: number;
  body: Buffer;
}

const SECTION_HEADER = 9;
const NEWLINE = 0x0a;

function sectionLength(section: TableRows): number {
  return section.format === 'json' ? Buffer.byteLength(section.text, 'utf8') : section.body.length;
}

/** The entry's bytes, each section written straight into one buffer. */
export function encodeEntry(sections: readonly TableRows[]): Buffer {
  const lengths = sections.map(sectionLength);
  const out = Buffer.allocUnsafe(lengths.reduce((sum, length) => sum + SECTION_HEADER + length, 0));
  let offset = 0;
  sections.forEach((section, i) => {
    const flag = section.format === 'rowbinary' ? BINARY_FLAG | ENVELOPE_FLAG : 0;
    out.writeUInt8(TABLES.indexOf(section.table) | flag, offset);
    out.writeUInt32LE(section.rows, offset + 1);
    out.writeUInt32LE(lengths[i], offset + 5);
    if (section.format === 'json') out.write(section.text, offset + SECTION_HEADER, lengths[i], 'utf8');
    else section.body.copy(out, offset + SECTION_HEADER);
    offset += SECTION_HEADER + lengths[i];
  });
  return out;
}

export function decodeEntry(payload: Buffer): EntrySection[] {
  const sections: EntrySection[] = [];
  for (let offset = 0; offset < payload.length;) {
    const code = payload.readUInt8(offset);
    const table = TABLES[code & ~(BINARY_FLAG | ENVELOPE_FLAG)];
    const length = payload.readUInt32LE(offset + 5);
    if (table === undefined || offset + SECTION_HEADER + length > payload.length)
      throw new Error('damaged write-ahead log entry');
    const section: EntrySection = {
      table,
      format: code & BINARY_FLAG ? 'rowbinary' : 'json',
      rows: payload.readUInt32LE(offset + 1),
      body: payload.subarray(offset + SECTION_HEADER, offset + SECTION_HEADER + length),
    };
    if (table === 'records' && code & BINARY_FLAG && !(code & ENVELOPE_FLAG))
      section.body = withEnvelopeColumn(section);
    sections.push(section);
    offset += SECTION_HEADER + length;
  }
  return sections;
}

/** A records section written before `content_sealed`, its rows given an empty one. */
function withEnvelopeColumn(section: EntrySection): Buffer {
  const out = new RowWriter();
  for (const row of rowsOf([section])) {
    const at = out.offset;
    out.u32(0);
    addEmptyEnvelope(out, row);
    out.patchU32(at, out.offset - at - 4);
  }
  return out.take(0);
}

/**
 * The rows of some sections of one format, one view per row: a JSON row without its line
 * break (a line break inside a JSON row is always escaped, so each 0x0a ends a row), a
 * RowBinary row without its length.
 */
export function rowsOf(sections: readonly EntrySection[]): Buffer[] {
  const rows: Buffer[] = [];
  for (const { format, body } of sections) {
    if (format === 'rowbinary') {
      for (let at = 0; at < body.length;) {
        const length = body.readUInt32LE(at);
        if (at + 4 + length > body.length) throw new Error('damaged write-ahead log entry');
        rows.push(body.subarray(at + 4, at + 4 + length));
        at += 4 + length;
      }
      continue;
    }
    for (let start = 0; start < body.length;) {
      let end = body.indexOf(NEWLINE, start);
      if (end === -1) end = body.length;
      if (end > start) rows.push(body.subarray(start, end));
      start = end + 1;
    }
  }
  return rows;
}

/**
 * Joins rows back into one insert body (JSON rows one per line, RowBinary rows back to back),
 * in a buffer kept from one insert to the next: a fresh buffer of tens of MB per batch costs
 * more in page faults than the copy itself (10,000 rows of 8.5 KB: ~300 ms into new memory,
 * ~5 ms into reused memory, on the benchmark machine). A body is valid until the next join;
 * its size is bounded by a batch's.
 */
export class RowJoiner {
  private buffer = Buffer.alloc(0);

  join(rows: readonly Buffer[], format: RowFormat): Buffer {
    const separator = format === 'json' ? 1 : 0;
    let length = 0;
    for (const row of rows) length += row.length + separator;
    if (length > this.buffer.length)
      this.buffer = Buffer.allocUnsafe(Math.max(length, Math.floor(this.buffer.length * 1.5)));
    let offset = 0;
    for (const row of rows) {
      offset += row.copy(this.buffer, offset);
      if (separator) this.buffer[offset++] = NEWLINE;
    }
    return this.buffer.subarray(0, offset);
  }
}
