import { isAbsolute, resolve } from 'node:path';

/** Where records go: the embedded engine at a path, or a ClickHouse server URL. */
export type StoreTarget = { kind: 'embedded'; path: string } | { kind: 'server'; url: URL };

/**
 * `chdb://./data/clickhouse` (relative to the config file), `chdb:///abs/path`, or
 * `http(s)://user:password@host:port`. Credentials given as separate config keys win.
 */
export function parseStoreEndpoint(
  endpoint: string,
  baseDir: string,
  credentials: { username?: string; password?: string } = {},
): StoreTarget {
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
