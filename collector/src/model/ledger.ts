/**
 * What the ledger commits of one stored row (docs/architecture.md, "Ledger"): its id, its
 * time, and two SHA-256 digests of the row's RowBinary bytes, one over the metadata
 * columns and one over the sealed content columns. RowBinary is the form rows are written
 * in and what `formatRow('RowBinary', ...)` gives inside ClickHouse, so the verifier
 * recomputes both digests in the engine. Two digests, because retention clears content
 * without touching metadata: a row whose content expired still proves its metadata.
 */
export interface Leaf {
  /** The row's id: record_id for records, entry_id for access-log rows. */
  id: string;
  /** The row's time in nanoseconds: retention is explained from it when the row is gone. */
  timeNanos: bigint;
  /** Lower-case hex of SHA-256 over the metadata columns' bytes ('' when a change removed the row). */
  meta: string;
  /** Lower-case hex of SHA-256 over the sealed columns' bytes. */
  content: string;
}

/**
 * What an entry commits: records stored, content opened, an erasure, an export, a record
 * the store refused (moved to dead letters).
 */
export type EntryKind = 'records' | 'access' | 'erasure' | 'export' | 'dead_letter';

/**
 * One entry of a ledger chain, as the row `<database>.ledger` holds (docs/architecture.md,
 * "Ledger"). `hash` covers every field but the leaves themselves, which `root` covers.
 */
export interface LedgerEntry {
  chain: string;
  seq: number;
  kind: EntryKind;
  /** When the entry was made, in milliseconds, as `seconds.mmm` text (DateTime64(3)). */
  at: string;
  tenant_id: string;
  prev_hash: string;
  /** RFC 6962 Merkle root over the leaves (ledger/merkle.ts), lower-case hex. */
  root: string;
  size: number;
  /** JSON text: who and why for access, erasure and export entries; '{}' for records. */
  detail: string;
  record_ids: string[];
  /** Nanoseconds as `seconds.nnnnnnnnn` text (DateTime64(9)). */
  record_times: string[];
  meta_digests: string[];
  content_digests: string[];
  hash: string;
}

/** A signature over a chain's head: everything up to `seq` is signed by it. */
export interface SignedHead {
  chain: string;
  seq: number;
  hash: string;
  signed_at: string;
  key_id: string;
  algorithm: string;
  signature: string;
}
