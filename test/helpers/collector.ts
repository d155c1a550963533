import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * A real collector in a child process (`ai-audit start`), as users run it, on a temporary
 * directory with its own embedded store, listening on free loopback ports.
 */

export const REPO = resolve(__dirname, '../..');
export const CLI = join(REPO, 'collector/bin/ai-audit.js');

export interface CollectorOptions {
  /** YAML under receivers.otlp.protocols (6-space indented); default: gRPC and HTTP on loopback port 0. */
  protocolsYaml?: string;
  /** Extra keys under receivers.otlp (4-space indented): auth, rate_limit, limits. */
  receiverYaml?: string;
  /** YAML replacing `  protect:` under processors (2-space indented), and the processor list. */
  processorsYaml?: string;
  /**
   * YAML replacing the join section under processors (2-space indented). By default spans
   * without messages wait 1 s for their events instead of 5 s, so tests see records sooner.
   */
  joinYaml?: string;
  processors?: string[];
  /** Replaces the exporter's `endpoint: chdb://./data/clickhouse` line (4-space indented). */
  storeYaml?: string;
  /** Extra YAML under `exporters.clickhouse` (4-space indented). */
  exporterYaml?: string;
  /** Writer batching (defaults: 5000 rows, 100ms, so tests see records quickly). */
  maxRows?: number;
  flushInterval?: string;
  /** The health_check extension's endpoint and the Prometheus metrics address, when wanted. */
  healthEndpoint?: string;
  metricsAddress?: string;
  /** Replace the whole config (then the other options are ignored). */
  configText?: string;
  env?: Record<string, string>;
  /** Extra `ai-audit start` arguments (e.g. --shutdown-timeout). */
  args?: string[];
}

const LOOPBACK_PROTOCOLS = '      grpc:\n        endpoint: 127.0.0.1:0\n      http:\n        endpoint: 127.0.0.1:0';

/** A collector config for tests: loopback receivers, the full pipeline, a fast writer. */
export function collectorConfig(options: CollectorOptions = {}): string {
  const processors = options.processors ?? ['normalize', 'join', 'cost', 'classify', 'protect'];
  const lines = [
    'receivers:',
    '  otlp:',
    '    protocols:',
    options.protocolsYaml ?? LOOPBACK_PROTOCOLS,
    options.receiverYaml ?? '',
    'processors:',
    '  normalize:',
    options.joinYaml ?? '  join:\n    span_wait: 1s',
    '  cost:',
    '  classify:',
    options.processorsYaml ?? '  protect:',
    'exporters:',
    '  clickhouse:',
    options.storeYaml ?? '    endpoint: chdb://./data/clickhouse',
    '    batch:',
    `      max_rows: ${options.maxRows ?? 5000}`,
    `      flush_interval: ${options.flushInterval ?? '100ms'}`,
    options.exporterYaml ?? '',
    options.healthEndpoint ? `extensions:\n  health_check:\n    endpoint: ${options.healthEndpoint}` : '',
    'service:',
    options.healthEndpoint ? '  extensions: [health_check]' : '',
    '  telemetry:',
    '    logs:',
    '      encoding: json',
    options.metricsAddress ? `    metrics:\n      address: ${options.metricsAddress}` : '',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    `      processors: [${processors.join(', ')}]`,
    '      exporters: [clickhouse]',
  ];
  return `${lines.filter((line) => line !== '').join('\n')}\n`;
}

export class CollectorProcess {
  readonly logs: string[] = [];
  grpcEndpoint = '';
  httpEndpoint = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  }

  static newDir(): string {
    return mkdtempSync(join(tmpdir(), 'ai-audit-'));
  }

  /** Starts a collector in `dir` (a fresh temp dir by default) and waits until it is ready. */
  static async start(options: CollectorOptions = {}, dir = CollectorProcess.newDir()): Promise<CollectorProcess> {
    writeFileSync(join(dir, 'otel-config.yaml'), options.configText ?? collectorConfig(options));
    const child = spawn(
      process.execPath,
      [CLI, 'start', '--config', join(dir, 'otel-config.yaml'), ...(options.args ?? [])],
      {
        cwd: dir,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const collector = new CollectorProcess(dir, child);
    await collector.waitUntilReady();
    return collector;
  }

  /** The child's process id (e.g. to sample its memory from /proc). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get otlpHttpUrl(): string {
    return `http://${this.httpEndpoint}/v1/traces`;
  }

  get otlpLogsUrl(): string {
    return `http://${this.httpEndpoint}/v1/logs`;
  }

  get configPath(): string {
    return join(this.dir, 'otel-config.yaml');
  }

  /** Rows of a query run through `ai-audit sql --format json`, as a user would. */
  async sql<T = Record<string, unknown>>(query: string): Promise<T[]> {
    return runSql<T>(this.configPath, query);
  }

  /** Sends a signal and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }

  get exitCode(): Promise<number | null> {
    return this.exited;
  }

  private waitUntilReady(): Promise<void> {
    return new Promise((resolveReady, reject) => {
      let buffer = '';
      const timer = setTimeout(
        () => reject(new Error(`collector not ready after 60 s:\n${this.logs.join('\n')}`)),
        60_000,
      );
      const onLine = (line: string): void => {
        this.logs.push(line);
        let entry: { msg?: string; endpoint?: string };
        try {
          entry = JSON.parse(line);
        } catch {
          return;
        }
        if (entry.msg === 'OTLP/gRPC receiver listening') this.grpcEndpoint = entry.endpoint as string;
        if (entry.msg === 'OTLP/HTTP receiver listening') this.httpEndpoint = entry.endpoint as string;
        if (entry.msg?.startsWith('ai-audit collector ready')) {
          clearTimeout(timer);
          resolveReady();
        }
      };
      this.child.stderr?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let newline;
        while ((newline = buffer.indexOf('\n')) !== -1) {
          onLine(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
        }
      });
      this.child.stdout?.on('data', (chunk: Buffer) => this.logs.push(chunk.toString()));
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`collector exited with ${code} before it was ready:\n${this.logs.join('\n')}${buffer}`));
      });
    });
  }
}

const execFileAsync = promisify(execFile);

/**
 * Files under `dir` whose bytes contain `needle` (grep -r). grep exits 1 when nothing
 * matches and 2 when some file could not be read (a part the engine just removed): the
 * matches it printed count either way, so an error never hides a leak.
 */
export function filesContaining(dir: string, needle: string): string[] {
  let out: string;
  try {
    out = execFileSync('grep', ['-r', '-l', '-a', '-F', needle, dir]).toString();
  } catch (error) {
    out = String((error as { stdout?: Buffer }).stdout ?? '');
  }
  return out.split('\n').filter(Boolean);
}

/** `ai-audit <args>`; resolves with stdout, stderr and the exit code (never throws on exit codes). */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

export async function runSql<T = Record<string, unknown>>(configPath: string, query: string): Promise<T[]> {
  const { stdout, stderr, code } = await runCli(['sql', '--config', configPath, '--format', 'json', query]);
  if (code !== 0) throw new Error(`ai-audit sql failed (${code}): ${stderr}`);
  return JSON.parse(stdout) as T[];
}

/** Polls until `check` returns a truthy value (records arrive after the writer's flush). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Runs statements on an embedded store from a separate process, with write access (e.g.
 * OPTIMIZE ... FINAL), and returns each statement's rows. The engine stays out of the jest
 * worker: it admits one data path per process, and workers run many test files.
 */
export async function runOnStore(dataPath: string, statements: string[]): Promise<unknown[][]> {
  const script = `
    const { Store } = require(${JSON.stringify(join(REPO, 'collector/dist/store/client.js'))});
    (async () => {
      const store = await Store.open({ kind: 'embedded', path: ${JSON.stringify(dataPath)} }, { database: 'ai_audit' });
      const out = [];
      for (const sql of JSON.parse(process.argv[1])) {
        out.push(/^\\s*(SELECT|SHOW|WITH)/i.test(sql) ? await store.queryRows(sql) : (await store.command(sql), []));
      }
      await store.close();
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { process.stderr.write(String(e.message)); process.exit(1); });
  `;
  const { stdout } = await execFileAsync(process.execPath, ['-e', script, JSON.stringify(statements)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as unknown[][];
}
