import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { StoreError } from '../store/client';

/** An operation other processes may ask a running collector to perform. */
export type ControlHandler = (request: Record<string, unknown>) => Promise<unknown>;

/** A refusal the caller caused (bad arguments): reported as a 400 with this message. */
export class ControlRequestError extends Error {}

/**
 * The collector's control socket: HTTP over a Unix socket next to the embedded store, so
 * CLI commands reach the data while the collector holds the engine (one process per data
 * path). Mode 0600: only the collector's own user may connect. `POST /<operation>` with a
 * JSON body; the answer is JSON (`{ result }` or `{ error: { message, code } }`).
 */
export class ControlServer {
  private readonly server: Server;

  constructor(
    readonly socketPath: string,
    handlers: Record<string, ControlHandler>,
  ) {
    this.server = createServer(async (request, response) => {
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
        reply(200, { result: await handler(body) });
      } catch (error) {
        const status = error instanceof StoreError || error instanceof ControlRequestError || error instanceof SyntaxError ? 400 : 500;
        const message = status === 500 ? 'internal error' : String((error as Error).message);
        reply(status, { error: { message, code: (error as StoreError).code } });
      }
    });
  }

  async start(): Promise<void> {
    await removeStaleSocket(this.socketPath);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => resolve());
    });
    chmodSync(this.socketPath, 0o600);
  }

  async shutdown(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** A socket file left by a collector that was killed: nobody answers on it, so remove it. */
async function removeStaleSocket(path: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another collector is already serving ${path}`);
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
