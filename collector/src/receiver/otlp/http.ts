import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { SecureContextOptions, TLSSocket, TlsOptions } from 'node:tls';
import type { HttpProtocolConfig } from '../../config/types';
import { listen } from '../../component/listen';
import type { Logger } from '../../telemetry/logger';
import type { Credentials } from './auth';
import { BodyError, readBody } from './body';
import { ConnectionGuard } from './connections';
import type { BodyEncoding, ExportHandler, ExportOutcome } from './export-handler';
import {
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeStatusJson,
  encodeStatusProtobuf,
  type Signal,
} from './decode';
import type { TransportLimits } from './transport-limits';

/** The OTLP/HTTP paths (the spec's defaults) and what they export. A Map: paths are client input. */
const PATHS: ReadonlyMap<string, Signal> = new Map([
  ['/v1/traces', 'traces'],
  ['/v1/logs', 'logs'],
]);

const CONTENT_TYPES: Record<string, BodyEncoding> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

/** google.rpc.Code values used in error bodies. */
const RPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** How often Node checks the header and request timeouts (its default, 30 s, would blur them). */
const TIMEOUT_CHECK_MS = 1_000;

/**
 * OTLP/HTTP: POST /v1/traces and /v1/logs with protobuf or JSON bodies (gzip accepted).
 * Responses use the request's encoding: ExportTraceServiceResponse or
 * ExportLogsServiceResponse on success, google.rpc.Status on error.
 * The connection cap, handshake, idle and request timeouts are the gRPC receiver's numbers.
 */
export class HttpReceiver {
  private readonly server: Server;
  private readonly maxBodyBytes: number;
  private readonly guard: ConnectionGuard;
  address = '';

  constructor(
    private readonly config: HttpProtocolConfig,
    tls: (TlsOptions & SecureContextOptions) | undefined,
    private readonly handler: ExportHandler,
    limits: TransportLimits,
    private readonly logger: Logger,
  ) {
    this.maxBodyBytes = config.max_request_body_size;
    this.guard = new ConnectionGuard(limits);
    const options = {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.idleTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    };
    const route = (request: IncomingMessage, response: ServerResponse): void => {
      this.route(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      });
    };
    this.server = tls ? createHttpsServer({ ...options, ...tls }, route) : createServer(options, route);
    // The raw TCP socket, before TLS: a handshake that never ends holds a slot only so long.
    this.server.on('connection', (socket: Socket) => this.guard.accept(socket));
  }

  async start(): Promise<void> {
    this.address = await listen(this.server, this.config.endpoint, 'OTLP/HTTP');
    this.logger.info('OTLP/HTTP receiver listening', {
      endpoint: this.address,
      tls: this.server instanceof HttpsServer,
    });
  }

  /** Stops accepting, lets in-flight requests finish until the deadline, then closes all. */
  shutdown(deadlineMs: number): Promise<void> {
    return new Promise((resolve) => {
      const force = setTimeout(() => this.server.closeAllConnections(), deadlineMs);
      this.server.close(() => {
        clearTimeout(force);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?', 1)[0];
    const signal = PATHS.get(path);
    if (!signal) {
      plain(
        response,
        404,
        `no such endpoint ${path.slice(0, 100)}; OTLP traces go to POST /v1/traces, logs to POST /v1/logs`,
      );
      request.resume();
      return;
    }
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      plain(response, 405, 'use POST');
      request.resume();
      return;
    }
    const mediaType = (request.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
    const encoding = CONTENT_TYPES[mediaType];
    if (!encoding) {
      plain(response, 415, 'Content-Type must be application/x-protobuf or application/json');
      request.resume();
      return;
    }
    const auth = this.handler.authenticate(credentialsOf(request), 'http', signal);
    if ('kind' in auth) {
      request.resume();
      response.setHeader('WWW-Authenticate', 'Bearer');
      reply(response, encoding, 401, { code: RPC.UNAUTHENTICATED, message: auth.message });
      return;
    }
    this.guard.prove(request.socket.remoteAddress, request.socket.remotePort);
    const admission = this.handler.admit();
    try {
      let body: Buffer;
      try {
        body = await readBody(request, this.maxBodyBytes, admission);
      } catch (error) {
        if (!(error instanceof BodyError)) throw error;
        if (error.status === 503) respond(response, encoding, signal, this.handler.busy('http', signal));
        else reply(response, encoding, error.status, { code: RPC.INVALID_ARGUMENT, message: error.message });
        return;
      }
      const outcome = await this.handler.handle(body, encoding, auth.tenantId, 'http', signal);
      respond(response, encoding, signal, outcome);
    } finally {
      admission.release();
    }
  }
}

/** The verified client certificate exists only on TLS sockets that asked for one. */
function credentialsOf(request: IncomingMessage): Credentials {
  const socket = request.socket as TLSSocket;
  const certificate = socket.encrypted && socket.authorized ? socket.getPeerCertificate() : undefined;
  return {
    authorization: request.headers.authorization,
    certificate: certificate && Object.keys(certificate).length > 0 ? certificate : undefined,
  };
}

function respond(response: ServerResponse, encoding: BodyEncoding, signal: Signal, outcome: ExportOutcome): void {
  switch (outcome.kind) {
    case 'accepted': {
      const body =
        encoding === 'json'
          ? encodeExportResponseJson(outcome.rejected, outcome.message, signal)
          : encodeExportResponseProtobuf(outcome.rejected, outcome.message);
      send(response, encoding, 200, body);
      return;
    }
    case 'invalid':
      reply(response, encoding, 400, { code: RPC.INVALID_ARGUMENT, message: outcome.message });
      return;
    case 'unauthenticated':
      response.setHeader('WWW-Authenticate', 'Bearer');
      reply(response, encoding, 401, { code: RPC.UNAUTHENTICATED, message: outcome.message });
      return;
    case 'exhausted':
      response.setHeader('Retry-After', String(outcome.retryAfterSeconds));
      reply(response, encoding, 429, { code: RPC.RESOURCE_EXHAUSTED, message: outcome.message });
      return;
    case 'unavailable':
      response.setHeader('Retry-After', String(outcome.retryAfterSeconds));
      reply(response, encoding, 503, { code: RPC.UNAVAILABLE, message: outcome.message });
      return;
  }
}

function reply(
  response: ServerResponse,
  encoding: BodyEncoding,
  status: number,
  error: { code: number; message: string },
): void {
  send(
    response,
    encoding,
    status,
    encoding === 'json' ? encodeStatusJson(error.code, error.message) : encodeStatusProtobuf(error.code, error.message),
  );
}

function send(response: ServerResponse, encoding: BodyEncoding, status: number, body: string | Uint8Array): void {
  response.writeHead(status, { 'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-protobuf' });
  response.end(body);
}

function plain(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${message}\n`);
}
