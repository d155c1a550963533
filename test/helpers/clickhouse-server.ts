import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A ClickHouse HTTP endpoint for tests, backed by the real embedded engine in a child
 * process (./clickhouse-server/server.js, which documents what it implements), with fault
 * injection for store outages:
 *
 * - `ok`: a working server.
 * - `refuse`: not listening, open connections dropped: clients get ECONNREFUSED.
 * - `error`: every query answered 500, `Code: 202 ... (TOO_MANY_SIMULTANEOUS_QUERIES)`, a
 *   retryable overload error; /ping still says Ok. as an overloaded server's does.
 * - `hang`: connections accepted, requests never answered: clients time out.
 * - `reset`: connections reset (TCP RST) as a request arrives: clients get ECONNRESET.
 * - `reject-inserts`: INSERTs answered 500, `Code: 242 ... (TABLE_IS_READ_ONLY)`, as a
 *   replicated table that lost Keeper; everything else works.
 */
export type FaultMode = 'ok' | 'refuse' | 'error' | 'hang' | 'reset' | 'reject-inserts';

export interface ClickHouseServerOptions {
  /** Data directory (kept); by default a temporary one, removed by stop(). */
  dataDir?: string;
  /** The one user the server accepts (default "default"). */
  user?: string;
  /** Its password (default: random). */
  password?: string;
  /** Port on 127.0.0.1 (default: a free one); give the old one to restart "the same server". */
  port?: number;
}

export interface ClickHouseServerStats {
  mode: FaultMode;
  /** HTTP requests received, health checks included. */
  requests: number;
  /** INSERT statements that succeeded. */
  inserts: number;
  /** Requests answered with a ClickHouse error (faults included). */
  failed: number;
  /** Requests a fault mode answered (or did not answer). */
  faulted: number;
}

/** An error from `query()`: the engine's message, and its ClickHouse code. */
export class ClickHouseServerError extends Error {
  override readonly name = 'ClickHouseServerError';

  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

const SERVER_JS = join(__dirname, 'clickhouse-server', 'server.js');
const START_TIMEOUT_MS = 60_000;

type Reply = { id: number; ok: boolean; result?: unknown; error?: { message: string; code?: number } };

export class ClickHouseServer {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly exited: Promise<void>;
  private currentMode: FaultMode = 'ok';

  private constructor(
    private readonly child: ChildProcess,
    /** `http://user:password@127.0.0.1:port`, for `createClient({ url })` or a store endpoint. */
    readonly url: string,
    readonly port: number,
    readonly dataDir: string,
    readonly user: string,
    readonly password: string,
    /** The engine's version, as the server reports it in error messages. */
    readonly version: string,
    private readonly ownsDataDir: boolean,
    private readonly output: string[],
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: Reply) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new ClickHouseServerError(message.error?.message ?? 'unknown error', message.error?.code));
    });
    child.once('exit', (code, signal) => {
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`ClickHouse test server exited (${signal ?? code}):\n${this.output.join('')}`));
      this.pending.clear();
    });
  }

  static async start(options: ClickHouseServerOptions = {}): Promise<ClickHouseServer> {
    const ownsDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ai-audit-clickhouse-'));
    const user = options.user ?? 'default';
    const password = options.password ?? randomBytes(12).toString('hex');
    const args = ['--data-dir', dataDir, '--port', String(options.port ?? 0), '--user', user, '--password', password];
    // execArgv: [] so jest's node flags do not follow the engine into its own process.
    const child = fork(SERVER_JS, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    const output: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));

    let ready: { port: number; version: string };
    try {
      ready = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out')), START_TIMEOUT_MS);
        child.on('message', (message: { type?: string; port: number; version: string }) => {
          if (message.type !== 'ready') return;
          clearTimeout(timer);
          resolve(message);
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`exited (${signal ?? code})`));
        });
      });
    } catch (error) {
      child.kill('SIGKILL');
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`ClickHouse test server did not start: ${(error as Error).message}\n${output.join('')}`, {
        cause: error,
      });
    }
    const url = `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${ready.port}`;
    return new ClickHouseServer(child, url, ready.port, dataDir, user, password, ready.version, ownsDataDir, output);
  }

  get mode(): FaultMode {
    return this.currentMode;
  }

  /** Switches the fault mode; resolves once the server behaves that way. */
  async setMode(mode: FaultMode): Promise<void> {
    await this.call({ cmd: 'mode', mode });
    this.currentMode = mode;
  }

  /** Rows of a query run straight on the engine (not over HTTP, so it works in every mode). */
  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const text = await this.queryText(sql, 'JSONEachRow');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as T);
  }

  /** The raw output of a query run straight on the engine, in any ClickHouse format. */
  async queryText(sql: string, format = 'TabSeparated'): Promise<string> {
    return (await this.call({ cmd: 'query', sql, format })) as string;
  }

  async stats(): Promise<ClickHouseServerStats> {
    return (await this.call({ cmd: 'stats' })) as ClickHouseServerStats;
  }

  /** Stops the server (connections dropped, engine closed) and removes a temporary data directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.call({ cmd: 'stop' }).catch(() => this.child.kill('SIGKILL'));
      await this.exited;
      clearTimeout(killer);
    }
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  private call(message: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...message, id }, (error) => {
        if (!error) return;
        this.pending.delete(id);
        reject(error);
      });
    });
  }
}
