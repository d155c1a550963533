import { callControl, ControlUnavailableError } from '../control/client';
import { controlSocketPath } from '../control/socket-path';
import { resolveConfigPath } from '../config/load';
import type { ClickHouseExporterConfig, LoadedConfig } from '../config/types';
import { parseDuration } from '../config/units';
import { Store } from '../store/client';
import { parseStoreEndpoint, type StoreTarget } from '../store/endpoint';

/**
 * How a command reaches the store the config names. When the config's collector is
 * running (its control socket answers), the command goes through it: the embedded engine
 * admits one process per data path, and administrative operations must see what the
 * collector's write-ahead log still holds. Otherwise the command opens the store itself.
 */
export type StoreAccess = { via: 'collector'; socket: string } | { via: 'direct'; store: Store };

export function storeTarget(loaded: LoadedConfig, config: ClickHouseExporterConfig): StoreTarget {
  return parseStoreEndpoint(config.endpoint, loaded.dir, { username: config.username, password: config.password });
}

export function walDirectory(loaded: LoadedConfig, config: ClickHouseExporterConfig): string {
  return resolveConfigPath(loaded, config.wal.directory);
}

/** The running collector's control socket, or undefined when none answers. */
export async function runningCollector(loaded: LoadedConfig, config: ClickHouseExporterConfig): Promise<string | undefined> {
  const socket = controlSocketPath(walDirectory(loaded, config));
  try {
    await callControl(socket, 'ping', {});
    return socket;
  } catch (error) {
    if (error instanceof ControlUnavailableError) return undefined;
    throw error;
  }
}

export function openStore(loaded: LoadedConfig, config: ClickHouseExporterConfig, readOnly: boolean): Promise<Store> {
  return Store.open(storeTarget(loaded, config), { database: config.database, timeoutMs: parseDuration(config.timeout) as number, readOnly });
}

export async function openStoreAccess(loaded: LoadedConfig, config: ClickHouseExporterConfig, options: { readOnly: boolean }): Promise<StoreAccess> {
  const socket = await runningCollector(loaded, config);
  if (socket) return { via: 'collector', socket };
  return { via: 'direct', store: await openStore(loaded, config, options.readOnly) };
}

export async function closeStoreAccess(access: StoreAccess): Promise<void> {
  if (access.via === 'direct') await access.store.close();
}
