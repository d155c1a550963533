import type { Socket } from 'node:net';
import { isNonce, newNonce, removeProof, takeProof, writeProof } from './proof';
import { AuditError } from '../../model/errors';

/**
 * Who is at the other end of a control connection, proved both ways before any request
 * (proof.ts says what a proof is):
 *
 *   collector → caller   ai-audit-control/1 <collector nonce>
 *   caller               proves <collector nonce> in the write-ahead log directory
 *   caller → collector   <caller nonce>
 *   collector            takes the caller's proof: the caller's user id (it must be the
 *                        collector's own user or root), then proves <caller nonce>
 *   collector → caller   ok                   (or: refused <why>, and the connection ends)
 *   caller               takes the collector's proof: it must be the expected user
 *   caller → collector   the HTTP request
 *
 * The caller proves itself first, so the collector never writes a proof for a stranger
 * (one that connected while the socket was being created, before its chmod to 0600). The
 * caller sends nothing but a random nonce before the collector's proof is checked.
 */
const GREETING = 'ai-audit-control/1';
const TIMEOUT_MS = 10_000;
const MAX_LINE_BYTES = 200;

/** The peer did not complete the handshake: the connection must not be used. */
class HandshakeError extends AuditError {}

/** The caller's half. Resolves once the collector proved it runs as `uid`; the request may then be written. */
export async function proveCollector(socket: Socket, walDir: string, uid: number): Promise<void> {
  const [greeting, collectorNonce, ...rest] = (await readLine(socket, 'greeting')).split(' ');
  if (greeting !== GREETING || !isNonce(collectorNonce ?? '') || rest.length > 0)
    throw new HandshakeError('what answers there does not speak the control protocol');
  const callerNonce = newNonce();
  writeProof(walDir, collectorNonce);
  try {
    socket.write(`${callerNonce}\n`);
    const answer = await readLine(socket, 'answer');
    if (answer.startsWith('refused '))
      throw new HandshakeError(`the collector refused this caller: ${answer.slice('refused '.length)}`);
    if (answer !== 'ok') throw new HandshakeError('what answers there does not speak the control protocol');
    const proved = takeProof(walDir, callerNonce);
    if (proved === undefined)
      throw new HandshakeError(`the process behind it did not prove that it runs as uid ${uid}`);
    if (proved !== uid) throw new HandshakeError(`the process behind it runs as uid ${proved}, expected ${uid}`);
  } finally {
    removeProof(walDir, collectorNonce);
  }
}

/**
 * The collector's half: once the caller proved its user id, `serve` takes the connection
 * with it, before the caller is told to go on (so nothing it sends next is missed).
 */
export async function proveCaller(
  socket: Socket,
  walDir: string,
  allowed: (uid: number) => boolean,
  serve: (uid: number) => void,
): Promise<void> {
  const collectorNonce = newNonce();
  socket.write(`${GREETING} ${collectorNonce}\n`);
  const callerNonce = await readLine(socket, "caller's nonce").catch((error: Error) => {
    removeProof(walDir, collectorNonce);
    throw error;
  });
  const uid = takeProof(walDir, collectorNonce);
  if (uid === undefined) throw refuse(socket, "no proof of the caller's user");
  if (!allowed(uid)) throw refuse(socket, `uid ${uid} may not use this collector`);
  if (!isNonce(callerNonce)) throw refuse(socket, 'that is not a nonce');
  writeProof(walDir, callerNonce);
  socket.once('close', () => removeProof(walDir, callerNonce));
  serve(uid);
  socket.write('ok\n');
}

function refuse(socket: Socket, reason: string): HandshakeError {
  socket.end(`refused ${reason}\n`);
  return new HandshakeError(reason);
}

/**
 * One line of the handshake. The peer must wait for the answer before it sends more, so
 * bytes after the line are a protocol error, and nothing is left unread when the
 * connection is handed on (the stream stays flowing: an explicit pause would stall HTTP).
 */
function readLine(socket: Socket, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const finish = (error: Error | undefined, line = ''): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onClose);
      socket.off('close', onClose);
      socket.off('error', finish);
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1');
      const end = buffer.indexOf('\n');
      if (end === -1 && buffer.length <= MAX_LINE_BYTES) return;
      if (end === -1 || end !== buffer.length - 1)
        finish(new HandshakeError(`what answers there does not speak the control protocol (after its ${what})`));
      else finish(undefined, buffer.slice(0, end));
    };
    const onClose = (): void => finish(new HandshakeError(`the connection ended before the ${what}`));
    const timer = setTimeout(() => finish(new HandshakeError(`no ${what} within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    socket.on('data', onData);
    socket.once('end', onClose);
    socket.once('close', onClose);
    socket.once('error', finish);
  });
}
