import { request } from 'node:http';
import { StoreError } from '../store/client';

/** The collector is not running (no one listens on its control socket). */
export class ControlUnavailableError extends Error {}

/**
 * Calls an operation on a running collector's control socket. Errors the collector
 * reports come back as StoreError (with the ClickHouse code when there is one).
 */
export function callControl<T>(socketPath: string, operation: string, body: Record<string, unknown>): Promise<T> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path: `/${operation}`, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } },
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
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') reject(new ControlUnavailableError('no collector is running for this store'));
      else reject(error);
    });
    req.end(payload);
  });
}
