import { mkdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseSettings,
  type DataFormat,
} from '@clickhouse/client';
import type { ChdbConnection } from 'chdb/connection';
import { storeLayout, type StoreLayout } from './cluster';
import { sqlString } from './sql-literal';
import { describeTarget, type StoreTarget } from './endpoint';
import { AuditError, type ErrorKind } from '../model/errors';

/** A ClickHouse failure; `code` is the server's numeric error code when it sent one. */
export class StoreError extends AuditError {
  constructor(
    message: string,
    readonly code?: number,
    readonly type?: string,
  ) {
    super(message);
  }
}

/** The embedded store's data path is held by another process (usually a running collector). */
export class StoreBusyError extends StoreError {
  override readonly kind: ErrorKind = 'retryable';
}

export interface StoreOptions {
  database: string;
  /** A ClickHouse cluster the schema lives on (cluster mode, store/cluster.ts). */
  cluster?: string;
  /** Per-request timeout against a server (the embedded engine has none). */
  timeoutMs?: number;
  /**
   * An analyst's session (`ai-audit sql`): these settings (its query budget), set together
   * with readonly=1, which freezes them (a SET or SETTINGS clause in a query is refused)
   * and refuses writes, DDL and the table functions that reach files, URLs or processes.
   * `true`: readonly=1 with no settings of its own.
   */
  readOnly?: boolean | ClickHouseSettings;
}

/**
 * One code path for both targets (docs/architecture.md, "One code path for both stores"): `@clickhouse/client`, over HTTP for a
 * server or over chdb's in-process connection for the embedded engine.
 */
export class Store {
  /** Single node or cluster: where tables' rows are and how DDL runs (store/cluster.ts). */
  readonly layout: StoreLayout;

  private constructor(
    readonly target: StoreTarget,
    readonly database: string,
    private readonly client: ClickHouseClient,
    /** The embedded engine's own connection, for its zero-copy insert path. */
    private readonly embedded?: ChdbConnection,
    cluster?: string,
  ) {
    this.layout = storeLayout(cluster);
  }

  static async open(target: StoreTarget, options: StoreOptions): Promise<Store> {
    const frozen = options.readOnly === true ? {} : options.readOnly || undefined;
    let store: Store;
    if (target.kind === 'embedded') {
      const connection = embeddedConnection(target.path);
      store = new Store(
        target,
        options.database,
        createClient({ connection, log: { level: ClickHouseLogLevel.OFF } } as Parameters<typeof createClient>[0]),
        connection,
      );
    } else {
      store = new Store(
        target,
        options.database,
        serverClient(target.url, options.timeoutMs, frozen),
        undefined,
        options.cluster,
      );
    }
    // The embedded engine keeps settings per session: a read-only store gets a session of
    // its own (same data path, separate settings), its budget set first, then frozen by
    // readonly=1 for good (the client sends the settings as SETs ahead of the statement).
    if (frozen && target.kind === 'embedded') await store.command('SET readonly = 1', frozen);
    return store;
  }

  describe(): string {
    return describeTarget(this.target);
  }

  /** A statement without result rows (DDL, ALTER, INSERT ... SELECT), parameters bound server-side. */
  async command(query: string, settings?: ClickHouseSettings, params?: Record<string, unknown>): Promise<void> {
    await this.call(() => this.client.command({ query, clickhouse_settings: settings, query_params: params }));
  }

  /** Rows as objects (JSONEachRow), with `{name:Type}` query parameters bound server-side. */
  async queryRows<T>(query: string, params?: Record<string, unknown>, settings?: ClickHouseSettings): Promise<T[]> {
    return this.call(async () => {
      const result = await this.client.query({
        query,
        format: 'JSONEachRow',
        query_params: params,
        clickhouse_settings: settings,
      });
      return result.json<T>();
    });
  }

  /** The raw response text in any ClickHouse output format. */
  async queryText(
    query: string,
    format: string,
    params?: Record<string, unknown>,
    settings?: ClickHouseSettings,
  ): Promise<string> {
    return (await this.queryBytes(query, format, params, settings)).toString('utf8');
  }

  /** The raw response bytes in any ClickHouse output format, binary ones (Parquet) included. */
  async queryBytes(
    query: string,
    format: string,
    params?: Record<string, unknown>,
    settings?: ClickHouseSettings,
  ): Promise<Buffer> {
    return this.call(async () => {
      const result = await this.client.exec({
        query: `${query}\nFORMAT ${format}`,
        query_params: params,
        clickhouse_settings: settings,
      });
      return streamBytes(result.stream);
    });
  }

  /**
   * The response text of a statement that ends with no FORMAT of ours, the format given as
   * the default instead: `EXPLAIN AST <query> FORMAT X` would explain the FORMAT clause.
   */
  async explainText(statement: string, format: DataFormat, params?: Record<string, unknown>): Promise<string> {
    return this.call(async () => {
      const result = await this.client.exec({
        query: statement,
        query_params: params,
        clickhouse_settings: { default_format: format },
      });
      return streamText(result.stream);
    });
  }

  /**
   * One INSERT of JSONEachRow text (one object per line), sent as is: the rows were
   * serialized once, before the write-ahead log, and are not parsed again here. The
   * deduplication token is always sent, empty when none is given: on the embedded engine
   * settings are session state, and a token left over from an earlier insert would
   * silently drop this one.
   */
  async insertJsonRows(table: string, body: string | Buffer, settings: ClickHouseSettings = {}): Promise<void> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const clickhouse_settings = { insert_deduplication_token: '', ...settings };
    if (this.embedded) {
      // The engine parses the bytes itself, multithreaded, without the client's string
      // copies; these settings apply to this insert only.
      const embedded = this.embedded;
      await this.call(() =>
        embedded.chdb.rawInsert({
          table,
          values: bytes,
          format: 'JSONEachRow',
          settings: clickhouse_settings as unknown as Record<string, string | number>,
        }),
      );
      return;
    }
    await this.call(async () => {
      const result = await this.client.exec({
        query: `INSERT INTO ${table} FORMAT JSONEachRow`,
        values: Readable.from([bytes], { objectMode: false }),
        clickhouse_settings,
      });
      result.stream.resume();
    });
  }

  /**
   * One INSERT of RowBinary rows (docs/architecture.md, "Rows in RowBinary") into `columns`
   * of `table`. A server takes the bytes as the request body. The embedded engine's raw
   * insert takes only text formats, and inline insert data ends at the first blank line, so
   * the rows are written to `spool` (a file next to the write-ahead log, removed after the
   * insert) and read from there by the engine, which decodes them without parsing text.
   */
  async insertRowBinary(
    table: string,
    columns: readonly string[],
    body: Buffer,
    settings: ClickHouseSettings,
    spool: string,
  ): Promise<void> {
    const clickhouse_settings = { insert_deduplication_token: '', ...settings };
    const into = `INSERT INTO ${table} (${columns.join(', ')})`;
    if (this.embedded) {
      await writeFile(spool, body, { mode: 0o600 });
      try {
        await this.command(
          `${into} SETTINGS ${inlineSettings(clickhouse_settings)} SELECT * FROM file(${sqlString(spool)}, 'RowBinary')`,
        );
      } finally {
        await rm(spool, { force: true });
      }
      return;
    }
    await this.call(async () => {
      const result = await this.client.exec({
        query: `${into} FORMAT RowBinary`,
        values: Readable.from([body], { objectMode: false }),
        clickhouse_settings,
      });
      result.stream.resume();
    });
  }

  async ping(): Promise<boolean> {
    try {
      const result = await this.client.ping();
      return result.success;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toStoreError(error);
    }
  }
}

async function streamBytes(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function streamText(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  return (await streamBytes(stream)).toString('utf8');
}

function embeddedConnection(path: string): ChdbConnection {
  // Audit data: readable by the owner only.
  mkdirSync(path, { recursive: true, mode: 0o700 });
  // Loaded on demand: the engine is ~550 MB and only the embedded target needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createChdbConnection } = require('chdb/connection') as typeof import('chdb/connection');
  try {
    return createChdbConnection({ path });
  } catch {
    throw new StoreBusyError(`the embedded store at ${path} is in use by another process (a running collector?)`);
  }
}

function serverClient(
  url: URL,
  timeoutMs: number | undefined,
  frozen: ClickHouseSettings | undefined,
): ClickHouseClient {
  return createClient({
    url,
    // No default database: it may not exist yet on first start; every query names it.
    request_timeout: timeoutMs,
    application: 'ai-audit',
    // A server takes the settings of each request together, checked against the user's
    // profile before any applies: the budget and readonly=1 in the same request work, and
    // the query's own SETTINGS then meet readonly=1. (A user whose profile is readonly=1
    // or 2 cannot take them: use the collector's writer user, or set them in the profile.)
    clickhouse_settings: frozen ? { ...frozen, readonly: '1' } : undefined,
    // Our own batches are already large; compressing them costs CPU the server spends again.
    compression: { request: false, response: true },
    // Failures reach callers as StoreErrors and are logged there, once, without row data.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/**
 * clickhouse-js errors carry the server code as a string, the engine's own errors as
 * `clickhouseCode`; normalize both to a number.
 */
export function toStoreError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const e = error as { message?: string; code?: string | number; clickhouseCode?: number; type?: string };
  const raw = e.clickhouseCode ?? e.code;
  const code = raw !== undefined && /^\d+$/.test(String(raw)) ? Number(raw) : undefined;
  const message = String(e.message ?? error)
    .split('\n', 1)[0]
    .trim();
  return new StoreError(message, code, e.type);
}

/** Settings as a query's SETTINGS clause (the values are ours: tokens, numbers). */
function inlineSettings(settings: ClickHouseSettings): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name} = ${typeof value === 'string' ? sqlString(value) : String(value)}`)
    .join(', ');
}
