import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../../collector/src/model/record';
import type { Store } from '../../collector/src/store/client';
import { RECORD_COLUMN_NAMES, recordRowJson } from '../../collector/src/store/row-binary';
import { recordsSection, rowsOf } from '../../collector/src/store/wal-entry';

/** Records as the exporter writes them: RowBinary rows, one buffer each. */
export function binaryRows(records: readonly AuditRecord[]): Buffer[] {
  const { section } = recordsSection(records);
  if (section.format !== 'rowbinary') throw new Error('records are written as RowBinary');
  return rowsOf([{ table: 'records', format: 'rowbinary', rows: section.rows, body: section.body }]);
}

/** A record as its row reads in JSONEachRow (what older write-ahead logs hold). */
export function jsonRow(record: AuditRecord): string {
  return JSON.stringify(recordRowJson(binaryRows([record])[0]));
}

/** Inserts records into `<database>.records` the way the batch writer does (spooled in `spoolDir`). */
export async function insertRecords(
  store: Store,
  records: readonly AuditRecord[],
  spoolDir = mkdtempSync(join(tmpdir(), 'ai-audit-spool-')),
): Promise<void> {
  const spool = join(spoolDir, 'insert.rowbinary');
  await store.insertRowBinary(
    `${store.database}.records`,
    RECORD_COLUMN_NAMES,
    Buffer.concat(binaryRows(records)),
    {},
    spool,
  );
}
