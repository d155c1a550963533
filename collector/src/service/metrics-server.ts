import { createServer, type Server } from 'node:http';
import { listen } from '../component/listen';
import type { MetricsRegistry } from '../telemetry/metrics';

/** Serves the registry in the Prometheus text format at GET /metrics. */
export class MetricsServer {
  private readonly server: Server;

  constructor(
    private readonly endpoint: string,
    registry: MetricsRegistry,
  ) {
    this.server = createServer((request, response) => {
      if (request.method !== 'GET' || (request.url ?? '').split('?', 1)[0] !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(registry.render());
    });
  }

  start(): Promise<string> {
    return listen(this.server, this.endpoint, 'metrics');
  }

  shutdown(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
