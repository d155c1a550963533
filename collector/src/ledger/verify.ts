import type { PublicSigningKey, SignatureAlgorithm } from '../keys/signing';
import { verifySignature } from '../keys/signing';
import type { EntryKind } from '../model/ledger';
import type { Store } from '../store/client';
import { entryHash, headMessage, millisText } from './entry';
import { COMMITTED_TABLES, comparisonSql, merkleRootSql, scopeParams, type Retention, type Scope } from './verify-sql';

/**
 * `ai-audit verify` (docs/architecture.md, "Ledger"): the chains are whole (every entry's
 * hash, its link to the one before, its Merkle root over its leaves), their heads carry
 * valid signatures, and every committed row is in the store as committed, or its change is
 * explained by retention, an erasure, or the dead-letter table. Anything else is a problem,
 * named by record and entry.
 */

export type RowStatus =
  'verified' | 'content_expired' | 'expired' | 'erased' | 'dead_lettered' | 'altered' | 'missing' | 'uncommitted';

const UNEXPLAINED: readonly RowStatus[] = ['altered', 'missing', 'uncommitted'];

export type ProblemKind =
  'entry_hash' | 'entry_root' | 'chain_break' | 'fork' | 'bad_signature' | 'unsigned' | 'digest_file' | RowStatus;

export interface Problem {
  kind: ProblemKind;
  chain?: string;
  seq?: number;
  table?: string;
  id?: string;
  tenant?: string;
  time?: string;
  detail: string;
}

export interface Explained {
  status: RowStatus;
  table: string;
  id: string;
  detail: string;
}

export interface ChainReport {
  chain: string;
  entries: number;
  last_seq: number;
  signed_through: number;
  /** Entries after the last signature made within the grace period: not a problem yet. */
  awaiting_signature: number;
}

export interface VerifyReport {
  ok: boolean;
  scope: { tenant?: string; from?: string; to?: string };
  chains: ChainReport[];
  rows: Record<string, Partial<Record<RowStatus, number>>>;
  problems: Problem[];
  explained: Explained[];
  seconds: number;
}

export interface DigestFile {
  name: string;
  text: string;
}

export interface VerifyOptions {
  store: Pick<Store, 'queryRows'>;
  database: string;
  publicKeys: readonly PublicSigningKey[];
  retention: Retention;
  /** Entries younger than this may still wait for their signature. */
  unsignedGraceMs: number;
  scope: Scope;
  /** How many rows of each status to name (default 20). */
  sample?: number;
  /** Digest files (ledger.digest_directory) to check the ledger against: name and text. */
  digests?: readonly DigestFile[];
  /** Stores what a running collector holds, before a second look at rows that differ. */
  flush?: () => Promise<void>;
}

interface EntryRow {
  chain: string;
  seq: number;
  kind: EntryKind;
  at_ms: number;
  tenant_id: string;
  prev_hash: string;
  hash: string;
  root: string;
  size: number;
  detail: string;
  computed_root: string;
}

interface SignatureRow {
  chain: string;
  seq: number;
  hash: string;
  key_id: string;
  algorithm: SignatureAlgorithm;
  signature: string;
}

export async function verifyLedger(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const problems: Problem[] = [];
  const entries = await readEntries(options);
  const signatures = await options.store.queryRows<SignatureRow>(
    `SELECT chain, seq, hash, key_id, algorithm, signature FROM ${options.database}.ledger_signatures ORDER BY chain, seq`,
    undefined,
    { output_format_json_quote_64bit_integers: 0 },
  );
  const chains = checkChains(entries, signatures, options, problems);
  if (options.digests) checkDigestFiles(options.digests, entries, options.publicKeys, problems);

  let rows = await compareRows(options);
  if (options.flush && rows.problems.length > 0) {
    // Rows and their entry are inserted one after the other: a batch landing during the
    // comparison can look uncommitted. What a running collector holds is stored, and the
    // rows compared again.
    await options.flush();
    rows = await compareRows(options);
  }
  problems.push(...rows.problems);
  const { tenant, fromMs, toMs } = options.scope;
  return {
    ok: problems.length === 0,
    scope: {
      ...(tenant === undefined ? {} : { tenant }),
      ...(fromMs === undefined ? {} : { from: new Date(fromMs).toISOString() }),
      ...(toMs === undefined ? {} : { to: new Date(toMs).toISOString() }),
    },
    chains,
    rows: rows.counts,
    problems,
    explained: rows.explained,
    seconds: (Date.now() - started) / 1000,
  };
}

async function readEntries(options: VerifyOptions): Promise<EntryRow[]> {
  const { database, store } = options;
  return store.queryRows<EntryRow>(
    `SELECT chain, seq, kind, toUnixTimestamp64Milli(at) AS at_ms, tenant_id, prev_hash, hash, root, size, detail,
            ${merkleRootSql()} AS computed_root
     FROM ${database}.ledger
     ORDER BY chain, seq`,
    undefined,
    { output_format_json_quote_64bit_integers: 0 },
  );
}

function checkChains(
  entries: readonly EntryRow[],
  signatures: readonly SignatureRow[],
  options: VerifyOptions,
  problems: Problem[],
): ChainReport[] {
  const byChain = new Map<string, EntryRow[]>();
  for (const entry of entries) byChain.set(entry.chain, [...(byChain.get(entry.chain) ?? []), entry]);
  const reports: ChainReport[] = [];
  for (const [chain, rows] of byChain) {
    const hashes = new Map<number, string>();
    let previous: EntryRow | undefined;
    for (const entry of rows) {
      const where = { chain, seq: entry.seq };
      if (previous && previous.seq === entry.seq) {
        if (previous.hash !== entry.hash)
          problems.push({ kind: 'fork', ...where, detail: 'two different entries with the same sequence number' });
        continue;
      }
      const expectedSeq = previous ? previous.seq + 1 : 1;
      if (entry.seq !== expectedSeq)
        problems.push({
          kind: 'chain_break',
          ...where,
          detail: `entries ${expectedSeq}..${entry.seq - 1} are missing`,
        });
      else if (entry.prev_hash !== (previous?.hash ?? ''))
        problems.push({ kind: 'chain_break', ...where, detail: 'prev_hash is not the hash of the entry before' });
      if (entry.computed_root !== entry.root)
        problems.push({
          kind: 'entry_root',
          ...where,
          detail: 'the leaves stored with the entry do not give its root',
        });
      const computed = entryHash({
        ...entry,
        at: millisText(entry.at_ms),
        record_ids: [],
        record_times: [],
        meta_digests: [],
        content_digests: [],
      });
      if (computed !== entry.hash)
        problems.push({ kind: 'entry_hash', ...where, detail: 'the entry does not hash to its recorded hash' });
      hashes.set(entry.seq, entry.hash);
      previous = entry;
    }
    let signedThrough = 0;
    for (const signature of signatures.filter((s) => s.chain === chain)) {
      const where = { chain, seq: signature.seq };
      if (!verifySignature(options.publicKeys, headMessage(chain, signature.seq, signature.hash), signature)) {
        problems.push({
          kind: 'bad_signature',
          ...where,
          detail: options.publicKeys.some((k) => k.key_id === signature.key_id)
            ? `the signature by ${signature.key_id} does not verify`
            : `signed by ${signature.key_id}, which is not a trusted key`,
        });
        continue;
      }
      if (hashes.get(signature.seq) !== signature.hash) {
        problems.push({
          kind: 'bad_signature',
          ...where,
          detail: 'a valid signature over a head the chain does not have',
        });
        continue;
      }
      signedThrough = Math.max(signedThrough, signature.seq);
    }
    const last = previous as EntryRow;
    const unsigned = rows.filter((entry) => entry.seq > signedThrough);
    const stale = unsigned.filter((entry) => entry.at_ms < Date.now() - options.unsignedGraceMs);
    if (stale.length > 0)
      problems.push({
        kind: 'unsigned',
        chain,
        seq: stale[0].seq,
        detail: `${stale.length} entries from seq ${stale[0].seq} are older than the signing interval and carry no valid signature`,
      });
    reports.push({
      chain,
      entries: hashes.size,
      last_seq: last.seq,
      signed_through: signedThrough,
      awaiting_signature: unsigned.length - stale.length,
    });
  }
  return reports;
}

interface ComparisonRow {
  status: RowStatus;
  n: number;
  examples: [
    id: string,
    chain: string,
    seq: number,
    tenant: string,
    time: string,
    changes: [number, string, string][],
  ][];
}

async function compareRows(
  options: VerifyOptions,
): Promise<{ counts: VerifyReport['rows']; problems: Problem[]; explained: Explained[] }> {
  const counts: VerifyReport['rows'] = {};
  const problems: Problem[] = [];
  const explained: Explained[] = [];
  for (const spec of COMMITTED_TABLES) {
    const rows = await options.store.queryRows<ComparisonRow>(
      comparisonSql(options.database, spec, options.retention, options.sample ?? 20),
      scopeParams(options.scope),
      { output_format_json_quote_64bit_integers: 0 },
    );
    counts[spec.table] = Object.fromEntries(rows.map((row) => [row.status, row.n]));
    for (const row of rows) {
      for (const [id, chain, seq, tenant, time, changes] of row.examples) {
        if (UNEXPLAINED.includes(row.status)) {
          problems.push({
            kind: row.status,
            table: spec.table,
            id,
            tenant,
            time,
            ...(row.status === 'uncommitted' ? {} : { chain, seq }),
            detail: describeProblem(row.status, spec.table),
          });
        } else if (row.status !== 'verified') {
          explained.push({ status: row.status, table: spec.table, id, detail: describeExplained(row.status, changes) });
        }
      }
      if (UNEXPLAINED.includes(row.status) && row.n > row.examples.length)
        problems.push({
          kind: row.status,
          table: spec.table,
          detail: `and ${row.n - row.examples.length} more rows ${row.status}`,
        });
    }
  }
  return { counts, problems, explained };
}

function describeProblem(status: RowStatus, table: string): string {
  switch (status) {
    case 'altered':
      return `the ${table} row differs from what was committed, and no retention or erasure explains it`;
    case 'missing':
      return `a committed ${table} row is gone, and no retention, erasure or dead letter explains it`;
    default:
      return `the ${table} row was never committed to the ledger`;
  }
}

function describeExplained(status: RowStatus, changes: [number, string, string][]): string {
  switch (status) {
    case 'content_expired':
      return 'sealed content cleared by the content retention';
    case 'expired':
      return 'removed by the records retention';
    case 'dead_lettered':
      return 'refused by the store and kept in dead_letters';
    default: {
      const [seq, at, detail] = changes[changes.length - 1] ?? [0, '', '{}'];
      const { reason, actor, request } = JSON.parse(detail) as { reason?: string; actor?: string; request?: string };
      return `erased on ${at} (ledger entry ${seq}${request ? `, request ${request}` : ''}) by ${actor ?? 'unknown'}: ${reason ?? ''}`;
    }
  }
}

/** Each digest file's signature, and that the ledger still has the head it names. */
function checkDigestFiles(
  files: readonly DigestFile[],
  entries: readonly EntryRow[],
  keys: readonly PublicSigningKey[],
  problems: Problem[],
): void {
  const heads = new Map(entries.map((entry) => [`${entry.chain}/${entry.seq}`, entry.hash]));
  for (const file of files) {
    let digest: SignatureRow;
    try {
      digest = JSON.parse(file.text) as SignatureRow;
      if (typeof digest.chain !== 'string' || typeof digest.seq !== 'number') throw new Error('not a digest');
    } catch {
      problems.push({ kind: 'digest_file', detail: `${file.name} is not a digest file` });
      continue;
    }
    const where = { chain: digest.chain, seq: digest.seq };
    if (!verifySignature(keys, headMessage(digest.chain, digest.seq, digest.hash), digest))
      problems.push({ kind: 'digest_file', ...where, detail: `${file.name}: the signature does not verify` });
    else if (heads.get(`${digest.chain}/${digest.seq}`) !== digest.hash)
      problems.push({
        kind: 'digest_file',
        ...where,
        detail: `${file.name}: the ledger has no entry ${digest.seq} with the signed hash (entries removed or replaced)`,
      });
  }
}
