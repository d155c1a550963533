import { ttlExpression } from '../store/retention';
import { ACCESS_META_SQL, EMPTY_CONTENT, leafSql, RECORD_CONTENT_SQL, RECORD_META_SQL } from './leaf';

/**
 * The verifier's queries (docs/architecture.md, "Ledger"): the engine recomputes every
 * digest, leaf and Merkle root itself, so verifying reads each row once at the engine's
 * speed and only counts, problems and entry headers come back.
 */

/**
 * An entry's Merkle root from its stored leaves, as one expression over its columns
 * (ledger/merkle.ts builds the same tree). Leaves are folded into a stack of complete subtree
 * roots, as CT logs append: after the k-th leaf the top two are merged as many times as k has
 * trailing zero bits; the stack is then folded from the top down. Hashes stay FixedString(32)
 * throughout: as String a hash ending in a zero byte would lose it. One expression, each
 * input used once, because the engine pastes an alias in wherever it is used: a level-by-level
 * build, each level using the one below four times, grows as 4^levels.
 */
export function merkleRootSql(): string {
  const leaves = `arrayMap((id, t, m, c) -> ${leafSql('id', 't', 'm', 'c')}, record_ids, record_times, meta_digests, content_digests)`;
  const merge = `arrayPushBack(arraySlice(s, 1, length(s) - 2), SHA256(concat('\\x01', s[-2], s[-1])))`;
  const stack = `arrayFold((acc, leaf, k) -> arrayFold((s, j) -> ${merge}, range(toUInt64(bitCount(bitXor(k, k - 1)) - 1)), arrayPushBack(acc, leaf)), ${leaves}, range(1, toUInt64(length(record_ids)) + 1), CAST([], 'Array(FixedString(32))'))`;
  const none = "toFixedString('', 32)";
  return `if(length(record_ids) = 0, lower(hex(SHA256(''))), lower(hex(arrayFold((h, x) -> if(h = ${none}, x, SHA256(concat('\\x01', x, h))), arrayReverse(${stack}), ${none}))))`;
}

/** A table whose rows the ledger commits, and how its rows are digested and explained. */
export interface CommittedTable {
  table: 'records' | 'access_log';
  kind: 'records' | 'access';
  id: string;
  time: string;
  meta: string;
  content: string;
  /** Rows that retention and erasure may change or remove. */
  governed: boolean;
}

export const COMMITTED_TABLES: readonly CommittedTable[] = [
  {
    table: 'records',
    kind: 'records',
    id: 'record_id',
    time: 'timestamp',
    meta: RECORD_META_SQL,
    content: RECORD_CONTENT_SQL,
    governed: true,
  },
  {
    table: 'access_log',
    kind: 'access',
    id: 'entry_id',
    time: 'at',
    meta: ACCESS_META_SQL,
    content: `'${EMPTY_CONTENT}'`,
    governed: false,
  },
];

export interface Scope {
  tenant?: string;
  /** Milliseconds since the epoch. */
  fromMs?: number;
  toMs?: number;
}

export interface Retention {
  recordsMs: number;
  contentMs: number;
}

/** Which entries the comparison may take leaves from (ledger/verify.ts decides). */
export interface EntryTrust {
  /** `chain/seq` of entries that failed a check or carry no valid signature past the grace. */
  excluded: string[];
  /** `chain/seq` of recent entries still waiting for their signature. */
  pending: string[];
}

/** The comparison's parameters: the scope's values and the entries it must not trust. */
export function comparisonParams(scope: Scope, trust: EntryTrust): Record<string, unknown> {
  return {
    tenant: scope.tenant ?? '',
    from: (scope.fromMs ?? 0) / 1000,
    to: (scope.toMs ?? 0) / 1000,
    excluded: trust.excluded,
    pending: trust.pending,
  };
}

/** A scope's conditions on a time column and a tenant column: none for what was not asked. */
function scopeCondition(scope: Scope, time: string): string {
  const conditions = ['1'];
  if (scope.tenant !== undefined) conditions.push('tenant_id = {tenant:String}');
  if (scope.fromMs !== undefined) conditions.push(`${time} >= toDateTime64({from:Float64}, 9)`);
  if (scope.toMs !== undefined) conditions.push(`${time} < toDateTime64({to:Float64}, 9)`);
  return conditions.join(' AND ');
}

const ENTRY_KEY = "concat(chain, '/', toString(seq))";
/** Leaves of entries the verifier trusts or waits on, never of an excluded one. */
const USABLE = `NOT has({excluded:Array(String)}, ${ENTRY_KEY})`;
const PENDING = `has({pending:Array(String)}, ${ENTRY_KEY})`;
/** What an erasure leaf binds of the row before it: its two digests. */
const PRIOR = "lower(hex(SHA256(concat(x.1, ' ', x.2))))";

/**
 * Every row of `spec.table` and every leaf committing one, side by side, each given a
 * status: verified or pending (committed by an entry still within its signing grace);
 * explained (content_expired, expired, erased, dead_lettered); or not (altered, missing,
 * uncommitted). One row per status with its count and a sample of ids. Only entries the
 * verifier trusts count: a leaf of an excluded entry commits nothing and explains nothing.
 */
export function comparisonSql(
  database: string,
  spec: CommittedTable,
  retention: Retention,
  scope: Scope,
  sample: number,
): string {
  const trustedKind = (kind: string): string => `kind = '${kind}' AND ${USABLE} AND NOT ${PENDING}`;
  const governed = spec.governed
    ? {
        changes: `LEFT JOIN (
    SELECT rid AS cid, groupArray((m, prior)) AS changes, groupArray(tuple(seq, toString(at), detail)) AS change_entries
    FROM ${database}.ledger ARRAY JOIN record_ids AS rid, meta_digests AS m, content_digests AS prior
    WHERE ${trustedKind('erasure')} GROUP BY rid
  ) AS erasures ON erasures.cid = j.id
  LEFT JOIN (
    SELECT DISTINCT rid AS did, 1 AS dead FROM ${database}.ledger ARRAY JOIN record_ids AS rid WHERE ${trustedKind('dead_letter')}
  ) AS dead_letters ON dead_letters.did = j.id`,
      }
    : undefined;
  // An erasure explains a row only if the row it started from was committed: it names the
  // digests it leaves and, in place of a content digest, those of the row before it.
  const erasedFrom = `arrayExists(ch -> ch.1 = %META% AND has(arrayMap(x -> ${PRIOR}, commits), ch.2), changes)`;
  const statuses = [
    `in_ledger AND in_store AND has(commits, (sm, sc)), 'verified'`,
    `in_store AND has(pending_commits, (sm, sc)), 'pending'`,
    ...(governed
      ? [
          `in_ledger AND in_store AND has(arrayMap(x -> x.1, commits), sm) AND sc = '${EMPTY_CONTENT}' AND ${ttlExpression(retention.contentMs, 'st')} <= now(), 'content_expired'`,
          `in_store AND sc = '${EMPTY_CONTENT}' AND ${erasedFrom.replace('%META%', 'sm')}, 'erased'`,
          `NOT in_store AND ${erasedFrom.replace('%META%', "''")}, 'erased'`,
          `NOT in_store AND in_ledger AND ${ttlExpression(retention.recordsMs, 'lt')} <= now(), 'expired'`,
          `NOT in_store AND in_ledger AND dead = 1, 'dead_lettered'`,
        ]
      : []),
    `NOT in_store AND NOT in_ledger AND notEmpty(pending_commits), 'pending'`,
    `in_ledger AND in_store, 'altered'`,
    `in_ledger, 'missing'`,
  ];
  return `
SELECT status, count() AS n,
       groupArray(${sample})(tuple(toString(id), chain, seq, tenant, toString(if(in_store, st, lt)), ${governed ? 'change_entries' : 'CAST([] AS Array(Tuple(UInt64, String, String)))'})) AS examples
FROM (
  SELECT j.*, ${governed ? 'changes, change_entries, dead, ' : ''}
    multiIf(${statuses.join(',\n      ')},
      'uncommitted') AS status
  FROM (
    SELECT
      if(committed.in_ledger = 1, committed.id, stored.id) AS id,
      committed.first_chain AS chain, committed.first_seq AS seq, committed.lt AS lt,
      committed.commits AS commits, committed.pending_commits AS pending_commits,
      stored.st AS st, stored.sm AS sm, stored.sc AS sc,
      if(committed.in_ledger = 1, committed.tenant, stored.tenant) AS tenant,
      notEmpty(committed.commits) AS in_ledger, stored.in_store = 1 AS in_store
    FROM (
      SELECT rid AS id, any(t) AS lt, any(tenant_id) AS tenant,
             groupUniqArrayIf((m, c), NOT ${PENDING}) AS commits, groupUniqArrayIf((m, c), ${PENDING}) AS pending_commits,
             any(chain) AS first_chain, min(seq) AS first_seq, 1 AS in_ledger
      FROM ${database}.ledger ARRAY JOIN record_ids AS rid, record_times AS t, meta_digests AS m, content_digests AS c
      WHERE kind = '${spec.kind}' AND ${USABLE} AND ${scopeCondition(scope, 't')}
      GROUP BY rid
    ) AS committed
    FULL OUTER JOIN (
      SELECT ${spec.id} AS id, toDateTime64(${spec.time}, 9) AS st, tenant_id AS tenant, ${spec.meta} AS sm, ${spec.content} AS sc, 1 AS in_store
      FROM ${database}.${spec.table}
      WHERE ${scopeCondition(scope, spec.time)}
    ) AS stored ON committed.id = stored.id
  ) AS j
  ${governed ? governed.changes : ''}
)
GROUP BY status`;
}

/** Ids stored more than once (a copied row counts twice in every sum): one row per id. */
export function duplicatesSql(database: string, spec: CommittedTable, scope: Scope, sample: number): string {
  return `SELECT toString(${spec.id}) AS id, count() AS n FROM ${database}.${spec.table}
          WHERE ${scopeCondition(scope, spec.time)} GROUP BY ${spec.id} HAVING n > 1 ORDER BY id LIMIT ${sample}`;
}
