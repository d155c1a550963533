import type { OtlpReceiverConfig, TlsConfig } from '../../config/types';
import type { BuildContext, Receiver, ReceiverFactory, ExportConsumer } from '../../component/component';
import { Authenticator } from './auth';
import { ExportHandler } from './export-handler';
import { GrpcReceiver } from './grpc';
import { HttpReceiver } from './http';
import { RateLimiter } from './rate-limit';
import { checkTransport, tlsServerOptions } from './tls';
import { transportLimits } from './transport-limits';
import configSchema from './config.schema.json';

/** The otlp receiver: OTLP traces and logs over gRPC and/or HTTP, all feeding one export handler. */
export class OtlpReceiver implements Receiver {
  readonly grpc: GrpcReceiver | undefined;
  readonly http: HttpReceiver | undefined;
  private readonly handler: ExportHandler;

  constructor(config: OtlpReceiverConfig, context: BuildContext, consumer: ExportConsumer) {
    const logger = context.logger.child({ receiver: context.id });
    const { grpc, http } = config.protocols;
    if (grpc) checkTransport(grpc, `receivers.${context.id}.protocols.grpc`, logger);
    if (http) checkTransport(http, `receivers.${context.id}.protocols.http`, logger);
    const rateLimiter = config.rate_limit
      ? new RateLimiter(config.rate_limit.spans_per_second, config.rate_limit.burst)
      : undefined;
    this.handler = new ExportHandler(
      consumer,
      config.limits,
      new Authenticator(config.auth),
      rateLimiter,
      context.metrics,
      logger,
    );
    const tls = (listener: { tls?: TlsConfig }, protocol: string) =>
      listener.tls
        ? tlsServerOptions(listener.tls, context.loaded, `receivers.${context.id}.protocols.${protocol}`)
        : undefined;
    const limits = transportLimits(config.limits);
    this.grpc = grpc ? new GrpcReceiver(grpc, tls(grpc, 'grpc'), this.handler, limits, logger) : undefined;
    this.http = http ? new HttpReceiver(http, tls(http, 'http'), this.handler, limits, logger) : undefined;
  }

  endpoints(): string[] {
    return [
      ...(this.grpc ? [`OTLP/gRPC ${this.grpc.address}`] : []),
      ...(this.http
        ? [`OTLP/HTTP http://${this.http.address}/v1/traces`, `OTLP/HTTP http://${this.http.address}/v1/logs`]
        : []),
    ];
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
  configSchema,
  create: (config, context, consumer) => new OtlpReceiver(config as OtlpReceiverConfig, context, consumer),
};
