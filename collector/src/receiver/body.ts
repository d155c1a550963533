import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a request body up to `maxBytes` after decompression. The limit is enforced while
 * streaming, so a gzip bomb is stopped once it has produced `maxBytes`, never inflated whole.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  let source: IncomingMessage | Gunzip | Inflate = request;
  if (encoding === 'gzip') source = request.pipe(createGunzip());
  else if (encoding === 'deflate') source = request.pipe(createInflate());
  else if (encoding !== 'identity') return Promise.reject(new BodyError(415, `unsupported Content-Encoding "${encoding.slice(0, 40)}" (use gzip or none)`));
  const declared = Number(request.headers['content-length']);
  if (encoding === 'identity' && Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: BodyError): void => {
      if (settled) return;
      settled = true;
      source.removeAllListeners('data');
      if (source !== request) (source as Gunzip).destroy();
      request.resume();
      reject(error);
    };
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(new BodyError(413, `request body exceeds the limit of ${maxBytes} bytes${encoding === 'identity' ? '' : ' once decompressed'}`));
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
