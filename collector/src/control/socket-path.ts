import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a collector serves its control socket: next to its write-ahead log, so a command
 * finds the collector of a config from the config alone (the embedded engine admits one
 * process per data path, and erase/rotate must drain the collector's log first). Unix
 * socket paths are limited to ~107 bytes, so long paths fall back to a hashed name in tmpdir.
 */
export function controlSocketPath(walDir: string): string {
  const beside = `${walDir}.sock`;
  if (Buffer.byteLength(beside) < 100) return beside;
  const digest = createHash('sha256').update(walDir).digest('hex').slice(0, 16);
  return join(tmpdir(), `ai-audit-${digest}.sock`);
}
