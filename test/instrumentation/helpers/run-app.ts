/**
 * Runs a test application in a child process, the way a service runs: `node --require
 * <repo>/instrumentation/register.js app` (or `--import`), against real SDK packages.
 *
 * Other majors of an SDK are installed at the root under alias names (openai-v4, ...), and the
 * hook patches modules by their real name. So a sandbox directory gets a copy of the alias under
 * the real name (node_modules/openai) and the application runs from there; everything else
 * resolves through NODE_PATH from the repository's node_modules. No test-only code path in the
 * hook: it sees `require('openai')` as in any service.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const APPS = path.join(REPO, 'test', 'instrumentation', 'apps');
const MODULES = path.join(REPO, 'node_modules');

/**
 * `npx jest` puts node_modules/.bin first on PATH, where the node22 package links `node`; the
 * service Node is the first `node` on PATH outside node_modules (/usr/bin/node, v20, here).
 */
function systemNode(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || dir.includes('node_modules')) continue;
    const candidate = path.join(dir, 'node');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return process.execPath;
}

export const NODE = {
  system: systemNode(),
  node22: path.join(MODULES, 'node22', 'bin', 'node'),
  node24: path.join(MODULES, 'node24', 'bin', 'node'),
};
export type NodeName = keyof typeof NODE;

export function nodeVersion(node: NodeName): string {
  return execFileSync(NODE[node], ['--version'], { encoding: 'utf8' }).trim();
}

/**
 * A directory whose node_modules holds each alias under its real name, e.g.
 * `{ openai: 'openai-v4' }`. Made once per set of packages and version, then reused.
 */
export function sandbox(packages: Record<string, string>): string {
  const versions = Object.entries(packages).map(([name, alias]) => {
    const version = JSON.parse(fs.readFileSync(path.join(MODULES, alias, 'package.json'), 'utf8')).version as string;
    return `${name}@${version}`;
  });
  const key = createHash('sha1').update(versions.join(',')).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), 'ai-audit-sandboxes', key);
  const ready = path.join(dir, '.ready');
  if (!fs.existsSync(ready)) {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [name, alias] of Object.entries(packages)) {
      fs.cpSync(path.join(MODULES, alias), path.join(dir, 'node_modules', name), {
        recursive: true,
        dereference: true,
      });
    }
    fs.writeFileSync(ready, versions.join('\n'));
  }
  return dir;
}

export interface RunOptions {
  /** File name under test/instrumentation/apps, or an absolute path. */
  app: string;
  node?: NodeName;
  /** Extra node flags, before the hook's. */
  nodeArgs?: string[];
  hook?: 'require' | 'import' | 'none';
  /** What follows --require / --import; the repository's register file by default. */
  hookSpecifier?: string;
  /** Run from this sandbox (see `sandbox`): the app, and apps/shared, are copied there. */
  sandbox?: string;
  env?: Record<string, string | undefined>;
  /** Sent to the child once it printed `after` on stdout. */
  signal?: { name: NodeJS.Signals; after: string };
  /** Called with everything printed so far, each time the child prints; `kill` signals the child. */
  onStdout?: (stdout: string, kill: (signal: NodeJS.Signals) => void) => void;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment a child starts from: none of the parent's OTEL_* or NODE_OPTIONS. */
function baseEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('OTEL_') || key === 'NODE_OPTIONS' || key.startsWith('AI_AUDIT_') || key.startsWith('JEST'))
      continue;
    env[key] = value;
  }
  return env;
}

export function runApp(options: RunOptions): Promise<RunResult> {
  let script = path.resolve(APPS, options.app);
  if (options.sandbox) {
    const copy = path.join(options.sandbox, options.app);
    fs.copyFileSync(script, copy);
    // The apps' shared module (apps/shared), which they require by a relative path.
    fs.cpSync(path.join(APPS, 'shared'), path.join(options.sandbox, 'shared'), { recursive: true });
    script = copy;
  }
  const hook = options.hook ?? 'require';
  const args =
    hook === 'require'
      ? ['--require', options.hookSpecifier ?? path.join(REPO, 'instrumentation', 'register.js')]
      : hook === 'import'
        ? ['--import', options.hookSpecifier ?? path.join(REPO, 'instrumentation', 'register.mjs')]
        : [];
  const env = { ...baseEnv(), NODE_PATH: MODULES, OTEL_SERVICE_NAME: 'test-app', ...options.env };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(NODE[options.node ?? 'system'], [...(options.nodeArgs ?? []), ...args, script], {
      cwd: path.dirname(script),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      options.onStdout?.(stdout, (signal) => child.kill(signal));
      if (options.signal && !signalled && stdout.includes(options.signal.after)) {
        signalled = true;
        child.kill(options.signal.name);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${options.app} did not exit within ${options.timeoutMs ?? 30_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The app's JSON lines, by case. */
export function cases(stdout: string): Record<string, Record<string, unknown>> {
  const result: Record<string, Record<string, unknown>> = {};
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as { case: string };
    result[parsed.case] = parsed;
  }
  return result;
}
