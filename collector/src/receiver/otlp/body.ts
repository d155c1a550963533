import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import type { Admission } from './export-handler';
import { AuditError } from '../../model/errors';

export class BodyError extends AuditError {
  constructor(
    readonly status: 400 | 413 | 415 | 503,
    message: string,
  ) {
    super(message, { kind: status === 503 ? 'retryable' : 'invalid' });
  }
}

/**
 * Reads a request body up to `maxBytes` after decompression, claiming each chunk from the
 * in-flight budget. Both are enforced while streaming, so a gzip bomb is stopped once it
 * has produced `maxBytes`, never inflated whole.
 */
export function readBody(request: IncomingMessage, maxBytes: number, admission: Admission): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  let decompressor: Gunzip | Inflate | undefined;
  if (encoding === 'gzip') decompressor = request.pipe(createGunzip());
  else if (encoding === 'deflate') decompressor = request.pipe(createInflate());
  else if (encoding !== 'identity')
    return Promise.reject(
      new BodyError(415, `unsupported Content-Encoding "${encoding.slice(0, 40)}" (use gzip or none)`),
    );
  const declared = Number(request.headers['content-length']);
  if (encoding === 'identity' && Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(
      new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`),
    );
  }
  const source: IncomingMessage | Gunzip | Inflate = decompressor ?? request;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: BodyError): void => {
      if (settled) return;
      settled = true;
      source.removeAllListeners('data');
      if (decompressor) {
        // Unpipe first: a request still piped into a destroyed decompressor stays paused,
        // never finishes, and its keep-alive connection hangs for the next request.
        request.unpipe(decompressor);
        decompressor.destroy();
      }
      // Read the rest and throw it away, so the connection can carry the next request.
      request.resume();
      reject(error);
    };
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(
          new BodyError(
            413,
            `request body exceeds the limit of ${maxBytes} bytes${encoding === 'identity' ? '' : ' once decompressed'}`,
          ),
        );
        return;
      }
      if (!admission.claim(chunk.length)) {
        fail(new BodyError(503, 'the collector is busy with other large requests; retry shortly'));
        return;
      }
      chunks.push(chunk);
    });
    source.on('error', () => fail(new BodyError(400, `request body is not valid ${encoding} data`)));
    request.on('error', () => fail(new BodyError(400, 'request body could not be read')));
    source.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    });
  });
}
