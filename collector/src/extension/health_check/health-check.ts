import { createServer, type Server } from 'node:http';
import type { HealthCheckExtensionConfig } from '../../config/types';
import type { BuildContext, Extension, ExtensionFactory, ServiceHost } from '../../component/component';
import { listen } from '../../component/listen';
import configSchema from './config.schema.json';

/**
 * The health_check extension: GET <path> answers 200 while the collector can take exports
 * and 503 while it cannot (store unreachable and the WAL filling, or shutting down);
 * GET <path>/live answers 200 as long as the process serves HTTP at all.
 */
export class HealthCheckExtension implements Extension {
  private readonly server: Server;
  address = '';

  constructor(
    private readonly config: HealthCheckExtensionConfig,
    private readonly context: BuildContext,
    host: ServiceHost,
  ) {
    this.server = createServer((request, response) => {
      const path = (request.url ?? '').split('?', 1)[0];
      const live = path === `${config.path}/live`;
      if (request.method !== 'GET' || (path !== config.path && !live)) {
        response.writeHead(404).end();
        return;
      }
      const ok = live || host.ready();
      response.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify(live ? { status: 'ok' } : { status: ok ? 'ok' : 'unavailable', exporters: host.health() }),
      );
    });
  }

  async start(): Promise<void> {
    this.address = await listen(this.server, this.config.endpoint, 'health checks');
    this.context.logger.info('health check listening', { endpoint: this.address, path: this.config.path });
  }

  shutdown(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

export const healthCheckExtensionFactory: ExtensionFactory = {
  type: 'health_check',
  configSchema,
  create: (config, context, host) => new HealthCheckExtension(config as HealthCheckExtensionConfig, context, host),
};
