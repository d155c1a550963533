import * as grpc from '@grpc/grpc-js';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { GrpcProtocolConfig } from '../config/types';
import { boundAddress } from '../service/listen';
import type { Logger } from '../service/telemetry/logger';
import type { Credentials } from './auth';
import type { ExportHandler } from './export-handler';
import { encodeExportResponseProtobuf, encodeStatusProtobuf } from './otlp';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

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

function credentialsOf(call: grpc.ServerUnaryCall<Buffer, Buffer>): Credentials {
  const authorization = call.metadata.get('authorization')[0];
  const certificate = call.getAuthContext().sslPeerCertificate;
  return { authorization: typeof authorization === 'string' ? authorization : undefined, certificate: certificate ?? undefined };
}

/** A status with google.rpc.RetryInfo, which tells OTLP exporters to retry and when. */
function retryable(code: grpc.status, details: string, retryAfterSeconds: number): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(encodeStatusProtobuf(code, details, retryAfterSeconds)));
  return { code, details, metadata };
}

/** Raw bytes in and out: the hand-written decoder reads the request, no proto loading. */
const passThrough = (buffer: Buffer): Buffer => buffer;

const TRACE_SERVICE: grpc.ServiceDefinition = {
  Export: {
    path: EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};

/**
 * OTLP/gRPC: `TraceService/Export` on @grpc/grpc-js. grpc-js decompresses gzip requests
 * itself and enforces max_receive_message_length on the decompressed message.
 */
export class GrpcReceiver {
  private readonly server: grpc.Server;
  private readonly credentials: grpc.ServerCredentials;
  address = '';

  constructor(
    private readonly config: GrpcProtocolConfig,
    tls: (TlsOptions & SecureContextOptions) | undefined,
    private readonly handler: ExportHandler,
    private readonly logger: Logger,
  ) {
    this.credentials = tls ? new TlsServerCredentials(tls) : grpc.ServerCredentials.createInsecure();
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': config.max_recv_msg_size_mib * 1024 * 1024,
    });
    this.server.addService(TRACE_SERVICE, { Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => this.export(call, callback) });
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(this.config.endpoint, this.credentials, (error, port) => {
        if (error) {
          reject(new Error(`cannot listen for OTLP/gRPC on ${this.config.endpoint}: ${error.message}`));
          return;
        }
        this.address = boundAddress(this.config.endpoint, port);
        this.logger.info('OTLP/gRPC receiver listening', { endpoint: this.address, tls: this.credentials._isSecure() });
        resolve();
      });
    });
  }

  /** Stops accepting; waits for in-flight calls until the deadline, then cuts them off. */
  shutdown(deadlineMs: number): Promise<void> {
    return new Promise((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, deadlineMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private export(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void {
    const auth = this.handler.authenticate(credentialsOf(call), 'grpc');
    if ('kind' in auth) {
      callback({ code: grpc.status.UNAUTHENTICATED, details: auth.message });
      return;
    }
    // grpc-js has read (and inflated) the message already: claim what it holds in memory.
    const admission = this.handler.admit();
    const handled = admission.claim(call.request.length) ? this.handler.handle(call.request, 'protobuf', auth.tenantId, 'grpc') : Promise.resolve(this.handler.busy('grpc'));
    handled.finally(() => admission.release()).then(
      (outcome) => {
        switch (outcome.kind) {
          case 'accepted':
            callback(null, Buffer.from(encodeExportResponseProtobuf(outcome.rejected, outcome.message)));
            return;
          case 'invalid':
            callback({ code: grpc.status.INVALID_ARGUMENT, details: outcome.message });
            return;
          case 'unauthenticated':
            callback({ code: grpc.status.UNAUTHENTICATED, details: outcome.message });
            return;
          case 'exhausted':
            callback(retryable(grpc.status.RESOURCE_EXHAUSTED, outcome.message, outcome.retryAfterSeconds));
            return;
          case 'unavailable':
            callback(retryable(grpc.status.UNAVAILABLE, outcome.message, outcome.retryAfterSeconds));
            return;
        }
      },
      () => callback({ code: grpc.status.INTERNAL, details: 'internal error' }),
    );
  }
}
