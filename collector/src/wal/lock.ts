import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { AuditError } from '../model/errors';

/** Another live process owns this write-ahead log. */
export class WalLockedError extends AuditError {}

/**
 * A process, named so that a reused pid is not taken for it: with its start time (field 22
 * of /proc/<pid>/stat, clock ticks since boot) and the boot it started in. Where there is
 * no /proc (not Linux), only the pid.
 */
interface ProcessIdentity {
  pid: number;
  start?: string;
  boot?: string;
}

/**
 * One process per write-ahead log: two appending to the same segments would corrupt them.
 * The lock is a file naming its owner, created exclusively. A lock whose owner is gone is
 * taken over: its pid is not running, or runs a process started at another time (the pid
 * was reused, e.g. after a SIGKILL), or a zombie, or the lock is from an earlier boot.
 */
export function acquireLock(path: string): () => void {
  const me = identify(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = parseLock(readFileSync(path, 'utf8'));
      if (owner && isRunning(owner)) {
        const where = owner.pid === process.pid ? 'this process' : `process ${owner.pid} (a running collector?)`;
        throw new WalLockedError(`the write-ahead log is in use by ${where}`);
      }
      try {
        unlinkSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  throw new WalLockedError('the write-ahead log lock could not be taken');
}

function identify(pid: number): ProcessIdentity {
  const stat = procStat(pid);
  const boot = bootId();
  return stat && boot ? { pid, start: stat.start, boot } : { pid };
}

/**
 * The lock's owner; a lock holding a bare pid was written by an earlier version. An
 * unreadable one was cut short by a crash between creating and writing it: no owner.
 */
function parseLock(text: string): ProcessIdentity | undefined {
  if (/^[1-9]\d*$/.test(text.trim())) return { pid: Number(text) };
  try {
    const parsed = JSON.parse(text) as ProcessIdentity;
    return Number.isInteger(parsed.pid) && parsed.pid > 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(owner: ProcessIdentity): boolean {
  const stat = procStat(owner.pid);
  const boot = bootId();
  if (owner.start === undefined || owner.boot === undefined || boot === undefined) {
    // No start time to compare (an old lock, or no /proc): the pid alone decides. On
    // Linux this process's own lock has a start time, so one with its pid and none is an
    // earlier process's; elsewhere a process may take over its own lock, as it always could.
    return owner.pid !== process.pid && isAlive(owner.pid) && stat?.state !== 'Z';
  }
  return (
    owner.boot === boot && stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' && stat.start === owner.start
  );
}

/** State (field 3) and start time (field 22) of /proc/<pid>/stat; after the last ')', since the command name (field 2) may hold any character. */
function procStat(pid: number): { state: string; start: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields.length > 19 ? { state: fields[0], start: fields[19] } : undefined;
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
