import type { OtlpReceiverConfig } from '../config/types';
import type { BuildContext, Receiver, ReceiverFactory, TracesConsumer } from '../service/component';
import { ExportHandler } from './export-handler';
import { GrpcReceiver } from './grpc';
import { HttpReceiver } from './http';

/** Without authentication configured, every request belongs to this tenant. */
export const DEFAULT_TENANT = 'default';

/** The otlp receiver: OTLP over gRPC and/or HTTP, both feeding one export handler. */
export class OtlpReceiver implements Receiver {
  readonly grpc: GrpcReceiver | undefined;
  readonly http: HttpReceiver | undefined;
  private readonly handler: ExportHandler;

  constructor(config: OtlpReceiverConfig, context: BuildContext, consumer: TracesConsumer) {
    const logger = context.logger.child({ receiver: context.id });
    this.handler = new ExportHandler(consumer, config.limits, context.metrics, logger);
    const tenantOf = (): string => DEFAULT_TENANT;
    const { grpc, http } = config.protocols;
    this.grpc = grpc ? new GrpcReceiver(grpc, this.handler, tenantOf, logger) : undefined;
    this.http = http ? new HttpReceiver(http, this.handler, tenantOf, logger) : undefined;
  }

  async start(): Promise<void> {
    await this.grpc?.start();
    await this.http?.start();
  }

  async shutdown(deadlineMs: number): Promise<void> {
    this.handler.close();
    await Promise.all([this.grpc?.shutdown(deadlineMs), this.http?.shutdown(deadlineMs)]);
  }
}

export const otlpReceiverFactory: ReceiverFactory = {
  type: 'otlp',
  create: (config, context, consumer) => new OtlpReceiver(config as OtlpReceiverConfig, context, consumer),
};
