import { createHmac, randomUUID } from 'node:crypto';
import { RECORD_CONTENT_SQL, RECORD_META_SQL } from '../ledger/leaf';
import type { Leaf } from '../model/ledger';
import { ALL_SEALED_COLUMNS } from '../model/record';
import type { Store } from '../store/client';
import type { ClickHouseSettings } from '@clickhouse/client';
import { clusterWideEngine } from '../store/cluster';
import { removeOutdatedParts } from '../store/parts';
import { AdminError, type Actor, type AdminContext } from './context';
import { exclusively } from './exclusive';

export interface EraseRequest extends Actor {
  tenantId: string;
  userId: string;
  reason: string;
}

export interface EraseResult {
  keysDestroyed: number;
  rowsAffected: number;
  metadata: 'pseudonymize' | 'delete' | 'keep';
  pseudonym: string;
}

/** Waits for mutations to finish: the rows must be rewritten when the next step runs. */
const SYNC_ONE_NODE = { mutations_sync: '2' } as const;

/** How long the store may take to drop the parts the erasure's mutations replaced. */
const PARTS_TIMEOUT_MS = 60_000;

/** The tables an erasure rewrites, whose replaced parts must leave the disk. */
const REWRITTEN = ['data_keys', 'records', 'dead_letters'] as const;

/**
 * GDPR Art. 17 erasure by crypto-shredding, complete on disk (docs/architecture.md,
 * "Erasure"). Once it returns, nothing under the data directory names the user or holds
 * their keys:
 *
 * 1. New records of the user are refused (senders retry) and those already accepted are
 *    stored; the write-ahead log files that held them are deleted.
 * 2. Their data keys are deleted, which makes every copy of their sealed content, backups
 *    included, unreadable. Their records are pseudonymized (default), deleted or kept as
 *    configured; kept or pseudonymized rows lose their sealed content and key ids.
 * 3. The parts those mutations replaced are removed from disk at once, not minutes later.
 *
 * Mutations are recorded by the engine as text, on disk: they name the user only through
 * a subquery on an in-memory table, never by value. The request is recorded in `erasures`
 * under a keyed pseudonym. Erasures run one at a time; running one again finishes whatever
 * an interrupted one left. Records of the user that arrive afterwards are new records,
 * sealed under a fresh key.
 */
export async function eraseUser(context: AdminContext, request: EraseRequest): Promise<EraseResult> {
  if (!request.userId) throw new AdminError('erase needs the user id (--user)');
  if (!request.reason.trim()) throw new AdminError('erase needs a --reason (it is recorded with the request)');
  if (request.reason.includes(request.userId))
    throw new AdminError('the --reason must not contain the user id: it is stored in clear in the erasure register');
  return exclusively(async () => {
    const release = await context.fence(request.tenantId, request.userId);
    try {
      await context.purgeLog(request.tenantId, request.userId);
      return await eraseFromStore(context, request);
    } finally {
      release();
    }
  });
}

async function eraseFromStore(context: AdminContext, request: EraseRequest): Promise<EraseResult> {
  const { store, database, keyring } = context;
  const who = { tenant: request.tenantId, user: request.userId };
  const keys = await store.queryRows<{ key_id: string }>(
    `SELECT DISTINCT key_id FROM ${database}.data_keys WHERE tenant_id = {tenant:String} AND subject = {user:String}`,
    who,
  );
  const [{ n }] = await store.queryRows<{ n: number }>(
    `SELECT count() AS n FROM ${database}.records WHERE tenant_id = {tenant:String} AND user_id = {user:String}`,
    who,
    { output_format_json_quote_64bit_integers: 0 },
  );
  const pseudonym = await pseudonymFor(context, request.tenantId, request.userId);
  const metadata = context.erasure.metadata;
  // The ledger learns what the erasure will do before it is done: the rows' ids and the
  // digests they will have. Interrupted, the rows are still as committed before; finished,
  // they are as this entry says (docs/architecture.md, "Ledger").
  await context.ledger.commit('erasure', request.tenantId, await erasedLeaves(context, who, pseudonym, metadata), {
    request: randomUUID(),
    actor: request.actor,
    reason: request.reason,
    metadata,
    subject_pseudonym: pseudonym,
    keys_destroyed: keys.length,
  });
  // On a cluster the mutations run on every replica of the tables that hold the rows. Their
  // subquery reads the subject table each replica holds whole (synced before): the same rows
  // everywhere, which ClickHouse cannot know, so it is told (allow_nondeterministic_mutations).
  const { cluster } = store.layout;
  const alter = (table: string): string =>
    `ALTER TABLE ${database}.${store.layout.local(table)}${store.layout.onCluster}`;
  const SYNC: ClickHouseSettings = cluster ? { ...SYNC_ONE_NODE, allow_nondeterministic_mutations: 1 } : SYNC_ONE_NODE;
  await withSubject(store, database, who, async (subject) => {
    await store.command(`${alter('data_keys')} DELETE WHERE (tenant_id, subject) IN (${subject})`, SYNC);
    await store.command(
      `${alter('dead_letters')} DELETE WHERE (JSONExtractString(row, 'tenant_id'), JSONExtractString(row, 'user_id')) IN (${subject}) OR (JSONExtractString(row, 'tenant_id'), JSONExtractString(row, 'subject')) IN (${subject})`,
      SYNC,
    );
    if (n === 0) return;
    if (metadata === 'keep') {
      await store.command(
        `${alter('records')} UPDATE ${SHREDDED.join(', ')} WHERE (tenant_id, user_id) IN (${subject})`,
        SYNC,
      );
      return;
    }
    if (metadata === 'pseudonymize') {
      // user_id is part of the sort key, which ClickHouse cannot UPDATE: copy the rows
      // under the pseudonym, then delete the originals. The filter sits in a subquery:
      // at the same level, WHERE would see the REPLACE aliases instead of the columns.
      await store.command(
        `INSERT INTO ${database}.records SELECT * REPLACE (${PSEUDONYMIZED.join(', ')}) FROM (SELECT * FROM ${database}.records WHERE tenant_id = {tenant:String} AND user_id = {user:String})`,
        {
          insert_deduplication_token: `erase:${request.tenantId}:${pseudonym}:${Date.now()}`,
          // On a cluster the copies must be on their shard before the originals are deleted.
          ...(cluster ? { distributed_foreground_insert: 1 } : {}),
        },
        { ...who, p: pseudonym },
      );
    }
    await store.command(`${alter('records')} DELETE WHERE (tenant_id, user_id) IN (${subject})`, SYNC);
  });
  // On a cluster the subject table stores parts too (replicated to every node): they go as well.
  const rewritten = REWRITTEN.map((table) => store.layout.local(table));
  await removeOutdatedParts(store, database, cluster ? [...rewritten, 'erasure_subject'] : rewritten, PARTS_TIMEOUT_MS);
  keyring.dataKeys.forget(
    request.tenantId,
    request.userId,
    keys.map((k) => k.key_id),
  );
  await store.insertJsonRows(
    `${database}.erasures`,
    JSON.stringify({
      tenant_id: request.tenantId,
      subject_pseudonym: pseudonym,
      actor: request.actor,
      reason: request.reason,
      metadata,
      keys_destroyed: keys.length,
      rows_affected: n,
    }),
  );
  return { keysDestroyed: keys.length, rowsAffected: n, metadata, pseudonym };
}

/** Sealed content and the id of the key it was sealed under: unreadable after erasure, so gone. */
const SHREDDED_COLUMNS = ['content_key_id', ...ALL_SEALED_COLUMNS];
const SHREDDED = SHREDDED_COLUMNS.map((column) => `${column} = ''`);

/**
 * What the erasure leaves of each of the user's rows, as ledger leaves: the metadata digest
 * the row will have, computed by the engine from the same expressions the mutations apply,
 * or none for a row that will be deleted; and, in place of a content digest, the digest of
 * the row as it is now (its two digests). Verify accepts the erasure as the explanation of a
 * row only if that earlier state is one the ledger committed: an erasure cannot make a
 * changed or forged row look legitimate.
 */
async function erasedLeaves(
  context: AdminContext,
  who: { tenant: string; user: string },
  pseudonym: string,
  metadata: EraseResult['metadata'],
): Promise<Leaf[]> {
  const { store, database } = context;
  const replaced =
    metadata === 'pseudonymize'
      ? PSEUDONYMIZED
      : metadata === 'keep'
        ? SHREDDED_COLUMNS.map((column) => `'' AS ${column}`)
        : undefined;
  // The row's present digests first, in a subquery: at the level of the REPLACE, expressions
  // would see the replaced values.
  const rows = await store.queryRows<{ id: string; nanos: string; meta: string; prior: string }>(
    `SELECT toString(record_id) AS id, toString(toUnixTimestamp64Nano(timestamp)) AS nanos,
            ${replaced ? RECORD_META_SQL : "''"} AS meta, prior
     FROM (
       SELECT * ${replaced ? `REPLACE (${replaced.join(', ')})` : ''}
       FROM (
         SELECT *, lower(hex(SHA256(concat(${RECORD_META_SQL}, ' ', ${RECORD_CONTENT_SQL})))) AS prior
         FROM ${database}.records WHERE tenant_id = {tenant:String} AND user_id = {user:String}
       )
     )`,
    { ...who, p: pseudonym },
  );
  return rows.map((row) => ({ id: row.id, timeNanos: BigInt(row.nanos), meta: row.meta, content: row.prior }));
}

/** A user's row under their pseudonym: identifiers replaced, attribute values that name them dropped. */
const PSEUDONYMIZED = [
  '{p:String} AS user_id',
  "if(session_id = '', '', {p:String} || ':s') AS session_id",
  "if(conversation_id = '', '', {p:String} || ':c') AS conversation_id",
  "'' AS content_key_id",
  ...ALL_SEALED_COLUMNS.map((column) => `'' AS ${column}`),
  'mapFilter((k, v) -> position(v, {user:String}) = 0, attributes) AS attributes',
  'mapFilter((k, v) -> position(v, {user:String}) = 0, resource) AS resource',
];

/**
 * Runs `work` with a subquery that yields the (tenant, user) pair being erased, from a
 * table of its own: the engine writes each mutation's text to disk, and a subquery keeps the
 * user id out of it. On one node it is a Memory table, emptied afterwards, which never
 * reaches the disk; on a cluster every node must read the same row, so it is a replicated
 * table whose parts are removed with the erasure's other replaced parts.
 */
async function withSubject(
  store: Store,
  database: string,
  who: { tenant: string; user: string },
  work: (subject: string) => Promise<void>,
): Promise<void> {
  const table = `${database}.erasure_subject`;
  const { cluster, onCluster } = store.layout;
  // On a cluster each replica's mutation reads the subject from its own node: the table is
  // on every node, and the erasure waits until every node has the row.
  const engine = cluster
    ? `${clusterWideEngine(cluster, database, 'erasure_subject')} ORDER BY tuple() SETTINGS old_parts_lifetime = 0`
    : 'Memory';
  await store.command(
    `CREATE TABLE IF NOT EXISTS ${table}${onCluster} (tenant_id String, subject String) ENGINE = ${engine}`,
  );
  await store.command(`TRUNCATE TABLE ${table}${onCluster}`);
  await store.command(`INSERT INTO ${table} SELECT {tenant:String}, {user:String}`, undefined, who);
  if (cluster) await store.command(`SYSTEM SYNC REPLICA${onCluster} ${table}`);
  try {
    await work(`SELECT tenant_id, subject FROM ${table}`);
  } finally {
    await store.command(`TRUNCATE TABLE ${table}${onCluster}`);
  }
}

/** How a pseudonymized user_id begins. */
export const PSEUDONYM_PREFIX = 'erased:';

/** A stable keyed pseudonym of a user: the same user always maps to the same value. */
async function pseudonymFor(context: Pick<AdminContext, 'keyring'>, tenantId: string, userId: string): Promise<string> {
  const { key } = await context.keyring.hashKey(tenantId);
  return `${PSEUDONYM_PREFIX}${createHmac('sha256', key).update(`subject|${userId}`).digest('hex').slice(0, 24)}`;
}
