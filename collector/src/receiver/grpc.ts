import * as grpc from '@grpc/grpc-js';
import type { GrpcProtocolConfig } from '../config/types';
import { boundAddress } from '../service/listen';
import type { Logger } from '../service/telemetry/logger';
import type { ExportHandler } from './export-handler';
import { encodeExportResponseProtobuf } from './otlp';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

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
  address = '';

  constructor(
    private readonly config: GrpcProtocolConfig,
    private readonly handler: ExportHandler,
    private readonly tenantOf: (metadata: grpc.Metadata) => string,
    private readonly logger: Logger,
  ) {
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': config.max_recv_msg_size_mib * 1024 * 1024,
    });
    this.server.addService(TRACE_SERVICE, { Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => this.export(call, callback) });
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(this.config.endpoint, grpc.ServerCredentials.createInsecure(), (error, port) => {
        if (error) {
          reject(new Error(`cannot listen for OTLP/gRPC on ${this.config.endpoint}: ${error.message}`));
          return;
        }
        this.address = boundAddress(this.config.endpoint, port);
        this.logger.info('OTLP/gRPC receiver listening', { endpoint: this.address });
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
    this.handler.handle(call.request, 'protobuf', this.tenantOf(call.metadata), 'grpc').then(
      (outcome) => {
        switch (outcome.kind) {
          case 'accepted':
            callback(null, Buffer.from(encodeExportResponseProtobuf(outcome.rejected, outcome.message)));
            return;
          case 'invalid':
            callback({ code: grpc.status.INVALID_ARGUMENT, details: outcome.message });
            return;
          case 'exhausted':
            callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: outcome.message });
            return;
          case 'unavailable':
            callback({ code: grpc.status.UNAVAILABLE, details: outcome.message });
            return;
        }
      },
      () => callback({ code: grpc.status.INTERNAL, details: 'internal error' }),
    );
  }
}
