import type { PublicSigningKey, SignatureAlgorithm } from '../keys/signing';
import { verifySignature } from '../keys/signing';
import type { EntryKind } from '../model/ledger';
import type { Store } from '../store/client';
import { entryHash, headMessage, millisText } from './entry';
import {
  COMMITTED_TABLES,
  comparisonParams,
  comparisonSql,
  duplicatesSql,
  merkleRootSql,
  type EntryTrust,
  type Retention,
  type Scope,
} from './verify-sql';

/**
 * `ai-audit verify` (docs/architecture.md, "Ledger"): the chains are whole (every entry's
 * hash, its link to the one before, its Merkle root over its leaves) and covered by valid
 * signatures of their heads, and every committed row is in the store as committed, or its
 * change is explained by retention, an erasure or a dead letter that the same chains commit.
 * Only entries covered by a valid signature commit or explain anything; anything else is a
 * problem, named by record and entry.
 */

export type RowStatus =
  | 'verified'
  | 'pending'
  | 'content_expired'
  | 'expired'
  | 'erased'
  | 'dead_lettered'
  | 'altered'
  | 'missing'
  | 'uncommitted';

const UNEXPLAINED: readonly RowStatus[] = ['altered', 'missing', 'uncommitted'];

export type ProblemKind =
  | 'entry_hash'
  | 'entry_root'
  | 'entry_malformed'
  | 'chain_break'
  | 'fork'
  | 'bad_signature'
  | 'unsigned'
  | 'future_entry'
  | 'chain_gone'
  | 'digest_file'
  | 'duplicated'
  | 'too_many_untrusted'
  | RowStatus;

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
  /** Entries after the last signature, made within the grace period: not a problem yet. */
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

export interface EntryRow {
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
  /** Whether every leaf array has `size` elements (else the entry is malformed). */
  whole: number;
}

export interface SignatureRow {
  chain: string;
  seq: number;
  hash: string;
  signed_at: string;
  key_id: string;
  algorithm: SignatureAlgorithm;
  signature: string;
}

/** How far ahead of this machine's clock an entry may be dated (clocks differ a little). */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Untrusted entries the row comparison takes as a parameter at most (it travels in the URL to a server). */
const MAX_UNTRUSTED = 2_000;

export async function verifyLedger(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const problems: Problem[] = [];
  const { entries, signatures } = await readLedger(options.store, options.database);
  const { chains, trust } = checkChains(entries, signatures, options, problems);
  if (options.digests) checkDigestFiles(options.digests, entries, options.publicKeys, problems);

  let rows = { counts: {}, problems: [], explained: [] } as Awaited<ReturnType<typeof compareRows>>;
  if (trust.excluded.length + trust.pending.length > MAX_UNTRUSTED) {
    problems.push({
      kind: 'too_many_untrusted',
      detail: `${trust.excluded.length + trust.pending.length} entries are not trusted; rows were not compared (fix the chains first)`,
    });
  } else {
    rows = await compareRows(options, trust);
    if (options.flush && rows.problems.length > 0) {
      // Rows and their entry are inserted one after the other: a batch landing during the
      // comparison can look uncommitted. What a running collector holds is stored, and the
      // rows compared again.
      await options.flush();
      rows = await compareRows(options, trust);
    }
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

/** Every entry's header with the root its stored leaves give, and every signature. */
export async function readLedger(
  store: Pick<Store, 'queryRows'>,
  database: string,
): Promise<{ entries: EntryRow[]; signatures: SignatureRow[] }> {
  const settings = { output_format_json_quote_64bit_integers: 0 } as const;
  const whole =
    'length(record_ids) = size AND length(record_times) = size AND length(meta_digests) = size AND length(content_digests) = size';
  const entries = await store.queryRows<EntryRow>(
    `SELECT chain, seq, kind, toUnixTimestamp64Milli(at) AS at_ms, tenant_id, prev_hash, hash, root, size, detail,
            ${whole} AS whole, if(whole, ${merkleRootSql()}, '') AS computed_root
     FROM ${database}.ledger
     ORDER BY chain, seq, hash`,
    undefined,
    settings,
  );
  const signatures = await store.queryRows<SignatureRow>(
    `SELECT chain, seq, hash, toString(signed_at) AS signed_at, key_id, algorithm, signature FROM ${database}.ledger_signatures ORDER BY chain, seq`,
    undefined,
    settings,
  );
  return { entries, signatures };
}

/**
 * The chains checked: each entry's own hash and root, its link to the entry before, and
 * which entries valid signatures cover (a signature over a head covers every entry linked
 * below it). Entries not covered are excluded from the comparison, except recent ones at the
 * tail, which are pending.
 */
export function checkChains(
  entries: readonly EntryRow[],
  signatures: readonly SignatureRow[],
  options: Pick<VerifyOptions, 'publicKeys' | 'unsignedGraceMs'>,
  problems: Problem[],
): { chains: ChainReport[]; trust: EntryTrust; covered: Set<string> } {
  const byChain = new Map<string, EntryRow[]>();
  for (const entry of entries) byChain.set(entry.chain, [...(byChain.get(entry.chain) ?? []), entry]);
  const reports: ChainReport[] = [];
  const trust: EntryTrust = { excluded: [], pending: [] };
  const covered = new Set<string>();
  const now = Date.now();
  for (const [chain, rows] of byChain) {
    // One sound entry per seq: a second row under a seq (however alike) makes the seq untrusted.
    const sound = new Map<number, EntryRow>();
    const forked = new Set<number>();
    for (const entry of rows) {
      const where = { chain, seq: entry.seq };
      if (sound.has(entry.seq) || forked.has(entry.seq)) {
        problems.push({ kind: 'fork', ...where, detail: 'more than one entry with this sequence number' });
        forked.add(entry.seq);
        sound.delete(entry.seq);
        continue;
      }
      if (!checkEntry(entry, problems)) {
        forked.add(entry.seq);
        continue;
      }
      if (entry.at_ms > now + CLOCK_SKEW_MS)
        problems.push({
          kind: 'future_entry',
          ...where,
          detail: `dated ${new Date(entry.at_ms).toISOString()}, in the future`,
        });
      sound.set(entry.seq, entry);
    }
    const seqs = [...new Set(rows.map((entry) => entry.seq))].sort((a, b) => a - b);
    const last = seqs[seqs.length - 1];
    for (let seq = 1, i = 0; i < seqs.length; seq++) {
      if (seqs[i] === seq) i++;
      else {
        problems.push({
          kind: 'chain_break',
          chain,
          seq: seqs[i],
          detail: `entries ${seq}..${seqs[i] - 1} are missing`,
        });
        seq = seqs[i] - 1;
      }
    }
    const linked = (entry: EntryRow): boolean =>
      entry.seq === 1 ? entry.prev_hash === '' : sound.get(entry.seq - 1)?.hash === entry.prev_hash;
    for (const entry of sound.values())
      if (!linked(entry) && sound.has(entry.seq - 1))
        problems.push({
          kind: 'chain_break',
          chain,
          seq: entry.seq,
          detail: 'prev_hash is not the hash of the entry before',
        });

    // Coverage, from the highest valid signature down along intact links.
    let signedThrough = 0;
    for (const signature of signatures.filter((s) => s.chain === chain).sort((a, b) => b.seq - a.seq)) {
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
      let entry = sound.get(signature.seq);
      if (entry?.hash !== signature.hash) {
        problems.push({
          kind: 'bad_signature',
          ...where,
          detail: 'a valid signature over a head the chain does not have',
        });
        continue;
      }
      signedThrough = Math.max(signedThrough, signature.seq);
      while (entry && !covered.has(`${chain}/${entry.seq}`)) {
        covered.add(`${chain}/${entry.seq}`);
        entry = linked(entry) ? sound.get(entry.seq - 1) : undefined;
      }
    }

    let awaiting = 0;
    const stale: number[] = [];
    for (const seq of seqs) {
      const key = `${chain}/${seq}`;
      if (covered.has(key)) continue;
      const entry = sound.get(seq);
      // The tail after the last signature may wait for it, if recent and well formed.
      const recent =
        entry &&
        seq > signedThrough &&
        entry.at_ms >= now - options.unsignedGraceMs &&
        entry.at_ms <= now + CLOCK_SKEW_MS;
      if (recent) {
        trust.pending.push(key);
        awaiting++;
        continue;
      }
      trust.excluded.push(key);
      if (entry && seq > signedThrough) stale.push(seq);
    }
    if (stale.length > 0)
      problems.push({
        kind: 'unsigned',
        chain,
        seq: stale[0],
        detail: `${stale.length} entries from seq ${stale[0]} carry no valid signature and are older than the signing interval`,
      });
    reports.push({
      chain,
      entries: sound.size,
      last_seq: last,
      signed_through: signedThrough,
      awaiting_signature: awaiting,
    });
  }
  const gone = [...new Set(signatures.map((s) => s.chain))].filter((chain) => !byChain.has(chain));
  for (const chain of gone)
    problems.push({ kind: 'chain_gone', chain, detail: 'signatures of a chain whose entries are all gone' });
  return { chains: reports, trust, covered };
}

/** An entry's own checks: its leaf arrays, its root, its hash. */
function checkEntry(entry: EntryRow, problems: Problem[]): boolean {
  const where = { chain: entry.chain, seq: entry.seq };
  if (!entry.whole) {
    problems.push({ kind: 'entry_malformed', ...where, detail: 'its leaf arrays do not all hold `size` leaves' });
    return false;
  }
  if (entry.computed_root !== entry.root) {
    problems.push({ kind: 'entry_root', ...where, detail: 'the leaves stored with the entry do not give its root' });
    return false;
  }
  const computed = entryHash({
    ...entry,
    at: millisText(entry.at_ms),
    record_ids: [],
    record_times: [],
    meta_digests: [],
    content_digests: [],
  });
  if (computed !== entry.hash) {
    problems.push({ kind: 'entry_hash', ...where, detail: 'the entry does not hash to its recorded hash' });
    return false;
  }
  return true;
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
  trust: EntryTrust,
): Promise<{ counts: VerifyReport['rows']; problems: Problem[]; explained: Explained[] }> {
  const counts: VerifyReport['rows'] = {};
  const problems: Problem[] = [];
  const explained: Explained[] = [];
  const sample = options.sample ?? 20;
  // Explicit: a server profile with join_use_nulls would turn the missing side into NULLs.
  const settings = { output_format_json_quote_64bit_integers: 0, join_use_nulls: 0 } as const;
  for (const spec of COMMITTED_TABLES) {
    const rows = await options.store.queryRows<ComparisonRow>(
      comparisonSql(options.database, spec, options.retention, options.scope, sample),
      comparisonParams(options.scope, trust),
      settings,
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
    const duplicates = await options.store.queryRows<{ id: string; n: number }>(
      duplicatesSql(options.database, spec, options.scope, sample),
      comparisonParams(options.scope, trust),
      settings,
    );
    for (const { id, n } of duplicates)
      problems.push({
        kind: 'duplicated',
        table: spec.table,
        id,
        detail: `stored ${n} times (counted ${n} times in every sum)`,
      });
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
      return `the ${table} row was never committed by a signed ledger entry`;
  }
}

function describeExplained(status: RowStatus, changes: [number, string, string][]): string {
  switch (status) {
    case 'pending':
      return 'committed by an entry still waiting for its signature (within the signing interval)';
    case 'content_expired':
      return 'sealed content cleared by the content retention';
    case 'expired':
      return 'removed by the records retention';
    case 'dead_lettered':
      return 'refused by the store and kept in dead_letters';
    default: {
      const [seq, at, detail] = changes[changes.length - 1] ?? [0, '', '{}'];
      const { reason, actor, request } = parseDetail(detail);
      return `erased on ${at} (ledger entry ${seq}${request ? `, request ${request}` : ''}) by ${actor ?? 'unknown'}: ${reason ?? ''}`;
    }
  }
}

/** An entry's detail as the fields a report names; text that is not such an object gives none. */
function parseDetail(detail: string): { reason?: string; actor?: string; request?: string } {
  try {
    const parsed = JSON.parse(detail) as Record<string, unknown>;
    const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
    return { reason: text(parsed?.reason), actor: text(parsed?.actor), request: text(parsed?.request) };
  } catch {
    return {};
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
