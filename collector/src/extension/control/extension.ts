import type { ExtensionFactory, Extension, Processor, ServiceHost } from '../../component/component';
import type { Logger } from '../../telemetry/logger';
import { controlHandlers, type ControlledExporter, type KeyHolder, type WaitingRoom } from './handlers';
import { ControlServer } from './server';
import { controlSocketPath } from './socket-path';

/**
 * The control extension, built into every collector: one control socket per exporter that
 * has a store and a write-ahead log, next to that log, through which CLI commands reach
 * the data while the collector holds it (docs/architecture.md, "Trust boundaries"). It finds
 * its exporters, the protect processor feeding each, and their pipelines through the host.
 */
export class ControlExtension implements Extension {
  private readonly servers: { server: ControlServer; close: () => Promise<void> }[] = [];

  constructor(
    private readonly host: ServiceHost,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const pipelines = this.host.pipelines();
    for (const exporter of new Set(pipelines.map((pipeline) => pipeline.exporter))) {
      if (!isControlled(exporter)) continue;
      const feeding = pipelines.filter((pipeline) => pipeline.exporter === exporter);
      const processors = feeding.flatMap((pipeline) => pipeline.processors);
      const protect = processors.find(isKeyHolder);
      const joins = processors.filter(isWaitingRoom);
      const settle = async (): Promise<void> => {
        await Promise.all(feeding.map((pipeline) => pipeline.settle()));
      };
      const { handlers, close } = await controlHandlers(exporter, protect, joins, settle);
      const server = new ControlServer(controlSocketPath(exporter.walDir), handlers, this.logger);
      await server.start();
      this.servers.push({ server, close });
    }
  }

  async shutdown(): Promise<void> {
    for (const { server, close } of this.servers.splice(0)) {
      await server.shutdown();
      await close();
    }
  }
}

function isControlled(exporter: object): exporter is ControlledExporter {
  return 'walDir' in exporter && 'purgeLog' in exporter && 'store' in exporter;
}

function isKeyHolder(processor: Processor): processor is Processor & KeyHolder {
  return 'keyring' in processor && 'fence' in processor;
}

function isWaitingRoom(processor: Processor): processor is Processor & WaitingRoom {
  return 'connect' in processor && 'fence' in processor;
}

export const controlExtensionFactory: ExtensionFactory = {
  type: 'control',
  // Built in, never configured: its section is always empty.
  configSchema: { type: 'object', additionalProperties: false },
  create: (_config, context, host) => new ControlExtension(host, context.logger),
};
