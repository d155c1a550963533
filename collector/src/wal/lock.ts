import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/** Another live process owns this write-ahead log. */
export class WalLockedError extends Error {
  override readonly name = 'WalLockedError';
}

/**
 * One process per write-ahead log: two appending to the same segments would corrupt them.
 * The lock is a file holding the owner's pid, created exclusively; a lock whose process is
 * gone (killed collector) is taken over.
 */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new WalLockedError(`the write-ahead log is in use by process ${owner} (a running collector?)`);
      }
      unlinkSync(path);
    }
  }
  throw new WalLockedError('the write-ahead log lock could not be taken');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
