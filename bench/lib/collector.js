'use strict';
/**
 * A real collector in a child process, started exactly as users start it
 * (`node collector/bin/ai-audit.js start --config <file>`), on its own data directory and free
 * loopback ports. Its JSON logs say where it listens; its health endpoint says how many
 * records its write-ahead log still holds (0 = everything acknowledged is in the store).
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { spawnTracked, stop } = require('./children');

const REPO = path.resolve(__dirname, '../..');
/** The CLI of the compiled collector (BENCH_COLLECTOR_DIST: another build's dist/, next to its bin/). */
const CLI = process.env.BENCH_COLLECTOR_DIST
  ? path.resolve(process.env.BENCH_COLLECTOR_DIST, '../bin/ai-audit.js')
  : path.join(REPO, 'collector/bin/ai-audit.js');

/** The shipped configuration's settings, on ports chosen by the kernel (its ${env:...} hooks). */
const PORTS_FROM_KERNEL = {
  AI_AUDIT_GRPC_ENDPOINT: '127.0.0.1:0',
  AI_AUDIT_HTTP_ENDPOINT: '127.0.0.1:0',
  AI_AUDIT_HEALTH_ENDPOINT: '127.0.0.1:0',
  AI_AUDIT_METRICS_ENDPOINT: '127.0.0.1:0',
};

class Collector {
  constructor(dir, child) {
    this.dir = dir;
    this.child = child;
    this.logs = [];
    this.grpcEndpoint = '';
    this.httpEndpoint = '';
    this.healthEndpoint = '';
  }

  get pid() {
    return this.child.pid;
  }

  get configPath() {
    return path.join(this.dir, 'otel-config.yaml');
  }

  /**
   * Starts a collector in `dir` (created fresh) with the repository's otel-config.yaml as it
   * ships (whole pipeline, local keyring, embedded store, batches of 10,000 rows or 1 s; data
   * under `dir`), and resolves once it is ready. `nodeArgs` go before the CLI (e.g. --cpu-prof);
   * `node` is the Node binary to run it on (this process's by default).
   */
  static async start(dir, { nodeArgs = [], node = process.execPath } = {}) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(REPO, 'otel-config.yaml'), path.join(dir, 'otel-config.yaml'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AI_AUDIT_')));
    const child = spawnTracked(node, [...nodeArgs, CLI, 'start', '--config', path.join(dir, 'otel-config.yaml')], {
      cwd: dir,
      env: { ...env, ...PORTS_FROM_KERNEL },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const collector = new Collector(dir, child);
    await collector.waitUntilReady();
    return collector;
  }

  waitUntilReady() {
    return new Promise((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(
        () => reject(new Error(`collector not ready after 120 s:\n${this.logs.join('\n')}`)),
        120_000,
      );
      const onExit = (code) => {
        clearTimeout(timer);
        reject(new Error(`collector exited with ${code} before it was ready:\n${this.logs.join('\n')}${buffer}`));
      };
      this.child.once('exit', onExit);
      this.child.stderr.on('data', (chunk) => {
        buffer += chunk.toString();
        let newline;
        while ((newline = buffer.indexOf('\n')) !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          this.logs.push(line);
          if (this.logs.length > 200) this.logs.shift();
          let entry;
          try {
            entry = JSON.parse(line);
          } catch {
            continue;
          }
          if (entry.msg === 'OTLP/gRPC receiver listening') this.grpcEndpoint = entry.endpoint;
          if (entry.msg === 'OTLP/HTTP receiver listening') this.httpEndpoint = entry.endpoint;
          if (entry.msg === 'health check listening') this.healthEndpoint = entry.endpoint;
          if (typeof entry.msg === 'string' && entry.msg.startsWith('ai-audit collector ready')) {
            clearTimeout(timer);
            this.child.removeListener('exit', onExit);
            resolve();
          }
        }
      });
    });
  }

  /** The health endpoint's JSON (GET /health). */
  health() {
    return new Promise((resolve, reject) => {
      http
        .get(`http://${this.healthEndpoint}/health`, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => {
            try {
              resolve(JSON.parse(body));
            } catch (error) {
              reject(error);
            }
          });
        })
        .on('error', reject);
    });
  }

  /**
   * Resolves once every acknowledged record is in the store (the write-ahead log holds no
   * rows); polls the health endpoint every `everyMs`. Fails when the store keeps refusing the
   * writer's inserts for `failingMs`, with the store's error, instead of waiting forever.
   */
  async drained({ everyMs = 25, timeoutMs = 300_000, failingMs = 20_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let failingSince;
    for (;;) {
      const exporters = Object.values((await this.health()).exporters ?? {});
      if (exporters.every((exporter) => (exporter.wal_rows ?? 0) === 0)) return;
      const failing = exporters.find((exporter) => exporter.store === 'failing');
      failingSince = failing ? (failingSince ?? Date.now()) : undefined;
      if (failing && Date.now() - failingSince > failingMs)
        throw new Error(`the collector's store keeps failing: ${failing.store_error}`);
      if (Date.now() > deadline) throw new Error('the collector did not store its backlog in time');
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }

  /** SIGTERM: the collector drains and flushes, then exits (and writes a CPU profile if asked). */
  stop() {
    return stop(this.child, 120_000);
  }
}

const execFileAsync = promisify(execFile);

/** `ai-audit sql --format json` against a config, as a user runs it; resolves with the rows. */
async function sql(configPath, query) {
  const { stdout } = await execFileAsync(
    process.execPath,
    [CLI, 'sql', '--config', configPath, '--format', 'json', query],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout);
}

module.exports = { Collector, sql, REPO, CLI };
