import { hostname } from 'node:os';
import type { Actor, AdminContext } from '../admin/context';
import { currentUser, describeActor } from '../extension/control/actor';
import { callControl } from '../extension/control/client';
import type { LoadedConfig, ProtectProcessorConfig } from '../config/types';
import { componentType } from '../config/types';
import { parseSize } from '../config/units';
import { ProtectProcessor } from '../processor/protect';
import { createLogger } from '../telemetry/logger';
import { MetricsRegistry } from '../telemetry/metrics';
import { prepareSchema } from '../exporter/clickhouse/exporter';
import { purgeLog } from '../exporter/clickhouse/purge';
import { BatchWriter } from '../exporter/clickhouse/writer';
import { WriteAheadLog } from '../wal/wal';
import { UsageError, type CommandContext } from '../cli/command';
import { storeExporterConfig } from '../cli/config';
import { openStore, runningCollector, walDirectory } from './store-access';

/** How long a command waits for the store to take what a stopped collector left in its log. */
const DRAIN_TIMEOUT_MS = 60_000;

/** The protect processor of the first traces pipeline: its keys are the ones to use. */
export function protectConfig(loaded: LoadedConfig): ProtectProcessorConfig {
  const pipeline = Object.values(loaded.config.service.pipelines)[0];
  const id = pipeline.processors.find((processor) => componentType(processor) === 'protect');
  if (!id) throw new UsageError('the configuration has no protect processor in its pipeline, so there are no keys to use');
  return loaded.config.processors[id] as ProtectProcessorConfig;
}

/**
 * Who runs this command, for the access log and the erasure register: this process's OS
 * user and host, with `--actor` only added to the name. Through a collector, its control
 * server establishes both itself and takes only `claimedActor` from the request.
 */
export function actorOf(option: unknown): Actor & { claimedActor?: string } {
  const claimedActor = typeof option === 'string' ? option : undefined;
  return { actor: describeActor(currentUser(), claimedActor), host: hostname(), claimedActor };
}

/**
 * Runs an administrative operation: through the running collector when there is one
 * (`operation` on its control socket), else here, with the store and keys opened from the
 * config, after draining whatever a stopped collector left in its write-ahead log.
 */
export async function runAdmin<T>(
  loaded: LoadedConfig,
  context: CommandContext,
  operation: string,
  request: Record<string, unknown>,
  local: (admin: AdminContext) => Promise<T>,
): Promise<T> {
  const exporter = storeExporterConfig(loaded);
  const protect = protectConfig(loaded);
  const socket = await runningCollector(loaded, exporter);
  if (socket) return callControl<T>(socket, operation, request);
  const logger = createLogger({ level: 'error', encoding: 'console', write: (line) => context.stderr.write(line) });
  const store = await openStore(loaded, exporter, false);
  try {
    await prepareSchema(store, exporter, logger);
    const walDir = walDirectory(loaded, exporter);
    /** Opens the log a stopped collector left, runs `work` with its writer, then drains the rest into the store. */
    const withLog = async (work: (wal: WriteAheadLog, writer: BatchWriter) => Promise<void>): Promise<void> => {
      const { wal } = await WriteAheadLog.open({
        dir: walDir,
        maxBytes: parseSize(exporter.wal.max_size) as number,
        segmentBytes: parseSize(exporter.wal.segment_size) as number,
        cacheBytes: 0,
        logger,
      });
      const writer = new BatchWriter(wal, store, BatchWriter.optionsFrom(exporter, walDir, logger, new MetricsRegistry()));
      writer.start();
      try {
        await work(wal, writer);
      } finally {
        const left = await writer.stop(DRAIN_TIMEOUT_MS);
        await wal.close();
        if (left > 0) throw new Error(`the store did not take the ${left} records a stopped collector left in its write-ahead log; retry when it is reachable`);
      }
    };
    const admin: AdminContext = {
      store,
      database: exporter.database,
      protect: new ProtectProcessor(protect, { loaded, logger }),
      flush: () => withLog(async () => undefined),
      // No collector runs, so nothing is being ingested: there is nothing to hold back.
      fence: async () => () => undefined,
      purgeLog: (tenantId, userId) => withLog((wal, writer) => purgeLog(wal, writer, walDir, { tenantId, userId }, DRAIN_TIMEOUT_MS)),
    };
    return await local(admin);
  } finally {
    await store.close();
  }
}
