/**
 * Wrapped data keys as they travel with the records they seal (in the same write-ahead log
 * entry) and as they are stored.
 */

/** A row of `<database>.data_keys` (ReplacingMergeTree: the highest `version` wins). */
export interface DataKeyRow {
  key_id: string;
  tenant_id: string;
  subject: string;
  provider: string;
  kek_version: string;
  /** base64 of the provider's ciphertext. */
  wrapped: string;
  created_at: string;
  retired_at: string | null;
  seals: number;
  version: number;
}
