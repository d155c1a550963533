import { eraseUser } from '../admin/erase';
import { keysStatus, rotateKeys } from '../admin/keys';
import { showRecord } from '../admin/show';
import { AdminError, type AdminContext } from '../admin/context';
import type { ProtectProcessor } from '../pipeline/protect';
import { queryForDisplay } from '../query/run';
import { Store } from '../store/client';
import type { ClickHouseExporter } from '../store/exporter';
import { ControlRequestError, type ControlHandler } from './server';

const FLUSH_TIMEOUT_MS = 60_000;

/**
 * The operations a running collector performs for CLI commands: read-only queries on a
 * session of their own, and the administrative operations (show, erase, keys, hash) with
 * the collector's own keys and store, after draining its write-ahead log where it matters.
 */
export async function controlHandlers(
  exporter: ClickHouseExporter,
  protect: ProtectProcessor | undefined,
): Promise<{ handlers: Record<string, ControlHandler>; close: () => Promise<void> }> {
  const reader = await Store.open(exporter.target, { database: exporter.store.database, readOnly: true });
  const admin = (): AdminContext => {
    if (!protect) throw new ControlRequestError('the pipeline has no protect processor: there are no keys to use');
    return { store: exporter.store, database: exporter.store.database, protect, flush: () => exporter.flush(FLUSH_TIMEOUT_MS) };
  };
  const text = (value: unknown, name: string): string => {
    if (typeof value !== 'string') throw new ControlRequestError(`"${name}" must be a string`);
    return value;
  };
  const refusals = (run: ControlHandler): ControlHandler => async (request) => {
    try {
      return await run(request);
    } catch (error) {
      if (error instanceof AdminError) throw new ControlRequestError(error.message);
      throw error;
    }
  };
  return {
    handlers: {
      ping: async () => 'pong',
      query: async ({ sql, format }) => queryForDisplay(reader, text(sql, 'sql'), text(format, 'format')),
      show: refusals(async (r) =>
        showRecord(admin(), { recordId: text(r.recordId, 'recordId'), tenantId: r.tenantId as string | undefined, decrypt: r.decrypt === true, reason: r.reason as string | undefined, actor: text(r.actor, 'actor'), host: text(r.host, 'host') }),
      ),
      erase: refusals(async (r) => eraseUser(admin(), { tenantId: text(r.tenantId, 'tenantId'), userId: text(r.userId, 'userId'), reason: text(r.reason, 'reason'), actor: text(r.actor, 'actor'), host: text(r.host, 'host') })),
      'keys.rotate': refusals(async () => rotateKeys(admin())),
      'keys.status': refusals(async () => keysStatus(admin())),
      hash: refusals(async (r) => admin().protect.hashText(text(r.tenantId, 'tenantId'), text(r.text, 'text'))),
    },
    close: () => reader.close(),
  };
}
