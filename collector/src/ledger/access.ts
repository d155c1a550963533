import { randomUUID } from 'node:crypto';
import type { Leaf } from '../model/ledger';
import { RowWriter } from '../store/row-binary';
import { millisText } from './entry';
import { EMPTY_CONTENT, sha256Hex } from './leaf';

/** One opening of sealed content, as access_log stores it. */
export interface AccessFields {
  actor: string;
  host: string;
  action: string;
  tenant_id: string;
  record_id: string;
  reason: string;
}

/**
 * An access-log row with its id and time set here rather than by the table's defaults, and
 * the leaf committing it: the digest of the same RowBinary bytes that `ACCESS_META_SQL`
 * (ledger/leaf.ts) computes from the stored row.
 */
export function accessRow(fields: AccessFields, nowMs = Date.now()): { row: Record<string, string>; leaf: Leaf } {
  const entryId = randomUUID();
  const writer = new RowWriter();
  writer.uuid(entryId);
  writer.i64(BigInt(nowMs));
  for (const value of [fields.actor, fields.host, fields.action, fields.tenant_id, fields.record_id, fields.reason])
    writer.string(value);
  return {
    row: { entry_id: entryId, at: millisText(nowMs), ...fields },
    leaf: {
      id: entryId,
      timeNanos: BigInt(nowMs) * 1_000_000n,
      meta: sha256Hex(writer.view(0, writer.offset)),
      content: EMPTY_CONTENT,
    },
  };
}
