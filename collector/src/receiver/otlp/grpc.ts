import * as grpc from '@grpc/grpc-js';
import { createServer, type Server } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { GrpcProtocolConfig } from '../../config/types';
import { listen } from '../../component/listen';
import type { Logger } from '../../telemetry/logger';
import { ConnectionGuard } from './connections';
import type { ExportHandler } from './export-handler';
import { grantOf, grpcGate } from './grpc-gate';
import { statusOf } from './grpc-status';
import { encodeExportResponseProtobuf, type Signal } from './decode';
import type { TransportLimits } from './transport-limits';

/** The Export method of each signal's service (opentelemetry-proto collector/{trace,logs}/v1). */
const EXPORT_PATHS: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

/** A call's signal by its method; grpc-js answers UNIMPLEMENTED to other paths before any interceptor. */
const signalOf = (path: string): Signal => (path === EXPORT_PATHS.logs ? 'logs' : 'traces');

/** How long a keepalive PING may go unanswered before the connection is closed (gRPC's default). */
const KEEPALIVE_TIMEOUT_MS = 20_000;

/**
 * TLS server credentials with our options (minimum version, client certificate checks):
 * grpc-js's createSsl does not take a minimum TLS version, so the options are given to
 * the base class, which passes them to http2.createSecureServer.
 */
class TlsServerCredentials extends grpc.ServerCredentials {
  constructor(options: TlsOptions & SecureContextOptions) {
    const { cert, key, ca, ...server } = options;
    super(server, { cert, key, ca });
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

/** Raw bytes in and out: the hand-written decoder reads the request, no proto loading. */
const passThrough = (buffer: Buffer): Buffer => buffer;

/** TraceService or LogsService: one unary Export, bytes in and out. */
function exportService(signal: Signal): grpc.ServiceDefinition {
  return {
    Export: {
      path: EXPORT_PATHS[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: passThrough,
      requestDeserialize: passThrough,
      responseSerialize: passThrough,
      responseDeserialize: passThrough,
    },
  };
}

/**
 * OTLP/gRPC: `TraceService/Export` and `LogsService/Export` on one @grpc/grpc-js server,
 * behind one gate. grpc-js decompresses gzip requests itself and enforces
 * max_receive_message_length on the message, compressed and decompressed. The TCP
 * listener is ours and hands connections to grpc-js, so the connection cap and the
 * handshake timeout apply before grpc-js sees a byte; grpc-js closes idle connections
 * (GOAWAY) and probes live ones with PINGs; the gate decides on each call from its
 * metadata before its message is read.
 */
export class GrpcReceiver {
  private readonly server: grpc.Server;
  private readonly listener: Server;
  private readonly guard: ConnectionGuard;
  private readonly secure: boolean;
  address = '';

  constructor(
    private readonly config: GrpcProtocolConfig,
    tls: (TlsOptions & SecureContextOptions) | undefined,
    private readonly handler: ExportHandler,
    limits: TransportLimits,
    private readonly logger: Logger,
  ) {
    const maxMessageBytes = config.max_recv_msg_size_mib * 1024 * 1024;
    this.guard = new ConnectionGuard(limits);
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': maxMessageBytes,
      'grpc.max_connection_idle_ms': limits.idleTimeoutMs,
      'grpc.keepalive_time_ms': limits.keepaliveMs,
      'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
      interceptors: [
        grpcGate({ handler, guard: this.guard, maxMessageBytes, requestTimeoutMs: limits.requestTimeoutMs, signalOf }),
      ],
    });
    for (const signal of Object.keys(EXPORT_PATHS) as Signal[]) {
      this.server.addService(exportService(signal), {
        Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
          this.export(signal, call, callback),
      });
    }
    const credentials = tls ? new TlsServerCredentials(tls) : grpc.ServerCredentials.createInsecure();
    this.secure = credentials._isSecure();
    const injector = this.server.createConnectionInjector(credentials);
    this.listener = createServer((socket) => {
      this.guard.accept(socket);
      if (!socket.destroyed) injector.injectConnection(socket);
    });
  }

  async start(): Promise<void> {
    this.address = await listen(this.listener, this.config.endpoint, 'OTLP/gRPC');
    this.logger.info('OTLP/gRPC receiver listening', { endpoint: this.address, tls: this.secure });
  }

  /** Stops accepting; waits for in-flight calls until the deadline, then cuts them off. */
  shutdown(deadlineMs: number): Promise<void> {
    this.listener.close();
    return new Promise((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        this.guard.closeAll();
        resolve();
      }, deadlineMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        this.guard.closeAll();
        resolve();
      });
    });
  }

  private export(
    signal: Signal,
    call: grpc.ServerUnaryCall<Buffer, Buffer>,
    callback: grpc.sendUnaryData<Buffer>,
  ): void {
    // The gate authenticated the call and holds its budget; no grant means a bug, never a pass.
    const grant = grantOf(call.metadata);
    if (!grant) {
      callback({ code: grpc.status.INTERNAL, details: 'internal error' });
      return;
    }
    this.handler.handle(call.request, 'protobuf', grant.tenantId, 'grpc', signal).then(
      (outcome) => {
        if (outcome.kind === 'accepted')
          callback(null, Buffer.from(encodeExportResponseProtobuf(outcome.rejected, outcome.message)));
        else callback(statusOf(outcome));
      },
      () => callback({ code: grpc.status.INTERNAL, details: 'internal error' }),
    );
  }
}
