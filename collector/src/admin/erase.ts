import { createHmac } from 'node:crypto';
import { AdminError, type Actor, type AdminContext } from './context';

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

/** Waits for mutations to finish: the keys must be gone from disk when erase returns. */
const SYNC = { mutations_sync: '2' } as const;

/**
 * GDPR Art. 17 erasure by crypto-shredding: the user's data keys are deleted (a mutation,
 * so the wrapped keys leave the disk), which makes every copy of their sealed content,
 * backups included, unreadable. Then their metadata rows are pseudonymized, deleted or
 * kept as configured, and the request is recorded in `erasures` under a keyed pseudonym.
 * Safe to run again: a second run finishes whatever an interrupted one left.
 */
export async function eraseUser(context: AdminContext, request: EraseRequest): Promise<EraseResult> {
  if (!request.userId) throw new AdminError('erase needs the user id (--user)');
  if (!request.reason.trim()) throw new AdminError('erase needs a --reason (it is recorded with the request)');
  const { store, database, protect } = context;
  // Everything acknowledged before this request (records, new keys) must be in the store
  // first, or a key still in a write-ahead log would be written after its destruction.
  await context.flush();

  const who = { tenant: request.tenantId, user: request.userId };
  const keys = await store.queryRows<{ key_id: string }>(
    `SELECT DISTINCT key_id FROM ${database}.data_keys WHERE tenant_id = {tenant:String} AND subject = {user:String}`,
    who,
  );
  if (keys.length > 0) {
    await store.command(`ALTER TABLE ${database}.data_keys DELETE WHERE tenant_id = {tenant:String} AND subject = {user:String}`, SYNC, who);
  }
  protect.dataKeys.forget(request.tenantId, request.userId, keys.map((k) => k.key_id));

  const pseudonym = await pseudonymFor(context, request.tenantId, request.userId);
  const [{ n }] = await store.queryRows<{ n: number }>(
    `SELECT count() AS n FROM ${database}.records WHERE tenant_id = {tenant:String} AND user_id = {user:String}`,
    who,
    { output_format_json_quote_64bit_integers: 0 },
  );
  const metadata = protect.config.erasure.metadata;
  if (n > 0 && metadata !== 'keep') {
    if (metadata === 'pseudonymize') {
      // user_id is part of the sort key, which ClickHouse cannot UPDATE: copy the rows
      // under the pseudonym, then delete the originals. The filter sits in a subquery:
      // at the same level, WHERE would see the REPLACE aliases instead of the columns.
      await store.command(
        `INSERT INTO ${database}.records SELECT * REPLACE ({p:String} AS user_id, if(session_id = '', '', {p:String} || ':s') AS session_id, if(conversation_id = '', '', {p:String} || ':c') AS conversation_id) FROM (SELECT * FROM ${database}.records WHERE tenant_id = {tenant:String} AND user_id = {user:String})`,
        { insert_deduplication_token: `erase:${request.tenantId}:${pseudonym}:${Date.now()}` },
        { ...who, p: pseudonym },
      );
    }
    await store.command(`ALTER TABLE ${database}.records DELETE WHERE tenant_id = {tenant:String} AND user_id = {user:String}`, SYNC, who);
  }
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

/** A stable keyed pseudonym of a user: the same user always maps to the same value. */
export async function pseudonymFor(context: AdminContext, tenantId: string, userId: string): Promise<string> {
  const { key } = await context.protect.provider.hashKey(tenantId);
  return `erased:${createHmac('sha256', key).update(`subject|${userId}`).digest('hex').slice(0, 24)}`;
}
