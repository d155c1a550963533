import type { Signature } from '../keys/signing';
import type { LedgerEntry, SignedHead } from '../model/ledger';
import { verifySignature, type PublicSigningKey } from '../keys/signing';
import { entryHash, entryLeaves, headMessage, parseTimeText } from './entry';
import { leafOf } from './leaf';
import { inclusionProof, rootFromProof } from './merkle';

/**
 * An export's manifest (docs/architecture.md, "Evidence"): what was asked, the files with
 * their SHA-256, and for every exported record the ledger entry that commits it and the
 * audit path from its leaf to that entry's root. Signed with the ledger's signing key, so
 * `ai-audit verify-export` needs only the public key and the files.
 */

export const MANIFEST_FORMAT = 'ai-audit-export/1';

export type EntryHeader = Omit<LedgerEntry, 'record_ids' | 'record_times' | 'meta_digests' | 'content_digests'>;

export interface RecordProof {
  record_id: string;
  /** Index into `entries`. */
  entry: number;
  index: number;
  /** The committed time (nanoseconds) and content digest: the leaf's other fields, with the metadata digest recomputed from the row. */
  time: string;
  content: string;
  path: string[];
}

export interface ExportFile {
  name: string;
  sha256: string;
  bytes: number;
  rows: number;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  export_id: string;
  created_at: string;
  actor: string;
  host: string;
  reason: string;
  query: Record<string, unknown>;
  /** Column names and types of the records file, as ClickHouse's `file()` takes them. */
  structure: string;
  files: ExportFile[];
  rows: number;
  entries: EntryHeader[];
  proofs: RecordProof[];
  /** Exported rows no ledger entry commits as they are (altered, never committed): named, not hidden. */
  unproven: { record_id: string; reason: string }[];
  /**
   * For each chain the proofs use: a signed head, and every entry header from the first entry
   * used up to it, so the entries are shown to be in a chain the signing key vouched for.
   */
  chains: { head: SignedHead; links: EntryHeader[] }[];
}

export interface SignedManifest extends Manifest {
  signature: Signature;
}

/** The bytes a manifest's signature covers: the manifest without its signature, as compact JSON. */
export function manifestMessage(manifest: Manifest): Buffer {
  const { signature: _unsigned, ...rest } = manifest as SignedManifest;
  return Buffer.from(JSON.stringify(rest));
}

/** The proofs for `rows` (id and metadata digest as stored) from the entries that commit them. */
export function buildProofs(
  rows: readonly { id: string; meta: string }[],
  entries: readonly LedgerEntry[],
): { entries: EntryHeader[]; proofs: RecordProof[]; unproven: Manifest['unproven'] } {
  // Where each (id, metadata digest) is committed; the latest entry wins (an erasure after the records).
  const committed = new Map<string, { entry: LedgerEntry; index: number }>();
  for (const entry of [...entries].sort((a, b) => a.chain.localeCompare(b.chain) || a.seq - b.seq))
    entry.record_ids.forEach((id, index) => committed.set(`${id} ${entry.meta_digests[index]}`, { entry, index }));
  const headers: EntryHeader[] = [];
  const headerIndex = new Map<LedgerEntry, number>();
  const leaves = new Map<LedgerEntry, Buffer[]>();
  const proofs: RecordProof[] = [];
  const unproven: Manifest['unproven'] = [];
  for (const row of rows) {
    const found = committed.get(`${row.id} ${row.meta}`);
    if (!found) {
      unproven.push({
        record_id: row.id,
        reason: 'no ledger entry commits this row as it is stored (run ai-audit verify)',
      });
      continue;
    }
    const { entry, index } = found;
    let at = headerIndex.get(entry);
    if (at === undefined) {
      const { record_ids: _i, record_times: _t, meta_digests: _m, content_digests: _c, ...header } = entry;
      at = headers.push(header) - 1;
      headerIndex.set(entry, at);
      leaves.set(entry, entryLeaves(entry).map(leafOf));
    }
    proofs.push({
      record_id: row.id,
      entry: at,
      index,
      time: parseTimeText(entry.record_times[index], 9).toString(),
      content: entry.content_digests[index],
      path: inclusionProof(leaves.get(entry) as Buffer[], index).map((hash) => hash.toString('hex')),
    });
  }
  return { entries: headers, proofs, unproven };
}

/** Checks one exported row's proof: the entry's own hash, and the path from the row's leaf to its root. */
export function checkProof(manifest: Manifest, proof: RecordProof, meta: string): string | undefined {
  const entry = manifest.entries[proof.entry];
  if (!entry) return 'its proof names no entry of the manifest';
  if (headerHash(entry) !== entry.hash)
    return `ledger entry ${entry.chain}/${entry.seq} in the manifest does not hash to its recorded hash`;
  let root: Buffer;
  try {
    const leaf = leafOf({ id: proof.record_id, timeNanos: BigInt(proof.time), meta, content: proof.content });
    root = rootFromProof(
      leaf,
      proof.index,
      entry.size,
      proof.path.map((hex) => Buffer.from(hex, 'hex')),
    );
  } catch (error) {
    return `its proof is malformed (${(error as Error).message})`;
  }
  return root.toString('hex') === entry.root
    ? undefined
    : `the row is not what ledger entry ${entry.chain}/${entry.seq} committed (changed since, or edited in the file)`;
}

/** An entry header's own hash, recomputed. */
function headerHash(entry: EntryHeader): string {
  return entryHash({ ...entry, record_ids: [], record_times: [], meta_digests: [], content_digests: [] });
}

/**
 * The chains of a manifest, checked: each head's signature under `keys`, each link's hash
 * and its link to the one before, up to the head; and every entry the proofs use is a link.
 * Returns what is wrong, if anything.
 */
export function checkManifestChains(manifest: Manifest, keys: readonly PublicSigningKey[]): string[] {
  const wrong: string[] = [];
  const linked = new Set<string>();
  for (const { head, links } of manifest.chains ?? []) {
    const name = `chain ${head.chain}`;
    if (!verifySignature(keys, headMessage(head.chain, head.seq, head.hash), head)) {
      wrong.push(`${name}: the head's signature does not verify under the given public keys`);
      continue;
    }
    const sorted = [...links].sort((a, b) => a.seq - b.seq);
    const top = sorted[sorted.length - 1];
    if (!top || top.seq !== head.seq || top.hash !== head.hash)
      wrong.push(`${name}: the links do not end at the signed head`);
    sorted.forEach((link, i) => {
      if (link.chain !== head.chain || headerHash(link) !== link.hash)
        wrong.push(`${name}: entry ${link.seq} does not hash to its recorded hash`);
      else if (i > 0 && (link.seq !== sorted[i - 1].seq + 1 || link.prev_hash !== sorted[i - 1].hash))
        wrong.push(`${name}: entry ${link.seq} does not follow entry ${sorted[i - 1].seq}`);
      else linked.add(`${link.chain}/${link.seq}/${link.hash}`);
    });
  }
  manifest.entries.forEach((entry) => {
    if (!linked.has(`${entry.chain}/${entry.seq}/${entry.hash}`))
      wrong.push(`ledger entry ${entry.chain}/${entry.seq} is not in a signed chain of the manifest`);
  });
  return wrong;
}
