import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Where records go: the embedded engine at a path, or a ClickHouse server URL. */
export type StoreTarget = { kind: 'embedded'; path: string } | { kind: 'server'; url: URL };

/**
 * `chdb://./data/clickhouse` (relative to the config file), `chdb:///abs/path`, or
 * `http(s)://user:password@host:port`. Credentials given as separate config keys win.
 */
export function parseStoreEndpoint(endpoint: string, baseDir: string, credentials: { username?: string; password?: string } = {}): StoreTarget {
  if (endpoint.startsWith('chdb://')) {
    const path = decodeURIComponent(endpoint.slice('chdb://'.length));
    return { kind: 'embedded', path: isAbsolute(path) ? path : resolve(baseDir, path) };
  }
  const url = new URL(endpoint);
  if (credentials.username !== undefined) url.username = encodeURIComponent(credentials.username);
  if (credentials.password !== undefined) url.password = encodeURIComponent(credentials.password);
  return { kind: 'server', url };
}

/** The target for messages and logs: never the password. */
export function describeTarget(target: StoreTarget): string {
  if (target.kind === 'embedded') return `embedded ClickHouse at ${target.path}`;
  const safe = new URL(target.url.href);
  safe.password = '';
  safe.username = '';
  return `ClickHouse server ${safe.origin}`;
}

/**
 * The embedded engine admits one process per data path, so while the collector runs, other
 * commands reach the store through a local socket it serves next to the data. The path is a
 * pure function of the data path, so both sides find it from the same config; Unix socket
 * paths are limited to ~107 bytes, so long data paths fall back to a hashed name in tmpdir.
 */
export function controlSocketPath(embeddedPath: string): string {
  const beside = `${embeddedPath}.sock`;
  if (Buffer.byteLength(beside) < 100) return beside;
  const digest = createHash('sha256').update(embeddedPath).digest('hex').slice(0, 16);
  return join(tmpdir(), `ai-audit-${digest}.sock`);
}
