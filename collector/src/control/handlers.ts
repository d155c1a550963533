import { queryForDisplay } from '../query/run';
import { Store } from '../store/client';
import type { ClickHouseExporter } from '../store/exporter';
import { ControlRequestError, type ControlHandler } from './server';

/** A read-only session on the collector's store, and the operations the socket offers on it. */
export async function controlHandlers(exporter: ClickHouseExporter): Promise<{ handlers: Record<string, ControlHandler>; close: () => Promise<void> }> {
  const reader = await Store.open(exporter.target, { database: exporter.store.database, readOnly: true });
  return {
    handlers: {
      ping: async () => 'pong',
      query: async ({ sql, format }) => {
        if (typeof sql !== 'string' || typeof format !== 'string') throw new ControlRequestError('query needs "sql" and "format" strings');
        return queryForDisplay(reader, sql, format);
      },
    },
    close: () => reader.close(),
  };
}
