import type { ClickHouseSettings } from '@clickhouse/client';
import { Store } from '../store/client';
import type { StoreTarget } from '../store/endpoint';
import { queryForDisplay } from './run';

/**
 * `ai-audit sql` inside a running collector (the control socket's `query`). The embedded
 * engine admits one process per data path, so the queries must run here, next to the
 * writer; two things keep them from hurting it:
 *
 * - Queries run one at a time, so the collector holds at most one query budget.
 * - Each query gets a fresh read-only session, closed after it: chDB leaves the partial
 *   output of a query that failed mid-way in its connection, and the next query on that
 *   connection would return it ahead of its own rows. A session costs well under a
 *   millisecond on a data path that is already open.
 */
export class QueryReader {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly target: StoreTarget,
    private readonly database: string,
    /** The analyst session's settings (query/budget.ts). */
    private readonly settings: ClickHouseSettings,
  ) {}

  query(sql: string, clickhouseFormat: string, params?: Record<string, string | number>): Promise<string> {
    const result = this.queue.then(() => this.runAlone(sql, clickhouseFormat, params));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Resolves once the query running or queued last has finished. */
  async close(): Promise<void> {
    await this.queue;
  }

  private async runAlone(
    sql: string,
    clickhouseFormat: string,
    params?: Record<string, string | number>,
  ): Promise<string> {
    const store = await Store.open(this.target, { database: this.database, readOnly: this.settings });
    try {
      return await queryForDisplay(store, sql, clickhouseFormat, params);
    } finally {
      await store.close();
    }
  }
}
