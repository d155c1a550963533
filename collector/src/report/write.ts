import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InvalidInputError } from '../model/errors';

/** The output exists and --force was not given. */
export class OutputExistsError extends InvalidInputError {}

/**
 * Writes `text` to `path` atomically: a temporary file in the same directory, fsync'd, then
 * moved into place, so a reader (or a crash) never sees half a report. Without `overwrite`
 * the move is a hard link, which fails if `path` appeared meanwhile: an existing file is
 * never replaced, even by a race.
 */
export function writeFileAtomic(path: string, text: string, overwrite: boolean): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o644);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (overwrite) {
      renameSync(temp, path);
      return;
    }
    try {
      linkSync(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new OutputExistsError(`${path} exists (--force replaces it)`);
      throw error;
    }
    unlinkSync(temp);
  } catch (error) {
    if (existsSync(temp)) unlinkSync(temp);
    throw error;
  }
}
