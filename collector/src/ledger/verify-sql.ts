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

/** Parameters the comparison binds: tenant and time range. */
export function scopeParams(scope: Scope): Record<string, unknown> {
  return {
    tenant: scope.tenant ?? '',
    from: scope.fromMs === undefined ? 0 : scope.fromMs / 1000,
    to: scope.toMs === undefined ? 4102444800 : scope.toMs / 1000,
  };
}

/**
 * Every row of `spec.table` and every leaf committing one, side by side, each given a
 * status: verified; explained (content_expired, expired, erased, dead_lettered); or not
 * (altered, missing, uncommitted). One row per status with its count and a sample of ids.
 */
export function comparisonSql(database: string, spec: CommittedTable, retention: Retention, sample: number): string {
  const scopeLedger = `(({tenant:String} = '' OR tenant_id = {tenant:String}) AND t >= toDateTime64({from:Float64}, 9) AND t < toDateTime64({to:Float64}, 9))`;
  const scopeStored = `(({tenant:String} = '' OR tenant_id = {tenant:String}) AND ${spec.time} >= toDateTime64({from:Float64}, 9) AND ${spec.time} < toDateTime64({to:Float64}, 9))`;
  const governed = spec.governed
    ? {
        changes: `LEFT JOIN (
    SELECT rid AS cid, groupArray(m) AS change_metas, groupArray(tuple(seq, toString(at), detail)) AS change_entries
    FROM ${database}.ledger ARRAY JOIN record_ids AS rid, meta_digests AS m
    WHERE kind = 'erasure' GROUP BY rid
  ) AS changes ON changes.cid = j.id`,
        deadLetters: `(SELECT toUUIDOrZero(JSONExtractString(row, 'record_id')) FROM ${database}.dead_letters WHERE target = 'records')`,
      }
    : undefined;
  const statuses = [
    `in_ledger AND in_store AND has(commits, (sm, sc)), 'verified'`,
    ...(governed
      ? [
          `in_ledger AND in_store AND has(arrayMap(x -> x.1, commits), sm) AND sc = '${EMPTY_CONTENT}' AND ${ttlExpression(retention.contentMs, 'st')} <= now(), 'content_expired'`,
          `in_store AND has(change_metas, sm) AND sc = '${EMPTY_CONTENT}', 'erased'`,
          `NOT in_store AND has(change_metas, ''), 'erased'`,
          `NOT in_store AND ${ttlExpression(retention.recordsMs, 'lt')} <= now(), 'expired'`,
          `NOT in_store AND id IN ${governed.deadLetters}, 'dead_lettered'`,
        ]
      : []),
    `in_ledger AND in_store, 'altered'`,
    `in_ledger, 'missing'`,
  ];
  return `
SELECT status, count() AS n,
       groupArray(${sample})(tuple(toString(id), chain, seq, tenant, toString(if(in_store, st, lt)), ${governed ? 'change_entries' : 'CAST([] AS Array(Tuple(UInt64, String, String)))'})) AS examples
FROM (
  SELECT j.*, ${governed ? 'change_metas, change_entries, ' : ''}
    multiIf(${statuses.join(',\n      ')},
      'uncommitted') AS status
  FROM (
    SELECT
      if(committed.in_ledger = 1, committed.id, stored.id) AS id,
      committed.chain AS chain, committed.seq AS seq, committed.lt AS lt, committed.commits AS commits,
      stored.st AS st, stored.sm AS sm, stored.sc AS sc,
      if(committed.in_ledger = 1, committed.tenant, stored.tenant) AS tenant,
      committed.in_ledger = 1 AS in_ledger, stored.in_store = 1 AS in_store
    FROM (
      SELECT rid AS id, any(t) AS lt, any(tenant_id) AS tenant, groupUniqArray((m, c)) AS commits,
             any(chain) AS chain, min(seq) AS seq, 1 AS in_ledger
      FROM ${database}.ledger ARRAY JOIN record_ids AS rid, record_times AS t, meta_digests AS m, content_digests AS c
      WHERE kind = '${spec.kind}' AND ${scopeLedger}
      GROUP BY rid
    ) AS committed
    FULL OUTER JOIN (
      SELECT ${spec.id} AS id, toDateTime64(${spec.time}, 9) AS st, tenant_id AS tenant, ${spec.meta} AS sm, ${spec.content} AS sc, 1 AS in_store
      FROM ${database}.${spec.table}
      WHERE ${scopeStored}
    ) AS stored ON committed.id = stored.id
  ) AS j
  ${governed ? governed.changes : ''}
)
GROUP BY status`;
}
