import { callControl, ControlUnavailableError } from '../extension/control/client';
import { controlSocketPath } from '../extension/control/socket-path';
import { resolveConfigPath } from '../config/load';
import type { ClickHouseExporterConfig, LoadedConfig } from '../config/types';
import { analystSettings, queryBudget } from '../query/budget';
import { queryForDisplay, type QuerySource } from '../query/run';
import { Store } from '../store/client';
import { parseStoreEndpoint, type StoreTarget } from '../store/endpoint';

/**
 * How a command reaches the store the config names. When the config's collector is
 * running (its control socket answers), the command goes through it: the embedded engine
 * admits one process per data path, and administrative operations must see what the
 * collector's write-ahead log still holds. Otherwise the command opens the store itself.
 */
export type StoreAccess = { via: 'collector'; socket: string } | { via: 'direct'; store: Store };

/**
 * Where an analyst's statement runs: the running collector's `query` operation, else the
 * command's own read-only session; either way guarded and budgeted, `params` bound by the engine.
 */
export function analystSource(access: StoreAccess, params?: Record<string, string | number>): QuerySource {
  if (access.via === 'direct') return (statement, format) => queryForDisplay(access.store, statement, format, params);
  return (statement, format) =>
    callControl<string>(access.socket, 'query', { sql: statement, format, ...(params ? { params } : {}) });
}

export function storeTarget(loaded: LoadedConfig, config: ClickHouseExporterConfig): StoreTarget {
  return parseStoreEndpoint(config.endpoint, loaded.dir, { username: config.username, password: config.password });
}

export function walDirectory(loaded: LoadedConfig, config: ClickHouseExporterConfig): string {
  return resolveConfigPath(loaded, config.wal.directory);
}

/**
 * The running collector's control socket, or undefined when none answers. A socket that
 * fails verification (ControlRefusedError) is not "none": the error ends the command, which
 * must then neither talk to it nor open the store behind the collector's back.
 */
export async function runningCollector(
  loaded: LoadedConfig,
  config: ClickHouseExporterConfig,
): Promise<string | undefined> {
  const socket = controlSocketPath(walDirectory(loaded, config));
  try {
    await callControl(socket, 'ping', {});
    return socket;
  } catch (error) {
    if (error instanceof ControlUnavailableError) return undefined;
    throw error;
  }
}

/** A read-only store is an analyst's session: readonly=1 and the config's query budget. */
export function openStore(loaded: LoadedConfig, config: ClickHouseExporterConfig, readOnly: boolean): Promise<Store> {
  return Store.open(storeTarget(loaded, config), {
    database: config.database,
    cluster: config.cluster,
    timeoutMs: config.timeout,
    readOnly: readOnly ? analystSettings(queryBudget(config)) : undefined,
  });
}

export async function openStoreAccess(
  loaded: LoadedConfig,
  config: ClickHouseExporterConfig,
  options: { readOnly: boolean },
): Promise<StoreAccess> {
  const socket = await runningCollector(loaded, config);
  if (socket) return { via: 'collector', socket };
  return { via: 'direct', store: await openStore(loaded, config, options.readOnly) };
}

export async function closeStoreAccess(access: StoreAccess): Promise<void> {
  if (access.via === 'direct') await access.store.close();
}
