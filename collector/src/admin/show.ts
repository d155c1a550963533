import { DataKeyUnavailableError } from '../keys/data-keys';
import { EnvelopeError } from '../keys/envelope';
import { hasSealedContent, type SealedRow } from '../keys/keyring';
import { CONTENT_SEALED, type ContentField } from '../model/record';
import { accessRow } from '../ledger/access';
import { jsonSection } from '../store/wal-entry';
import { AdminError, type Actor, type AdminContext } from './context';
import { PSEUDONYM_PREFIX } from './erase';

export interface ShowRequest extends Actor {
  recordId: string;
  tenantId?: string;
  decrypt: boolean;
  reason?: string;
}

export interface ShowResult {
  record: Record<string, unknown>;
  /** The sealed documents, opened: exactly the text that was sealed. */
  content?: Partial<Record<ContentField, string>>;
}

/**
 * One record by id; with `decrypt`, its sealed content opened. Every opening is written to
 * access_log first (who, from where, which record, why): if that write fails, nothing is
 * opened.
 */
/** Refuses anything but a UUID before any store or key is touched. */
export function checkRecordId(recordId: string): void {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(recordId))
    throw new AdminError(`"${recordId.slice(0, 60)}" is not a record id (a UUID)`);
}

export async function showRecord(context: AdminContext, request: ShowRequest): Promise<ShowResult> {
  checkRecordId(request.recordId);
  const { store, database } = context;
  const rows = await store.queryRows<Record<string, unknown>>(
    `SELECT * REPLACE (base64Encode(${CONTENT_SEALED}) AS ${CONTENT_SEALED}) FROM ${database}.records WHERE record_id = {id:UUID}${request.tenantId === undefined ? '' : ' AND tenant_id = {tenant:String}'} LIMIT 2`,
    { id: request.recordId, tenant: request.tenantId },
    { output_format_json_quote_64bit_integers: 0 },
  );
  if (rows.length === 0)
    throw new AdminError(
      `no record ${request.recordId}${request.tenantId === undefined ? '' : ` for tenant ${request.tenantId}`}`,
    );
  if (rows.length > 1)
    throw new AdminError(`record ${request.recordId} exists for several tenants; name one with --tenant`);
  const record = rows[0];
  if (!request.decrypt) return { record };
  if (!request.reason?.trim())
    throw new AdminError('opening sealed content needs a --reason (it is written to the access log)');

  const tenantId = String(record.tenant_id);
  const access = accessRow({
    actor: request.actor,
    host: request.host,
    action: 'decrypt',
    tenant_id: tenantId,
    record_id: String(record.record_id),
    reason: request.reason,
  });
  // The access-log row and its ledger entry go through the log together; once the row is
  // in the store, and only then, the content is opened.
  await context.ledger.commit('access', tenantId, [access.leaf], { action: 'decrypt', actor: request.actor }, [
    jsonSection('access_log', [access.row]),
  ]);
  await context.flush();
  // The id as stored (lower case), which the envelopes are bound to, not as typed.
  const row = { ...record, tenant_id: tenantId, record_id: String(record.record_id) } as SealedRow;
  if (!hasSealedContent(row) && String(record.user_id).startsWith(PSEUDONYM_PREFIX)) {
    throw new AdminError(`the content of record ${request.recordId} was erased with its user's data keys`);
  }
  let content: ShowResult['content'];
  try {
    // The keys named inside the envelopes; the associated data still ties them to this row.
    content = await context.keyring.openContent(row, store, database);
  } catch (error) {
    if (error instanceof DataKeyUnavailableError)
      throw new AdminError(
        `the content of record ${request.recordId} cannot be opened: its data key was destroyed (erasure) or is missing`,
      );
    if (error instanceof EnvelopeError) throw new AdminError(error.message);
    throw error;
  }
  return { record, content };
}
