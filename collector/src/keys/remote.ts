import { LruCache } from './lru';
import { KeyProviderError } from './provider';

/**
 * Shared by the providers whose keys live in a remote service (aws-kms, vault-transit):
 * their errors and their per-tenant hash-key cache.
 */

/** Tenants whose hash key one process keeps; a few hundred bytes each. */
const HASH_KEY_CACHE_SIZE = 10_000;
const DETAIL_MAX_CHARS = 300;

/**
 * `<provider>: <operation> failed: <detail>` on one line. `detail` comes from the service
 * (an error name, a status, its message), never from what was sent to it.
 */
export function remoteError(provider: string, operation: string, detail: string): KeyProviderError {
  const line = detail.replace(/\s+/g, ' ').trim();
  return new KeyProviderError(
    `${provider}: ${operation} failed: ${line.length > DETAIL_MAX_CHARS ? `${line.slice(0, DETAIL_MAX_CHARS)}…` : line}`,
  );
}

/**
 * A tenant's hash key is deterministic, so each process asks the service for it once, not
 * once per record. Concurrent callers share one request; a failure is not remembered.
 */
export function cachedPerTenant<T>(load: (tenantId: string) => Promise<T>): (tenantId: string) => Promise<T> {
  const cache = new LruCache<string, Promise<T>>(HASH_KEY_CACHE_SIZE);
  return (tenantId) => {
    let pending = cache.get(tenantId);
    if (!pending) {
      const loading = load(tenantId);
      loading.catch(() => {
        if (cache.get(tenantId) === loading) cache.delete(tenantId);
      });
      cache.set(tenantId, loading);
      pending = loading;
    }
    return pending;
  };
}
