import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { StoreError } from '../../store/client';
import { ControlRefusedError, ControlUnavailableError } from './errors';
import { proveCollector } from './handshake';
import { withSocketAddress } from './socket-path';
import { checkSocketFile } from './trust';

export { ControlUnavailableError } from './errors';

/**
 * Calls an operation on a running collector's control socket. The collector is verified
 * first (trust.ts, then the proof in handshake.ts) and nothing of the request (a `hash`
 * carries plaintext) is written before. ControlUnavailableError: nobody listens, the
 * command may open the store itself; ControlRefusedError: something that is not provably
 * the collector is there, the command must stop. Errors the collector reports come back
 * as StoreError (with the ClickHouse code when there is one).
 */
export async function callControl<T>(socketPath: string, operation: string, body: Record<string, unknown>): Promise<T> {
  const peer = checkSocketFile(socketPath);
  const socket = await connectTo(socketPath);
  try {
    await proveCollector(socket, peer.walDir, peer.uid);
  } catch (error) {
    socket.destroy();
    throw new ControlRefusedError(socketPath, (error as Error).message);
  }
  return send<T>(socket, operation, body);
}

function connectTo(socketPath: string): Promise<Socket> {
  return withSocketAddress(
    socketPath,
    (address) =>
      new Promise((resolve, reject) => {
        const socket = connect(address);
        const failed = (error: NodeJS.ErrnoException): void => {
          const gone = error.code === 'ENOENT' || error.code === 'ECONNREFUSED';
          reject(gone ? new ControlUnavailableError('no collector is running for this store') : error);
        };
        socket.once('error', failed);
        socket.once('connect', () => {
          socket.off('error', failed);
          resolve(socket);
        });
      }),
  );
}

/** One HTTP request on the verified connection. */
function send<T>(socket: Socket, operation: string, body: Record<string, unknown>): Promise<T> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        createConnection: () => socket,
        path: `/${operation}`,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          let parsed: { result?: T; error?: { message: string; code?: number } };
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(new Error('the collector sent an unreadable answer'));
            return;
          }
          if (parsed.error) reject(new StoreError(parsed.error.message, parsed.error.code));
          else resolve(parsed.result as T);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
