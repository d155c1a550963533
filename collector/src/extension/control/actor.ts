import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/**
 * The access log's and the erasure register's `actor`: the OS user that asked, as this
 * process established it. A name the caller gives (`--actor`) only adds to it, it never
 * replaces it: `root (as "alice@corp")`.
 */
export function describeActor(user: string, claimed: unknown): string {
  if (typeof claimed !== 'string' || claimed.trim() === '' || claimed === user) return user;
  return `${user} (as ${JSON.stringify(claimed)})`;
}

/** This process's user. */
export function currentUser(): string {
  const uid = process.geteuid?.();
  return uid === undefined ? userInfo().username : userName(uid);
}

/** The name of user `uid` (its passwd entry), or `uid <n>` when it has none (e.g. a container's arbitrary uid). */
export function userName(uid: number): string {
  try {
    if (uid === process.geteuid?.()) return userInfo().username;
    const entry = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[2] === String(uid));
    if (entry) return entry[0];
  } catch {
    // No passwd entry or file: the number is all there is.
  }
  return `uid ${uid}`;
}
