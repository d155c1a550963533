import { chmodSync, lstatSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Actor } from '../../admin/context';
import type { StoreError } from '../../store/client';
import { describeActor, userName } from './actor';
import { proveCaller } from './handshake';
import { sweepProofs } from './proof';
import { walDirOfSocket, withSocketAddress } from './socket-path';
import { AuditError, InvalidInputError, isRetryable } from '../../model/errors';
import { errorMessage, type Logger } from '../../telemetry/logger';

/**
 * An operation other processes may ask a running collector to perform. `caller` is who
 * asked as this process established it (never what the request says).
 */
export type ControlHandler = (request: Record<string, unknown>, caller: Actor) => Promise<unknown>;

/** A refusal the caller caused (bad arguments): reported as a 400 with this message. */
export class ControlRequestError extends InvalidInputError {}

/**
 * The collector's control socket: HTTP over a Unix socket next to the embedded store, so
 * CLI commands reach the data while the collector holds the engine (one process per data
 * path). Mode 0600: only the collector's own user and root may connect, and each
 * connection starts with the handshake that proves both ends' users (handshake.ts).
 * `POST /<operation>` with a JSON body; the answer is JSON (`{ result }` or
 * `{ error: { message, code } }`). The body's `claimedActor` (an `--actor` option) is
 * only added to the caller's OS user name.
 */
export class ControlServer {
  private readonly server: NetServer;
  private readonly http: Server;
  private readonly callers = new WeakMap<Socket, string>();
  private readonly sockets = new Set<Socket>();
  private readonly walDir: string;

  constructor(
    readonly socketPath: string,
    handlers: Record<string, ControlHandler>,
    logger: Logger,
  ) {
    this.walDir = walDirOfSocket(socketPath);
    // Whom a 0600 socket admits anyway: this user and root. Checked again on the proven
    // uid, which also covers a connection made before the chmod that follows bind().
    const me = process.geteuid?.() ?? 0;
    const allowed = (uid: number): boolean => uid === me || uid === 0;
    this.server = createNetServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      // A failed handshake just ends the connection; the HTTP server reports its own errors.
      socket.on('error', () => undefined);
      const serve = (uid: number): void => {
        this.callers.set(socket, userName(uid));
        this.http.emit('connection', socket);
      };
      // A refusal's reason is flushed to the caller before the connection goes.
      proveCaller(socket, this.walDir, allowed, serve).catch(() => socket.end(() => socket.destroy()));
    });
    this.http = createServer(async (request, response) => {
      const operation = (request.url ?? '/').slice(1);
      const handler = request.method === 'POST' ? handlers[operation] : undefined;
      const reply = (status: number, body: unknown): void => {
        response.writeHead(status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (!handler) {
        request.resume();
        reply(404, { error: { message: `unknown control operation "${operation.slice(0, 40)}"` } });
        return;
      }
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        const user = this.callers.get(request.socket as Socket) as string;
        reply(200, {
          result: await handler(body, { actor: describeActor(user, body.claimedActor), host: hostname() }),
        });
      } catch (error) {
        // Errors raised on purpose carry a one-line message without content: the caller sees
        // it. Anything else is a bug: the caller sees "internal error", the log the reason.
        const known = error instanceof AuditError || error instanceof SyntaxError;
        const status = !known ? 500 : isRetryable(error) ? 503 : 400;
        const message = known ? String((error as Error).message) : 'internal error';
        if (!known) logger.error('control operation failed', { operation, error: errorMessage(error) });
        reply(status, { error: { message, code: (error as StoreError).code } });
      }
    });
  }

  async start(): Promise<void> {
    refuseSharedDirectory(this.socketPath);
    sweepProofs(this.walDir);
    await clearSocketPath(this.socketPath);
    await withSocketAddress(
      this.socketPath,
      (address) =>
        new Promise<void>((resolve, reject) => {
          this.server.once('error', reject);
          this.server.listen(address, () => resolve());
        }),
    );
    chmodSync(this.socketPath, 0o600);
  }

  async shutdown(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}

/**
 * A directory every user may write to is shared: anyone could take the socket's name
 * before the collector does, or (without the sticky bit) replace it. Clients refuse what
 * they find there, so the collector refuses to serve there at all.
 */
function refuseSharedDirectory(socketPath: string): void {
  const dir = dirname(socketPath);
  if ((statSync(dir).mode & 0o002) !== 0) {
    throw new Error(
      `the control socket ${socketPath} would be in ${dir}, which every user may write to: set exporters.clickhouse.wal.directory to a path inside a directory of your own`,
    );
  }
}

/**
 * What is at the socket's path before the collector binds it: a socket of another user is
 * not one of this user's collectors (left by someone else, or squatted), so it goes; one of
 * this user's is refused while a collector answers on it (and removed when it is stale).
 */
async function clearSocketPath(socketPath: string): Promise<void> {
  let uid: number;
  try {
    const stat = lstatSync(socketPath);
    if (!stat.isSocket())
      throw new Error(
        `${socketPath} exists and is not a socket: remove it, or set exporters.clickhouse.wal.directory elsewhere`,
      );
    uid = stat.uid;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (uid === process.geteuid?.() && (await answers(socketPath)))
    throw new Error(`another collector is already serving ${socketPath}`);
  try {
    unlinkSync(socketPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'EACCES')
      throw new Error(`${socketPath} is a socket of uid ${uid} that this user may not remove: remove it as root`, {
        cause: error,
      });
    if (code !== 'ENOENT') throw error;
  }
}

function answers(socketPath: string): Promise<boolean> {
  return withSocketAddress(
    socketPath,
    (address) =>
      new Promise<boolean>((resolve) => {
        const socket = connect(address);
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      }),
  );
}
