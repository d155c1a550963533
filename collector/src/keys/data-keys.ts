import type { DataKeyRow } from '../model/data-key';
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/client';
import { KEY_BYTES } from './aead';
import { LruCache } from './lru';
import { KeyProviderError, type KeyProvider } from './provider';
import { AuditError } from '../model/errors';

/**
 * Data keys (DEKs): one per tenant and subject (the user; '' when a record has none), so
 * erasing a user is destroying their keys. A DEK is generated here, used for at most
 * `maxUses` seals or `maxAgeMs`, and stored only wrapped, as a row of `data_keys`.
 *
 * New and updated rows are not written to the store directly: the protect processor
 * attaches them to the batch whose records they seal, so they reach the write-ahead log in
 * the same fsync'd entry as those records (a record is never durable without its key).
 * Each process makes its own DEKs and never reuses another's, so in-memory use counts are
 * exact; the counts stored in data_keys are refreshed every minute and on retirement.
 */

export interface DataKeyOptions {
  maxAgeMs: number;
  maxUses: number;
  cacheSize: number;
}

export interface SealingKey {
  keyId: string;
  key: Buffer;
}

interface ActiveKey {
  row: DataKeyRow;
  key: Buffer;
  createdMs: number;
  seals: number;
  persistedSeals: number;
}

/** The DEK is gone: destroyed by an erasure, or never stored. */
export class DataKeyUnavailableError extends AuditError {}

const USE_COUNT_REFRESH_MS = 60_000;

export class DataKeyManager {
  private readonly active = new Map<string, ActiveKey>();
  private readonly creating = new Map<string, Promise<ActiveKey>>();
  private readonly opened: LruCache<string, Buffer>;
  private readonly unpersisted = new Map<string, DataKeyRow>();
  private lastRefresh = Date.now();
  private versionCounter = 0;

  constructor(
    readonly provider: KeyProvider,
    private readonly options: DataKeyOptions,
  ) {
    this.opened = new LruCache(options.cacheSize);
  }

  /** The key to seal `uses` more values of (tenant, subject) with; rotates it when due. */
  async sealingKey(tenantId: string, subject: string, uses: number): Promise<SealingKey> {
    const slot = `${tenantId}\u0000${subject}`;
    let active = this.active.get(slot);
    if (
      active &&
      (active.seals + uses > this.options.maxUses || Date.now() - active.createdMs >= this.options.maxAgeMs)
    ) {
      this.retire(slot, active);
      active = undefined;
    }
    if (!active) {
      let pending = this.creating.get(slot);
      if (!pending) {
        pending = this.create(tenantId, subject).finally(() => this.creating.delete(slot));
        this.creating.set(slot, pending);
      }
      active = await pending;
      this.active.set(slot, active);
    }
    active.seals += uses;
    this.refreshUseCounts();
    return { keyId: active.row.key_id, key: active.key };
  }

  /** Rows to write with the next batch: new keys until durable, retirements, use counts. */
  pendingRows(): DataKeyRow[] {
    return [...this.unpersisted.values()];
  }

  /** Those rows are in the write-ahead log now (a newer version of a row stays pending). */
  persisted(rows: readonly DataKeyRow[]): void {
    for (const row of rows) if (this.unpersisted.get(row.key_id) === row) this.unpersisted.delete(row.key_id);
  }

  /** The unwrapped DEK `keyId` of a tenant, from memory or from `<database>.data_keys`. */
  async openingKey(
    keyId: string,
    tenantId: string,
    store: Pick<Store, 'queryRows'>,
    database: string,
  ): Promise<Buffer> {
    const cached = this.opened.get(keyId);
    if (cached) return cached;
    const [row] = await store.queryRows<DataKeyRow>(
      `SELECT * FROM ${database}.data_keys FINAL WHERE key_id = {key:String} AND tenant_id = {tenant:String}`,
      { key: keyId, tenant: tenantId },
    );
    const pending = this.unpersisted.get(keyId);
    const found = row ?? pending;
    if (!found || found.wrapped === '')
      throw new DataKeyUnavailableError(`data key ${keyId} does not exist (destroyed by an erasure, or never stored)`);
    const key = await this.provider.unwrap(
      { ciphertext: Buffer.from(found.wrapped, 'base64'), kekVersion: found.kek_version },
      context(found),
    );
    this.opened.set(keyId, key);
    return key;
  }

  /**
   * Erasure: no key of this subject is used, served from memory or written any more. Keys
   * still pending (not yet in the write-ahead log) are dropped too: they seal only records
   * the erasure removes. The subject's next seal makes a fresh key.
   */
  forget(tenantId: string, subject: string, keyIds: readonly string[] = []): void {
    this.active.delete(`${tenantId}\u0000${subject}`);
    for (const [keyId, row] of this.unpersisted) {
      if (row.tenant_id === tenantId && row.subject === subject) this.unpersisted.delete(keyId);
    }
    for (const keyId of keyIds) {
      this.opened.delete(keyId);
      this.unpersisted.delete(keyId);
    }
  }

  /** A re-wrapped row for `row` under the provider's current KEK (records are untouched). */
  async rewrapped(row: DataKeyRow): Promise<DataKeyRow> {
    const wrapped = await this.provider.rewrap(
      { ciphertext: Buffer.from(row.wrapped, 'base64'), kekVersion: row.kek_version },
      context(row),
    );
    return {
      ...row,
      wrapped: wrapped.ciphertext.toString('base64'),
      kek_version: wrapped.kekVersion,
      version: this.nextVersion(),
    };
  }

  private async create(tenantId: string, subject: string): Promise<ActiveKey> {
    const keyId = `dek_${randomBytes(12).toString('hex')}`;
    const key = randomBytes(KEY_BYTES);
    const now = new Date();
    const wrapped = await this.provider.wrap(key, { tenant: tenantId, subject, key_id: keyId });
    if (wrapped.ciphertext.length === 0) throw new KeyProviderError(`${this.provider.kind}: empty wrapped key`);
    const row: DataKeyRow = {
      key_id: keyId,
      tenant_id: tenantId,
      subject,
      provider: this.provider.kind,
      kek_version: wrapped.kekVersion,
      wrapped: wrapped.ciphertext.toString('base64'),
      created_at: timestamp(now),
      retired_at: null,
      seals: 0,
      version: this.nextVersion(),
    };
    this.unpersisted.set(keyId, row);
    this.opened.set(keyId, key);
    return { row, key, createdMs: now.getTime(), seals: 0, persistedSeals: 0 };
  }

  private retire(slot: string, active: ActiveKey): void {
    this.active.delete(slot);
    active.row = { ...active.row, retired_at: timestamp(new Date()), seals: active.seals, version: this.nextVersion() };
    this.unpersisted.set(active.row.key_id, active.row);
  }

  private refreshUseCounts(): void {
    if (Date.now() - this.lastRefresh < USE_COUNT_REFRESH_MS) return;
    this.lastRefresh = Date.now();
    for (const active of this.active.values()) {
      if (active.seals === active.persistedSeals) continue;
      active.persistedSeals = active.seals;
      active.row = { ...active.row, seals: active.seals, version: this.nextVersion() };
      this.unpersisted.set(active.row.key_id, active.row);
    }
  }

  /** ReplacingMergeTree versions: increasing within a process, and across restarts. */
  private nextVersion(): number {
    this.versionCounter = (this.versionCounter + 1) % 1000;
    return Date.now() * 1000 + this.versionCounter;
  }
}

/** What a wrapped DEK is bound to: it opens only for its own tenant, subject and id. */
export function context(row: Pick<DataKeyRow, 'tenant_id' | 'subject' | 'key_id'>): Record<string, string> {
  return { tenant: row.tenant_id, subject: row.subject, key_id: row.key_id };
}

/** DateTime64(3) text for JSONEachRow. */
function timestamp(date: Date): string {
  return (date.getTime() / 1000).toFixed(3);
}
