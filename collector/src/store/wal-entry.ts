/**
 * What one write-ahead log entry holds: the rows of one export for each table they go to
 * (records, and the wrapped data keys those records are sealed with), as JSONEachRow text.
 * Keeping both in one entry makes them durable together: a record is never acknowledged
 * while the key that opens it could still be lost.
 *
 *   repeated: u8 table | u32 row count | u32 byte length | JSONEachRow text
 */

export const TABLES = ['records', 'data_keys'] as const;
export type Table = (typeof TABLES)[number];

export interface TableRows {
  table: Table;
  rows: number;
  text: string;
}

const SECTION_HEADER = 9;

export function encodeEntry(sections: readonly TableRows[]): Buffer {
  const bodies = sections.map((section) => Buffer.from(section.text, 'utf8'));
  const out = Buffer.allocUnsafe(bodies.reduce((sum, body) => sum + SECTION_HEADER + body.length, 0));
  let offset = 0;
  sections.forEach((section, i) => {
    out.writeUInt8(TABLES.indexOf(section.table), offset);
    out.writeUInt32LE(section.rows, offset + 1);
    out.writeUInt32LE(bodies[i].length, offset + 5);
    bodies[i].copy(out, offset + SECTION_HEADER);
    offset += SECTION_HEADER + bodies[i].length;
  });
  return out;
}

export function decodeEntry(payload: Buffer): TableRows[] {
  const sections: TableRows[] = [];
  for (let offset = 0; offset < payload.length; ) {
    const table = TABLES[payload.readUInt8(offset)];
    const length = payload.readUInt32LE(offset + 5);
    if (table === undefined || offset + SECTION_HEADER + length > payload.length) throw new Error('damaged write-ahead log entry');
    sections.push({ table, rows: payload.readUInt32LE(offset + 1), text: payload.toString('utf8', offset + SECTION_HEADER, offset + SECTION_HEADER + length) });
    offset += SECTION_HEADER + length;
  }
  return sections;
}
