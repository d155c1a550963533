import { hostname } from 'node:os';
import type { Actor, AdminContext } from '../admin/context';
import { currentUser, describeActor } from '../extension/control/actor';
import { callControl } from '../extension/control/client';
import type { LoadedConfig } from '../config/types';
import { Keyring } from '../keys/keyring';
import { createLogger } from '../telemetry/logger';
import { MetricsRegistry } from '../telemetry/metrics';
import { prepareSchema } from '../exporter/clickhouse/exporter';
import { purgeLog } from '../exporter/clickhouse/purge';
import { BatchWriter } from '../exporter/clickhouse/writer';
import { WriteAheadLog } from '../wal/wal';
import { createSigner } from '../keys/signing';
import { Ledger, ledgerOptions } from '../ledger/ledger';
import type { LedgerEntry } from '../model/ledger';
import { protectConfig, storeExporterConfig } from './config';
import { openStore, runningCollector, walDirectory } from './store-access';

/** How long a command waits for the store to take what a stopped collector left in its log. */
const DRAIN_TIMEOUT_MS = 60_000;

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
  output: { stderr: { write(text: string): unknown } },
  operation: string,
  request: Record<string, unknown>,
  local: (admin: AdminContext) => Promise<T>,
): Promise<T> {
  const exporter = storeExporterConfig(loaded);
  const protect = protectConfig(loaded);
  const socket = await runningCollector(loaded, exporter);
  if (socket) return callControl<T>(socket, operation, request);
  const logger = createLogger({ level: 'error', encoding: 'console', write: (line) => output.stderr.write(line) });
  const store = await openStore(loaded, exporter, false);
  try {
    await prepareSchema(store, exporter, logger);
    const walDir = walDirectory(loaded, exporter);
    const signer = createSigner(protect.keys.signing, protect.keys, loaded);
    /**
     * Opens the log a stopped collector left, with its ledger chain, runs `work`, signs the
     * chain's head, then drains the rest into the store.
     */
    const withLog = async (
      work: (wal: WriteAheadLog, writer: BatchWriter, ledger: Ledger) => Promise<void>,
    ): Promise<void> => {
      const { wal } = await WriteAheadLog.open({
        dir: walDir,
        maxBytes: exporter.wal.max_size,
        segmentBytes: exporter.wal.segment_size,
        cacheBytes: 0,
        logger,
      });
      let left: number;
      try {
        const ledger = await Ledger.open(wal, walDir, signer, ledgerOptions(exporter, loaded, logger));
        const writer = new BatchWriter(wal, store, {
          ...BatchWriter.optionsFrom(exporter, walDir, logger, new MetricsRegistry()),
          beforeConfirm: (sections) => ledger.beforeConfirm(sections),
          onDeadLetter: (record, reason) => ledger.deadLetter(record, reason),
        });
        writer.start();
        try {
          await work(wal, writer, ledger);
          await ledger.stop();
        } finally {
          left = await writer.stop(DRAIN_TIMEOUT_MS);
        }
      } finally {
        await wal.close();
      }
      if (left > 0)
        throw new Error(
          `the store did not take the ${left} records a stopped collector left in its write-ahead log; retry when it is reachable`,
        );
    };
    const admin: AdminContext = {
      store,
      database: exporter.database,
      keyring: new Keyring(protect, loaded, logger),
      erasure: protect.erasure,
      storeConfig: exporter,
      signer,
      // The stopped collector's chain: the entry goes through its log, signed, then stored.
      ledger: {
        commit: async (kind, tenantId, leaves, detail, companions) => {
          let entry: LedgerEntry | undefined;
          await withLog(async (_wal, _writer, ledger) => {
            entry = await ledger.commit(kind, tenantId, leaves, detail, companions);
          });
          return entry as LedgerEntry;
        },
        // The log is signed whenever withLog closes it, so the flush that follows a sign signs.
        sign: async () => undefined,
      },
      flush: () => withLog(async () => undefined),
      // No collector runs, so nothing is being ingested: there is nothing to hold back.
      fence: async () => () => undefined,
      purgeLog: (tenantId, userId) =>
        withLog((wal, writer) => purgeLog(wal, writer, walDir, { tenantId, userId }, DRAIN_TIMEOUT_MS)),
    };
    return await local(admin);
  } finally {
    await store.close();
  }
}
