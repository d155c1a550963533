import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * Proof of identity by file ownership, Node having no SO_PEERCRED: to prove who it runs as,
 * each end of a control connection creates, in the collector's write-ahead log directory,
 * a new file named after and holding a nonce the other end just drew. The owner of that
 * file is the creator's (file-system) user id: nobody but that user, or root, can make a
 * file owned by it, and the fresh nonce ties the file to this connection. Renaming some
 * older file of that user into the name would not help: it does not hold the nonce.
 */
const PREFIX = 'control-proof-';
const NONCE = /^[0-9a-f]{32}$/;

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** Whether `text` is a nonce (only those name files: a peer's text never becomes a path). */
export function isNonce(text: string): boolean {
  return NONCE.test(text);
}

/**
 * Creates the proof for `nonce`: a new file ('wx' never opens an existing file or link),
 * readable by the other end, which may be another user (root and a service account). The
 * nonce is no secret: knowing it does not let anyone make a file of another user.
 */
export function writeProof(walDir: string, nonce: string): void {
  const fd = openSync(proofPath(walDir, nonce), 'wx', 0o600);
  try {
    fchmodSync(fd, 0o644); // whatever the umask
    writeSync(fd, nonce);
  } finally {
    closeSync(fd);
  }
}

/**
 * The user id that proved `nonce`, or undefined when there is no valid proof: a regular
 * file with a single link (not a hard link to another user's file), holding the nonce.
 * Opened without following links and without blocking (a FIFO put there would hang the
 * process), checked on the open descriptor, then removed.
 */
export function takeProof(walDir: string, nonce: string): number | undefined {
  const path = proofPath(walDir, nonce);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.nlink !== 1 || stat.size !== nonce.length) return undefined;
    const content = Buffer.alloc(nonce.length);
    if (readSync(fd, content, 0, content.length, 0) !== content.length || content.toString('latin1') !== nonce)
      return undefined;
    return stat.uid;
  } finally {
    closeSync(fd);
    removeProof(walDir, nonce);
  }
}

export function removeProof(walDir: string, nonce: string): void {
  rmSync(proofPath(walDir, nonce), { force: true });
}

/** Removes proofs a connection cut short left behind (a collector starting has no connections yet). */
export function sweepProofs(walDir: string): void {
  for (const name of readdirSync(walDir)) {
    if (name.startsWith(PREFIX)) rmSync(join(walDir, name), { force: true });
  }
}

function proofPath(walDir: string, nonce: string): string {
  if (!isNonce(nonce)) throw new Error('not a control proof nonce');
  return join(walDir, `${PREFIX}${nonce}`);
}
