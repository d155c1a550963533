import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, WalLockedError } from '../../collector/src/wal/lock';

/**
 * The write-ahead log's lock names its owner by pid, start time and boot, so that a pid
 * reused by an unrelated process (or a zombie, or a lock from before a reboot) does not
 * keep a collector from starting, while a live owner still does.
 */

const LINUX = existsSync('/proc/self/stat') && existsSync('/proc/sys/kernel/random/boot_id');
if (!LINUX) console.warn('wal-lock: start-time tests skipped: they need /proc (Linux)');
const onLinux = LINUX ? it : it.skip;

const children: ChildProcess[] = [];
let dir: string;
let lock: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ai-audit-lock-'));
  lock = join(dir, 'LOCK');
});

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A live process that has nothing to do with any collector. */
function unrelatedProcess(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  return child.pid as number;
}

function procStat(pid: number): { state: string; start: string } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], start: fields[19] };
}

const bootId = (): string => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

function lockOwner(): { pid: number } {
  return JSON.parse(readFileSync(lock, 'utf8'));
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error('condition not met within 5 s');
}

describe('write-ahead log lock', () => {
  onLinux('records pid, start time and boot id, and releases the lock', () => {
    const release = acquireLock(lock);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toEqual({
      pid: process.pid,
      start: procStat(process.pid).start,
      boot: bootId(),
    });
    release();
    expect(existsSync(lock)).toBe(false);
  });

  onLinux('takes over a lock whose pid is alive but belongs to a process started at another time', () => {
    const pid = unrelatedProcess();
    const start = String(Number(procStat(pid).start) - 1);
    writeFileSync(lock, JSON.stringify({ pid, start, boot: bootId() }));
    acquireLock(lock)();
  });

  onLinux('takes over a lock from another boot, even if its pid and start time match a live process', () => {
    const pid = unrelatedProcess();
    writeFileSync(
      lock,
      JSON.stringify({ pid, start: procStat(pid).start, boot: '00000000-0000-4000-8000-000000000000' }),
    );
    const release = acquireLock(lock);
    expect(lockOwner().pid).toBe(process.pid);
    release();
  });

  onLinux('takes over a lock whose owner is a zombie (killed, not yet reaped)', async () => {
    // `sleep 60` replaces the shell and never reaps the shell's background child: once
    // that child exits it stays a zombie, as a SIGKILLed collector does until its parent waits.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(parent);
    const pid = await new Promise<number>((resolve) =>
      parent.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    const start = procStat(pid).start;
    await until(() => procStat(pid).state === 'Z');
    writeFileSync(lock, JSON.stringify({ pid, start, boot: bootId() }));
    const release = acquireLock(lock);
    expect(lockOwner().pid).toBe(process.pid);
    release();
  });

  onLinux('refuses a lock held by a live process with the recorded start time', () => {
    const pid = unrelatedProcess();
    writeFileSync(lock, JSON.stringify({ pid, start: procStat(pid).start, boot: bootId() }));
    expect(() => acquireLock(lock)).toThrow(
      new WalLockedError(`the write-ahead log is in use by process ${pid} (a running collector?)`),
    );
  });

  onLinux('refuses a second lock in the same process while the first is held', () => {
    const release = acquireLock(lock);
    expect(() => acquireLock(lock)).toThrow(WalLockedError);
    release();
  });

  it('refuses while another process holds the lock, and takes it once that process is gone', async () => {
    // The compiled module (npm test builds first), as a collector would run it.
    const script = `
      require(${JSON.stringify(join(__dirname, '../../collector/dist/wal/lock.js'))}).acquireLock(process.argv[1]);
      process.stdout.write('locked\\n');
      setInterval(() => undefined, 1000);
    `;
    const holder = spawn(process.execPath, ['-e', script, lock], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(holder);
    await new Promise((resolve) => holder.stdout?.once('data', resolve));
    expect(() => acquireLock(lock)).toThrow(
      `the write-ahead log is in use by process ${holder.pid} (a running collector?)`,
    );
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    acquireLock(lock)();
  });

  it('reads a lock of an earlier version (a bare pid): refused while the pid runs, taken over once it is gone', async () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(sleeper);
    writeFileSync(lock, String(sleeper.pid));
    expect(() => acquireLock(lock)).toThrow(WalLockedError);
    sleeper.kill('SIGKILL');
    await new Promise((resolve) => sleeper.once('exit', resolve));
    acquireLock(lock)();
  });

  it('takes over a lock cut short by a crash (empty)', () => {
    writeFileSync(lock, '');
    acquireLock(lock)();
  });
});
