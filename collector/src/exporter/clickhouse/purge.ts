import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from '../../wal/durable-file';
import type { WriteAheadLog } from '../../wal/wal';
import { RetryLaterError } from '../../model/errors';
import type { BatchWriter } from './writer';

/**
 * What an erasure does to the files next to the store (docs/architecture.md, "Erasure"):
 * the write-ahead log keeps every acknowledged record, user id and wrapped data key in
 * its segments until they are deleted, so everything written so far is stored, then the
 * segments that held it are deleted, and the subject's rows leave the dead-letter file
 * (and a spooled insert a crash may have left).
 */
export async function purgeLog(
  wal: WriteAheadLog,
  writer: BatchWriter,
  walDir: string,
  subject: { tenantId: string; userId: string },
  timeoutMs: number,
): Promise<void> {
  const through = await wal.sealSegments();
  await writer.flush(timeoutMs);
  const left = await wal.deleteSealedSegments(through);
  if (left > 0) {
    throw new RetryLaterError(
      `${left} write-ahead log segments still hold records the store has not confirmed; run the erasure again`,
    );
  }
  await dropDeadLetters(walDir, subject);
  // Left only by a crash during an insert, and then holding rows now in the store.
  await rm(join(walDir, INSERT_SPOOL_FILE), { force: true });
}

/** The file the writer keeps dead letters in when the dead_letters table cannot take them. */
export const DEAD_LETTER_FILE = 'dead-letters.jsonl';

/** The file a RowBinary insert into the embedded engine is read from; removed after each insert. */
export const INSERT_SPOOL_FILE = 'insert.rowbinary';

/** Rewrites the dead-letter file without the subject's rows (records by user, keys by subject). */
async function dropDeadLetters(
  walDir: string,
  { tenantId, userId }: { tenantId: string; userId: string },
): Promise<void> {
  const path = join(walDir, DEAD_LETTER_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const lines = text.split('\n').filter((line) => line !== '');
  const kept = lines.filter((line) => !belongsTo(line, tenantId, userId));
  if (kept.length === lines.length) return;
  // A new file renamed over the old one: the old inode, with the rows, is released whole.
  const temporary = `${path}.tmp`;
  await writeFile(temporary, kept.map((line) => `${line}\n`).join(''), { mode: 0o600 });
  await rename(temporary, path);
  await syncDirectory(walDir);
}

function belongsTo(line: string, tenantId: string, userId: string): boolean {
  try {
    const letter = JSON.parse(line) as { row?: string };
    const row = JSON.parse(letter.row ?? '') as { tenant_id?: unknown; user_id?: unknown; subject?: unknown };
    return row.tenant_id === tenantId && (row.user_id === userId || row.subject === userId);
  } catch {
    // A row that does not parse is kept only if it cannot be the subject's.
    return line.includes(JSON.stringify(userId).slice(1, -1));
  }
}
