import { callControl, ControlUnavailableError } from '../control/client';
import type { ClickHouseExporterConfig, LoadedConfig } from '../config/types';
import { parseDuration } from '../config/units';
import { Store } from '../store/client';
import { controlSocketPath, parseStoreEndpoint, type StoreTarget } from '../store/endpoint';

/**
 * How a command reaches the store the config names. A server is opened directly (any
 * number of processes may connect). The embedded engine admits one process per data
 * path, so while a collector runs the command goes through its control socket, and
 * opens the data itself only when no collector is running.
 */
export type StoreAccess = { via: 'collector'; socket: string } | { via: 'direct'; store: Store };

export function storeTarget(loaded: LoadedConfig, config: ClickHouseExporterConfig): StoreTarget {
  return parseStoreEndpoint(config.endpoint, loaded.dir, { username: config.username, password: config.password });
}

export async function openStoreAccess(loaded: LoadedConfig, config: ClickHouseExporterConfig, options: { readOnly: boolean }): Promise<StoreAccess> {
  const target = storeTarget(loaded, config);
  if (target.kind === 'embedded') {
    const socket = controlSocketPath(target.path);
    try {
      await callControl(socket, 'ping', {});
      return { via: 'collector', socket };
    } catch (error) {
      if (!(error instanceof ControlUnavailableError)) throw error;
    }
  }
  const store = await Store.open(target, { database: config.database, timeoutMs: parseDuration(config.timeout) as number, readOnly: options.readOnly });
  return { via: 'direct', store };
}

export async function closeStoreAccess(access: StoreAccess): Promise<void> {
  if (access.via === 'direct') await access.store.close();
}
