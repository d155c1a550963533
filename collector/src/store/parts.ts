import type { Store } from './client';
import { sqlString } from './sql-literal';

/** How often the engine is asked to clean up while an erasure waits for its old parts to go. */
const POLL_MS = 200;

/**
 * Removes the parts a mutation replaced, now. A mutation writes new parts and leaves the
 * old ones on disk, outdated, for `old_parts_lifetime` (8 minutes by default, and the
 * embedded engine cleans up only when prodded): after an erasure they would still hold
 * the erased rows. So the lifetime drops to zero, the engine is prodded (`SYSTEM START
 * CLEANUP` wakes its cleanup task, which runs at most once a second) until none of the
 * parts outdated at the call are left, and the table's own lifetime is put back.
 */
export async function removeOutdatedParts(
  store: Store,
  database: string,
  /** The tables that hold the parts (on a cluster, the *_local ones); on a cluster, on every replica. */
  tables: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const { cluster, onCluster } = store.layout;
  const parts = cluster ? `clusterAllReplicas(${sqlString(cluster)}, system.parts)` : 'system.parts';
  const outdated = (): Promise<{ table: string; name: string }[]> =>
    store.queryRows<{ table: string; name: string }>(
      `SELECT table, name FROM ${parts} WHERE database = {database:String} AND table IN {tables:Array(String)} AND NOT active`,
      { database, tables },
    );
  const waitingFor = new Set((await outdated()).map((part) => `${part.table}/${part.name}`));
  if (waitingFor.size === 0) return;
  const lifetimes = await store.queryRows<{ name: string; lifetime: string }>(
    `SELECT name, extract(create_table_query, 'old_parts_lifetime = (\\\\d+)') AS lifetime FROM system.tables WHERE database = {database:String} AND name IN {tables:Array(String)}`,
    { database, tables },
  );
  const alter = (table: string): string => `ALTER TABLE ${database}.${table}${onCluster}`;
  try {
    for (const table of tables) await store.command(`${alter(table)} MODIFY SETTING old_parts_lifetime = 0`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const table of tables) await store.command(`SYSTEM START CLEANUP${onCluster} ${database}.${table}`);
      const left = (await outdated()).filter((part) => waitingFor.has(`${part.table}/${part.name}`));
      if (left.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `the store kept ${left.length} replaced parts of ${[...new Set(left.map((part) => part.table))].join(', ')} on disk for ${timeoutMs} ms; run the erasure again`,
        );
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    for (const { name, lifetime } of lifetimes) {
      await store.command(
        lifetime
          ? `${alter(name)} MODIFY SETTING old_parts_lifetime = ${Number(lifetime)}`
          : `${alter(name)} RESET SETTING old_parts_lifetime`,
      );
    }
  }
}
