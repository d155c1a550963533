import type { EntryKind, Leaf, LedgerEntry } from '../model/ledger';
import { leafOf, sha256Hex } from './leaf';
import { merkleRoot } from './merkle';

/**
 * Making and checking ledger entries (docs/architecture.md, "Ledger"). An entry's hash is
 * SHA-256 over a JSON array of its fields: JSON gives every field an unambiguous boundary,
 * and the verifier, which reads the same fields back from the table, rebuilds the same text.
 */

const ENTRY_FORMAT = 'ai-audit/ledger/v1';
const HEAD_FORMAT = 'ai-audit/ledger-head/v1';

/** Milliseconds as DateTime64(3) text. */
export function millisText(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
}

/** Nanoseconds as DateTime64(9) text. */
export function nanosText(nanos: bigint): string {
  return `${nanos / 1_000_000_000n}.${(nanos % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/** DateTime64 text (`seconds.fraction`) as an integer count of its unit. */
export function parseTimeText(text: string, digits: 3 | 9): bigint {
  const [seconds, fraction = ''] = text.split('.');
  return BigInt(seconds) * 10n ** BigInt(digits) + BigInt((fraction + '0'.repeat(digits)).slice(0, digits) || '0');
}

export type EntryFields = Omit<LedgerEntry, 'hash'>;

export function entryHash(entry: EntryFields): string {
  const atMs = parseTimeText(entry.at, 3).toString();
  return sha256Hex(
    JSON.stringify([
      ENTRY_FORMAT,
      entry.chain,
      entry.seq,
      entry.kind,
      atMs,
      entry.tenant_id,
      entry.prev_hash,
      entry.root,
      entry.size,
      entry.detail,
    ]),
  );
}

/** The bytes a signature over a chain's head signs. */
export function headMessage(chain: string, seq: number, hash: string): Buffer {
  return Buffer.from(JSON.stringify([HEAD_FORMAT, chain, seq, hash]));
}

/** The entry after `prev` (seq 0 and hash '' before a chain's first) committing `leaves`. */
export function makeEntry(
  chain: string,
  prev: { seq: number; hash: string },
  kind: EntryKind,
  tenantId: string,
  leaves: readonly Leaf[],
  detail: object,
  nowMs = Date.now(),
): LedgerEntry {
  const fields: EntryFields = {
    chain,
    seq: prev.seq + 1,
    kind,
    at: millisText(nowMs),
    tenant_id: tenantId,
    prev_hash: prev.hash,
    root: merkleRoot(leaves.map(leafOf)).toString('hex'),
    size: leaves.length,
    detail: JSON.stringify(detail),
    record_ids: leaves.map((leaf) => leaf.id),
    record_times: leaves.map((leaf) => nanosText(leaf.timeNanos)),
    meta_digests: leaves.map((leaf) => leaf.meta),
    content_digests: leaves.map((leaf) => leaf.content),
  };
  return { ...fields, hash: entryHash(fields) };
}

/** The leaves an entry row holds, as the Merkle tree takes them. */
export function entryLeaves(
  entry: Pick<LedgerEntry, 'record_ids' | 'record_times' | 'meta_digests' | 'content_digests'>,
): Leaf[] {
  return entry.record_ids.map((id, i) => ({
    id,
    timeNanos: parseTimeText(entry.record_times[i], 9),
    meta: entry.meta_digests[i],
    content: entry.content_digests[i],
  }));
}
