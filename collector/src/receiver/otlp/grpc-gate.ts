import * as grpc from '@grpc/grpc-js';
import { constants, type ServerHttp2Stream } from 'node:http2';
import type { Credentials } from './auth';
import type { ConnectionGuard } from './connections';
import type { Admission, ExportHandler } from './export-handler';
import type { Signal } from './decode';
import { statusOf } from './grpc-status';

/** What the gate let through: the request's tenant and its share of the in-flight budget. */
export interface Grant {
  tenantId: string;
  admission: Admission;
}

export interface GateOptions {
  handler: ExportHandler;
  guard: ConnectionGuard;
  /** The largest message grpc-js will buffer: reserved whole when the bytes cannot be counted as they arrive. */
  maxMessageBytes: number;
  requestTimeoutMs: number;
  /** What a call's method exports, for the requests it refuses. */
  signalOf(path: string): Signal;
}

/**
 * Grants by the metadata object the handler receives: the gate's own object, so a client
 * cannot forge one with a header.
 */
const grants = new WeakMap<grpc.Metadata, Grant>();

export function grantOf(metadata: grpc.Metadata): Grant | undefined {
  return grants.get(metadata);
}

/**
 * A server interceptor that decides on a call from its metadata, before grpc-js reads any
 * of the message: grpc-js only reads it once the handler asks, which happens after the
 * metadata has passed here. So an unauthenticated call is answered UNAUTHENTICATED with
 * its message never buffered, and the client is told to stop sending it.
 *
 * An authenticated call then takes its bytes from the in-flight budget shared with HTTP
 * as they arrive, like an HTTP body: each HTTP/2 DATA chunk is claimed when grpc-js has
 * taken it, and once the budget is spent the call is answered UNAVAILABLE with a retry
 * delay and its upload stopped, so what grpc-js holds is the budget plus at most one
 * chunk per call. A gzip message is charged again for what it inflates to. The claim
 * lasts until the call's status is sent or the call is cancelled, and a message that
 * does not arrive within the request timeout ends the call.
 */
export function grpcGate(options: GateOptions): grpc.ServerInterceptor {
  const { handler, guard, maxMessageBytes, requestTimeoutMs, signalOf } = options;
  return (method, call) => {
    const signal = signalOf(method.path);
    const stream = streamOf(call);
    let admission: Admission | undefined;
    let timer: NodeJS.Timeout | undefined;
    let received = 0;
    let ended = false;
    const finish = (): void => {
      ended = true;
      clearTimeout(timer);
      admission?.release();
    };
    const refuse = (status: grpc.StatusObject): void => {
      gated.sendStatus(status);
      if (stream) stopUpload(stream);
    };
    const busy = (): void => refuse(statusOf(handler.busy('grpc', signal)));
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const auth = handler.authenticate(credentialsOf(metadata, call), 'grpc', signal);
        if ('kind' in auth) {
          refuse(statusOf(auth));
          return;
        }
        const { remoteAddress, remotePort } = call.getConnectionInfo();
        guard.prove(remoteAddress, remotePort);
        const claims = handler.admit();
        admission = claims;
        if (stream) {
          stream.on('data', (chunk: Buffer) => {
            if (ended) return;
            received += chunk.length;
            if (!claims.claim(chunk.length)) busy();
          });
        } else if (!claims.claim(maxMessageBytes)) {
          busy();
          return;
        }
        timer = setTimeout(
          () =>
            refuse({
              code: grpc.status.DEADLINE_EXCEEDED,
              details: `the request message did not arrive within ${requestTimeoutMs} ms`,
              metadata: new grpc.Metadata(),
            }),
          requestTimeoutMs,
        );
        timer.unref();
        grants.set(metadata, { tenantId: auth.tenantId, admission: claims });
        next(metadata);
      })
      .withOnReceiveMessage((message: Buffer, next) => {
        clearTimeout(timer);
        if (ended) return;
        // Inflated bytes beyond what arrived on the wire (identity messages add nothing).
        if (stream && !admission?.claim(Math.max(0, message.length + 5 - received))) {
          busy();
          return;
        }
        next(message);
      })
      .withOnCancel(finish)
      .build();
    const responder = new grpc.ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((status, next) => {
        finish();
        next(status);
      })
      .build();
    const gated = new grpc.ServerInterceptingCall(call, responder);
    return gated;
  };
}

/** Ticks to wait for a refusal's status to be written before the upload is stopped anyway. */
const STATUS_TICKS = 100;

/**
 * Stops a refused upload with RST_STREAM(NO_ERROR), after the response: grpc-js holds a
 * status sent while it is still processing the call's metadata or message and writes it
 * a tick later, and a reset that overtook it would leave the client with no status at all
 * ("Call ended without gRPC status") instead of the refusal.
 */
function stopUpload(stream: ServerHttp2Stream, ticks = STATUS_TICKS): void {
  if (stream.closed) return;
  if (stream.headersSent || ticks === 0) {
    setImmediate(() => {
      if (!stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
    });
    return;
  }
  setImmediate(() => stopUpload(stream, ticks - 1));
}

function credentialsOf(metadata: grpc.Metadata, call: grpc.ServerInterceptingCallInterface): Credentials {
  const authorization = metadata.get('authorization')[0];
  const certificate = call.getAuthContext().sslPeerCertificate;
  return {
    authorization: typeof authorization === 'string' ? authorization : undefined,
    certificate: certificate ?? undefined,
  };
}

/**
 * The call's HTTP/2 stream, which grpc-js keeps to itself: the base call's `stream`, ours
 * because this interceptor is the first. Through it the gate counts bytes as they arrive
 * and stops a refused upload with RST_STREAM(NO_ERROR) after the response (RFC 9113
 * §8.1); grpc-js would read and discard the rest instead. Should a grpc-js release move
 * it, the gate still holds: it then reserves the largest message before reading one.
 */
function streamOf(call: grpc.ServerInterceptingCallInterface): ServerHttp2Stream | undefined {
  const stream = (call as unknown as { stream?: Partial<ServerHttp2Stream> }).stream;
  return typeof stream?.close === 'function' && typeof stream.on === 'function'
    ? (stream as ServerHttp2Stream)
    : undefined;
}
