import { createServer, type Server } from 'node:http';
import { listen } from '../component/listen';
import type { MetricsRegistry } from '../telemetry/metrics';

/** Serves the registry in the Prometheus text format at GET /metrics, through its exporter's own handler. */
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
      registry.exporter.getMetricsRequestHandler(request, response);
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
