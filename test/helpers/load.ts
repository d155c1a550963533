import { createServer } from 'node:net';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { exportSpans, makeSpans } from './otel';

/** A free loopback port (for a collector that must come back on the same address). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Sustained export load through official OTel exporters, remembering exactly which spans
 * were acknowledged (the exporter reported success), which is what "nothing acknowledged
 * is lost" is about. Spans whose export failed may or may not be stored.
 */
export class LoadSender {
  readonly acked = new Set<string>();
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private stopped?: Promise<void>;

  constructor(
    private readonly exporters: SpanExporter[],
    private readonly spansPerExport = 20,
  ) {
    exporters.forEach((exporter, i) => this.loops.push(this.loop(exporter, i)));
  }

  /** Stops sending and shuts the exporters down; safe to call again (e.g. from a `finally`). */
  stop(): Promise<void> {
    this.running = false;
    this.stopped ??= Promise.all(this.loops)
      .then(() => Promise.all(this.exporters.map((exporter) => exporter.shutdown())))
      .then(() => undefined);
    return this.stopped;
  }

  private async loop(exporter: SpanExporter, index: number): Promise<void> {
    let round = 0;
    while (this.running) {
      round++;
      const spans = makeSpans(
        Array.from({ length: this.spansPerExport }, (_, i) => ({
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'user.id': `load-${index}-${round}-${i}`,
          },
        })),
      );
      try {
        await exportSpans(exporter, spans);
        for (const span of spans) this.acked.add(span.spanContext().spanId);
      } catch {
        // Not acknowledged: these spans may or may not be stored, and are not counted.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}
