import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, CollectorProcess, collectorConfig, eventually, REPO, runCli } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

/**
 * The control socket trusts no one it cannot verify: a squatter at the socket's place is
 * refused before it receives a byte of a request, a socket path too long for sockaddr_un
 * never moves to a shared directory, and the access log names the OS user that asked.
 * The hostile local user is real: an unprivileged account created for the test.
 */

// The client is called directly, as a script speaking to the raw socket would: the compiled one, as the CLI runs it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { callControl } = require(
  join(REPO, 'collector/dist/extension/control/client.js'),
) as typeof import('../../collector/src/extension/control/client');

const PLAINTEXT = 'PLAINTEXT-7c1e-only-the-collector-may-see-this';
const SQUATTER = 'aiaudit-squatter';
const ME = userInfo().username;

interface Account {
  uid: number;
  gid: number;
}

/** The unprivileged account, created when missing; without root the attacks that need it are skipped. */
function hostileAccount(): Account | string {
  if (process.getuid?.() !== 0) return 'they need root to create and run as an unprivileged user';
  const id = (flag: string): number =>
    Number(
      execFileSync('id', [flag, SQUATTER], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim(),
    );
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SQUATTER], {
        stdio: 'ignore',
      });
      return { uid: id('-u'), gid: id('-g') };
    } catch (error) {
      return `useradd failed: ${(error as Error).message.split('\n')[0]}`;
    }
  }
}

const account = hostileAccount();
if (typeof account === 'string') console.warn(`control-socket: hostile-user tests skipped: ${account}`);
const asRoot = typeof account === 'string' ? it.skip : it;
const squatter = (): Account => account as Account;

/**
 * A plain listener run as the unprivileged user, counting what it receives. `fake` greets
 * like a collector and answers "ok" to the caller's nonce, without any proof.
 */
const LISTENER = `
  const net = require('net'), fs = require('fs');
  const [path, mode] = process.argv.slice(1);
  let received = '';
  net.createServer((socket) => {
    socket.on('error', () => {});
    if (mode === 'fake') socket.write('ai-audit-control/1 ' + 'a'.repeat(32) + '\\n');
    socket.on('data', (data) => {
      received += data.toString('latin1');
      if (mode === 'fake' && data.includes(10)) socket.write('ok\\n');
    });
  }).listen(path, () => {
    fs.chmodSync(path, 0o600);
    process.stdout.write('listening\\n');
  });
  process.on('SIGTERM', () => process.stdout.write(JSON.stringify(received) + '\\n', () => process.exit(0)));
`;

class Squatter {
  private output = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async listen(path: string, mode: 'silent' | 'fake'): Promise<Squatter> {
    const { uid, gid } = squatter();
    const child = spawn(
      'setpriv',
      [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', process.execPath, '-e', LISTENER, path, mode],
      { cwd: '/', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const listener = new Squatter(child);
    await eventually(async () => listener.output.includes('listening\n'), 10_000);
    return listener;
  }

  /** Stops the listener and returns everything it received. */
  async stop(): Promise<string> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
    return JSON.parse(this.output.split('\n')[1]) as string;
  }
}

/** A directory of the unprivileged user's own, where it binds sockets to be moved elsewhere. */
function squatterDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ai-audit-squat-'));
  chownSync(dir, squatter().uid, squatter().gid);
  return dir;
}

/** A directory like /tmp: every user may create entries, nobody may remove another's. */
function sharedDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ai-audit-shared-'));
  chmodSync(dir, 0o1777);
  return dir;
}

function writeConfig(dir: string, exporterYaml = ''): string {
  const path = join(dir, 'otel-config.yaml');
  writeFileSync(path, collectorConfig({ exporterYaml }));
  return path;
}

/** Runs `command` as the unprivileged account. */
function asAccount(command: string[]): [string, string[]] {
  const { uid, gid } = squatter();
  return ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', ...command]];
}

/** A collector run by the unprivileged account, as a service account runs it; resolves once it is ready. */
async function startAsAccount(configPath: string): Promise<{ child: ChildProcess; grpcEndpoint: string }> {
  const child = spawn(...asAccount([process.execPath, CLI, 'start', '--config', configPath]), {
    cwd: '/',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  await eventually(async () => logs.includes('ai-audit collector ready'), 60_000).catch((error) => {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${logs}`);
  });
  const grpcEndpoint = (
    /"msg":"OTLP\/gRPC receiver listening".*?"endpoint":"([^"]+)"/.exec(logs) as RegExpExecArray
  )[1];
  return { child, grpcEndpoint };
}

const proofsLeft = (walDir: string): string[] =>
  readdirSync(walDir).filter((name) => name.startsWith('control-proof-'));

describe('control socket: a squatter is refused before it receives anything', () => {
  asRoot('refuses a squatter listening at the socket path in a shared directory; it receives no byte', async () => {
    const shared = sharedDir();
    const config = writeConfig(shared, '    wal:\n      directory: ./wal');
    mkdirSync(join(shared, 'wal'), { mode: 0o700 }); // as a stopped collector left it
    const listener = await Squatter.listen(join(shared, 'wal.sock'), 'fake');

    const hash = await runCli(['hash', '--config', config, '--tenant', 'default', PLAINTEXT]);
    const sql = await runCli(['sql', '--config', config, 'SELECT 1']);
    const erase = await runCli(['erase', '--config', config, '--yes', '--user', 'alice', '--reason', 'test']);

    for (const result of [hash, sql, erase]) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `refusing the control socket ${shared}/wal.sock: owned by uid ${squatter().uid}, expected 0`,
      );
    }
    // Refused means stopped: the command did not open the store behind the collector's back.
    expect(existsSync(join(shared, 'data'))).toBe(false);
    expect(await listener.stop()).toBe('');
  });

  asRoot('refuses a squatter that made the write-ahead log directory as well, in a shared directory', async () => {
    const shared = sharedDir();
    const config = writeConfig(shared, '    wal:\n      directory: ./wal');
    mkdirSync(join(shared, 'wal'), { mode: 0o700 });
    chownSync(join(shared, 'wal'), squatter().uid, squatter().gid);
    const listener = await Squatter.listen(join(shared, 'wal.sock'), 'fake');

    const hash = await runCli(['hash', '--config', config, '--tenant', 'default', PLAINTEXT]);
    expect(hash.code).toBe(1);
    expect(hash.stderr).toContain(
      `refusing the control socket ${shared}/wal.sock: the write-ahead log directory ${shared}/wal belongs to uid ${squatter().uid} and lies below ${shared}`,
    );
    expect(await listener.stop()).toBe('');
  });

  asRoot(
    'refuses a socket of the right owner and mode whose process cannot prove its user; it gets a nonce, never the request',
    async () => {
      const dir = CollectorProcess.newDir();
      const config = writeConfig(dir);
      const walDir = join(dir, 'data', 'wal');
      mkdirSync(walDir, { recursive: true, mode: 0o700 });
      // The squatter binds in its own directory; the socket is then moved beside the log and
      // given the collector's owner and mode, so every check on the file passes.
      const own = squatterDir();
      const listener = await Squatter.listen(join(own, 's.sock'), 'fake');
      renameSync(join(own, 's.sock'), join(dir, 'data', 'wal.sock'));
      chownSync(join(dir, 'data', 'wal.sock'), 0, 0);
      chmodSync(join(dir, 'data', 'wal.sock'), 0o600);

      const hash = await runCli(['hash', '--config', config, '--tenant', 'default', PLAINTEXT]);
      expect(hash.code).toBe(1);
      expect(hash.stderr).toContain(
        `refusing the control socket ${dir}/data/wal.sock: the process behind it did not prove that it runs as uid 0`,
      );
      expect(existsSync(join(dir, 'data', 'clickhouse'))).toBe(false);
      expect(proofsLeft(walDir)).toEqual([]);
      const received = await listener.stop();
      expect(received).toMatch(/^[0-9a-f]{32}\n$/); // the caller's nonce, nothing of the request
    },
  );

  asRoot('refuses a listener that does not speak the control protocol; it receives no byte', async () => {
    const dir = CollectorProcess.newDir();
    const config = writeConfig(dir);
    mkdirSync(join(dir, 'data', 'wal'), { recursive: true, mode: 0o700 });
    const own = squatterDir();
    const listener = await Squatter.listen(join(own, 's.sock'), 'silent');
    renameSync(join(own, 's.sock'), join(dir, 'data', 'wal.sock'));
    chownSync(join(dir, 'data', 'wal.sock'), 0, 0);

    const sql = await runCli(['sql', '--config', config, 'SELECT 1']);
    expect(sql.code).toBe(1);
    expect(sql.stderr).toContain(`refusing the control socket ${dir}/data/wal.sock: no greeting within 10 s`);
    expect(await listener.stop()).toBe('');
  });

  asRoot("starts beside another user's socket left at its path, replacing it, and serves", async () => {
    const dir = CollectorProcess.newDir();
    mkdirSync(join(dir, 'data'), { mode: 0o700 });
    const own = squatterDir();
    const listener = await Squatter.listen(join(own, 's.sock'), 'fake');
    renameSync(join(own, 's.sock'), join(dir, 'data', 'wal.sock'));

    const collector = await CollectorProcess.start({}, dir);
    try {
      expect(await collector.sql('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await collector.stop();
    }
    expect(await listener.stop()).toBe('');
  });

  it('a collector does not serve its control socket from a directory every user may write to', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'ai-audit-shared-'));
    chmodSync(shared, 0o1777);
    await expect(CollectorProcess.start({ exporterYaml: '    wal:\n      directory: ./wal' }, shared)).rejects.toThrow(
      `the control socket ${shared}/wal.sock would be in ${shared}, which every user may write to: set exporters.clickhouse.wal.directory to a path inside a directory of your own`,
    );
  });
});

describe('control socket: a collector run by a service account', () => {
  asRoot("root's CLI reaches it, its own user's too, and the access log tells the two apart", async () => {
    // A directory root made for the service account, as under /var/lib: not below a
    // directory every user may write to (where anyone could have made it).
    if (!existsSync('/run')) {
      console.warn('control-socket: service-account test skipped: there is no /run to make its directory in');
      return;
    }
    const base = mkdtempSync('/run/ai-audit-e2e-');
    chmodSync(base, 0o755);
    const dir = join(base, 'svc');
    mkdirSync(dir);
    const configPath = writeConfig(dir);
    chownSync(dir, squatter().uid, squatter().gid);
    const { child, grpcEndpoint } = await startAsAccount(configPath);
    try {
      const attributes = {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'user.id': 'dave',
        'gen_ai.input.messages': '[]',
      };
      await exportSpans(createExporter('grpc', { grpcEndpoint, otlpHttpUrl: '' }), makeSpans([{ attributes }]));
      const sql = async (query: string): Promise<Record<string, string>[]> => {
        const { stdout, stderr, code } = await runCli(['sql', '--config', configPath, '--format', 'json', query]);
        if (code !== 0) throw new Error(stderr);
        return JSON.parse(stdout);
      };
      const [{ record_id: recordId }] = await eventually(async () => {
        const rows = await sql("SELECT record_id FROM ai_audit.records WHERE user_id = 'dave'");
        return rows.length === 1 && rows;
      });
      const byRoot = await runCli(['show', recordId, '--decrypt', '--reason', 'svc-by-root', '--config', configPath]);
      expect(byRoot.stderr).toBe('');
      const [command, args] = asAccount([
        process.execPath,
        CLI,
        'show',
        recordId,
        '--decrypt',
        '--reason',
        'svc-by-itself',
        '--actor',
        'ops',
        '--config',
        configPath,
      ]);
      await promisify(execFile)(command, args, { cwd: '/' });
      expect(await sql("SELECT actor FROM ai_audit.access_log WHERE reason LIKE 'svc-by-%' ORDER BY reason")).toEqual([
        { actor: `${SQUATTER} (as "ops")` },
        { actor: 'root' },
      ]);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('control socket: a write-ahead log path too long for a Unix socket', () => {
  it('serves through the socket directory itself and creates nothing in /tmp', async () => {
    const dir = CollectorProcess.newDir();
    const relative = `${'l'.repeat(100)}/${'m'.repeat(40)}/wal`;
    const socketPath = join(dir, `${relative}.sock`);
    expect(Buffer.byteLength(socketPath)).toBeGreaterThan(108);
    const emptyTmp = mkdtempSync(join(tmpdir(), 'ai-audit-tmpdir-'));
    const env = { TMPDIR: emptyTmp };
    const socketsInTmp = (): string[] => readdirSync('/tmp').filter((name) => name.endsWith('.sock'));
    const before = socketsInTmp();

    const collector = await CollectorProcess.start(
      { exporterYaml: `    wal:\n      directory: ./${relative}`, env },
      dir,
    );
    try {
      const sql = await runCli(['sql', '--config', collector.configPath, '--format', 'json', 'SELECT 1 AS one'], {
        env,
      });
      expect(sql.stderr).toBe('');
      expect(JSON.parse(sql.stdout)).toEqual([{ one: 1 }]);
      const hash = await runCli(['hash', '--config', collector.configPath, '--tenant', 'default', PLAINTEXT], { env });
      expect(hash.stdout).toMatch(/^hmac-sha256:v1:[0-9a-f]{64}\n$/);
      expect(existsSync(socketPath)).toBe(true);
      expect(readdirSync(emptyTmp)).toEqual([]);
      expect(socketsInTmp()).toEqual(before);
    } finally {
      await collector.stop();
    }
  });
});

describe('control socket: the collector names the OS user that asked', () => {
  let collector: CollectorProcess;
  let recordId: string;
  const socketPath = (): string => join(collector.dir, 'data', 'wal.sock');
  const logged = async (reason: string): Promise<{ actor: string; host: string }[]> =>
    collector.sql(`SELECT actor, host FROM ai_audit.access_log WHERE reason = '${reason}'`);

  beforeAll(async () => {
    collector = await CollectorProcess.start();
    const content = JSON.stringify([
      { role: 'user', parts: [{ type: 'text', content: 'my account number is 12345678' }] },
    ]);
    const attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'user.id': 'carol',
      'gen_ai.input.messages': content,
    };
    await exportSpans(createExporter('grpc', collector), makeSpans([{ attributes }]));
    const [row] = await eventually(async () => {
      const rows = await collector.sql<{ record_id: string }>(
        "SELECT record_id FROM ai_audit.records WHERE user_id = 'carol'",
      );
      return rows.length === 1 && rows;
    });
    recordId = row.record_id;
  });

  afterAll(async () => {
    await collector?.stop();
  });

  it('show --decrypt logs the OS user; --actor is only added to it', async () => {
    const withActor = await runCli([
      'show',
      recordId,
      '--decrypt',
      '--reason',
      'with-actor',
      '--actor',
      'alice@corp',
      '--config',
      collector.configPath,
    ]);
    expect(withActor.stderr).toBe('');
    const withoutActor = await runCli([
      'show',
      recordId,
      '--decrypt',
      '--reason',
      'without-actor',
      '--config',
      collector.configPath,
    ]);
    expect(withoutActor.code).toBe(0);
    expect(await logged('with-actor')).toEqual([{ actor: `${ME} (as "alice@corp")`, host: hostname() }]);
    expect(await logged('without-actor')).toEqual([{ actor: ME, host: hostname() }]);
  });

  it('a request on the socket itself with an empty, or a made-up, actor and host is logged with the OS user and host', async () => {
    await callControl(socketPath(), 'show', { recordId, decrypt: true, reason: 'raw-empty', actor: '', host: '' });
    await callControl(socketPath(), 'show', {
      recordId,
      decrypt: true,
      reason: 'raw-made-up',
      actor: 'mallory',
      host: 'elsewhere.example',
    });
    expect(await logged('raw-empty')).toEqual([{ actor: ME, host: hostname() }]);
    expect(await logged('raw-made-up')).toEqual([{ actor: ME, host: hostname() }]);
  });

  it('a caller that skips the handshake, or cannot prove its user, gets no answer to its request', async () => {
    const exchange = (send: (socket: ReturnType<typeof connect>, greeting: string) => void): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect(socketPath());
        let received = '';
        socket.on('data', (data) => {
          if (received === '') send(socket, data.toString());
          received += data.toString();
        });
        socket.on('close', () => resolve(received));
        socket.on('error', () => undefined);
      });
    const request = JSON.stringify({ recordId, decrypt: true, reason: 'no-handshake' });
    const http = `POST /show HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${request.length}\r\n\r\n${request}`;
    const skipped = await exchange((socket) => socket.write(http));
    expect(skipped).toMatch(/^ai-audit-control\/1 [0-9a-f]{32}\n$/);
    const unproved = await exchange((socket) => socket.write(`${'b'.repeat(32)}\n`));
    expect(unproved).toMatch(/^ai-audit-control\/1 [0-9a-f]{32}\nrefused no proof of the caller's user\n$/);
    expect(await logged('no-handshake')).toEqual([]);
    expect(proofsLeft(join(collector.dir, 'data', 'wal'))).toEqual([]);
  });

  it('erase records the OS user in the erasure register; --actor is only added to it', async () => {
    const erased = await runCli([
      'erase',
      '--yes',
      '--user',
      'carol',
      '--reason',
      'actor-test',
      '--actor',
      'dpo@corp',
      '--config',
      collector.configPath,
    ]);
    expect(erased.stderr).toBe('');
    expect(await collector.sql("SELECT actor FROM ai_audit.erasures WHERE reason = 'actor-test'")).toEqual([
      { actor: `${ME} (as "dpo@corp")` },
    ]);
  });

  it("a running collector's write-ahead log lock refuses a second collector", async () => {
    const second = CollectorProcess.newDir();
    const exporterYaml = `    wal:\n      directory: ${join(collector.dir, 'data', 'wal')}`;
    await expect(
      CollectorProcess.start({ storeYaml: `    endpoint: chdb://${second}/clickhouse`, exporterYaml }, second),
    ).rejects.toThrow(`the write-ahead log is in use by process ${collector.pid} (a running collector?)`);
  });
});
