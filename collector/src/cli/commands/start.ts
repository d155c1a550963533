import { parseDuration } from '../../config/units';
import { components } from '../../components';
import { Service } from '../../service/service';
import { createLogger } from '../../telemetry/logger';
import { UsageError, type Command } from '../command';
import { loadCommandConfig } from '../config';

export const startCommand: Command = {
  name: 'start',
  summary: 'Run the collector: receive OTLP, seal and store audit records.',
  description:
    'Runs until SIGINT or SIGTERM, then stops accepting, drains in-flight exports and flushes pending records to the store within the shutdown timeout (what is left stays in the write-ahead log for the next start).',
  options: {
    'shutdown-timeout': {
      type: 'string',
      value: '<duration>',
      description: 'how long shutdown may take',
      default: '30s',
    },
  },
  positionals: [],
  examples: ['ai-audit start --config otel-config.yaml'],
  async run(args, context) {
    const shutdownMs = parseDuration(args.options['shutdown-timeout'] as string);
    if (shutdownMs === null)
      throw new UsageError(`--shutdown-timeout "${args.options['shutdown-timeout']}" is not a duration`);
    const loaded = loadCommandConfig(args, context);
    const { logs } = loaded.config.service.telemetry;
    const logger = createLogger({
      level: logs.level,
      encoding: logs.encoding,
      write: (line) => context.stderr.write(line),
    });
    const service = new Service(loaded, logger, components);
    try {
      await service.start();
    } catch (error) {
      await service.shutdown(0).catch(() => undefined);
      throw error;
    }
    announce(service, logger);
    await waitForSignal(logger);
    await service.shutdown(shutdownMs);
    logger.info('collector stopped');
    return 0;
  },
};

/** One line a person can act on: where to send spans, where records go. */
function announce(service: Service, logger: ReturnType<typeof createLogger>): void {
  const listening = service.receiverList().flatMap((receiver) => receiver.endpoints?.() ?? []);
  const stores = service.exporterList().flatMap((exporter) => exporter.destination?.() ?? []);
  logger.info(`ai-audit collector ready: ${listening.join(', ')} -> ${stores.join('; ')}`, {
    config: service.loaded.file,
  });
}

function waitForSignal(logger: ReturnType<typeof createLogger>): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info(
        `${signal} received: draining and flushing (press Ctrl-C again to quit at once; pending records stay in the write-ahead log)`,
      );
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      process.once('SIGINT', () => process.exit(130));
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
