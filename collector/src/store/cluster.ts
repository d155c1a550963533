import { sqlString } from './sql-literal';

/**
 * Cluster mode (docs/architecture.md, "Cluster mode"): the same schema on a replicated, sharded ClickHouse
 * cluster. Every table the migrations create becomes `<table>_local` (a Replicated engine,
 * one copy per replica of each shard) behind a `Distributed` table of the original name,
 * so inserts and queries keep using the names they always use; DDL runs ON CLUSTER. Rows
 * are sharded so a tenant's user stays on one shard: their records and their data keys
 * together, so an erasure and a user's queries touch one shard.
 *
 * The migrations are written for one node; `clusterStatements` turns each statement into
 * its cluster form, and refuses a statement it has no form for (a new migration must be
 * taught here, and test/unit/cluster-migrations.test.ts renders them all).
 */

/** How a table's rows are spread over the shards; rand() where nothing joins them. */
const SHARDING_KEYS: Record<string, string> = {
  records: 'cityHash64(tenant_id, user_id)',
  data_keys: 'cityHash64(tenant_id, subject)',
};

/** What the code needs to address tables on a single node or a cluster. */
export interface StoreLayout {
  cluster: string | undefined;
  /** ` ON CLUSTER 'name'`, or '' on a single node. */
  onCluster: string;
  /** The table a table's rows are in (mutations, TTL, parts): `<table>_local` on a cluster. */
  local(table: string): string;
}

export function storeLayout(cluster: string | undefined): StoreLayout {
  return {
    cluster,
    onCluster: cluster ? ` ON CLUSTER ${sqlString(cluster)}` : '',
    local: (table) => `${table}${cluster ? '_local' : ''}`,
  };
}

/**
 * A table every replica of every shard holds whole (the migrations record, the erasure
 * subject): one Keeper path for the whole cluster, a replica name unique per node (shard and
 * replica, since some layouts number replicas per shard).
 */
export function clusterWideEngine(cluster: string, database: string, table: string): string {
  return `ReplicatedMergeTree('/clickhouse/${cluster}/${database}/${table}', '{shard}-{replica}')`;
}

const CREATE_DATABASE = /^CREATE DATABASE IF NOT EXISTS (\S+)$/;
const CREATE_TABLE =
  /^CREATE TABLE IF NOT EXISTS (\w+)\.(\w+)\s*\(([\s\S]*)\)\s*ENGINE\s*=\s*(\w+)(?:\(([^)]*)\))?([\s\S]*)$/;
const ALTER_TABLE = /^ALTER TABLE (\w+)\.(\w+) ([\s\S]+)$/;
const CREATE_VIEW = /^CREATE (VIEW IF NOT EXISTS|OR REPLACE VIEW) (\w+)\.(\w+)(\s[\s\S]*)$/;

/** The cluster form of one migration statement (one or more statements). */
export function clusterStatements(statement: string, cluster: string): string[] {
  const on = storeLayout(cluster).onCluster;
  let m = CREATE_DATABASE.exec(statement);
  if (m) return [`${statement}${on}`];
  m = CREATE_TABLE.exec(statement);
  if (m) {
    const [, database, table, columns, engine, args, rest] = m;
    const local = `${table}_local`;
    const replicated = [`'/clickhouse/tables/{shard}/${database}/${local}'`, `'{replica}'`, ...(args ? [args] : [])];
    // Replicated tables deduplicate inserts by their own window setting.
    const settings = rest.replace(/\bnon_replicated_deduplication_window\b/, 'replicated_deduplication_window');
    return [
      `CREATE TABLE IF NOT EXISTS ${database}.${local}${on} (${columns}) ENGINE = Replicated${engine}(${replicated.join(', ')})${settings}`,
      `CREATE TABLE IF NOT EXISTS ${database}.${table}${on} (${distributedColumns(columns)}) ENGINE = Distributed(${sqlString(cluster)}, ${database}, ${local}, ${SHARDING_KEYS[table] ?? 'rand()'})`,
    ];
  }
  m = ALTER_TABLE.exec(statement);
  if (m) {
    const [, database, table, change] = m;
    const onLocal = `ALTER TABLE ${database}.${table}_local${on} ${change}`;
    // The Distributed table needs the column too, without what only stored data has.
    if (/^ADD COLUMN /.test(change))
      return [onLocal, `ALTER TABLE ${database}.${table}${on} ${withoutStorageClauses(change)}`];
    // What concerns only the stored rows; any other change (a column dropped, renamed or
    // retyped) would need the Distributed table changed alike, and must be taught here first.
    if (/^(ADD PROJECTION|MATERIALIZE PROJECTION|MODIFY TTL|MODIFY SETTING) /.test(change)) return [onLocal];
  }
  m = CREATE_VIEW.exec(statement);
  if (m) return [`CREATE ${m[1]} ${m[2]}.${m[3]}${on}${m[4]}`];
  throw new Error(`no cluster form for the migration statement "${statement.slice(0, 60)}..." (store/cluster.ts)`);
}

/**
 * The column list of a Distributed table in front of a table with `columns`: the same
 * columns and defaults, without indexes, projections, codecs or TTLs (a Distributed table
 * stores nothing, and refuses TTLs).
 */
function distributedColumns(columns: string): string {
  return topLevelItems(columns)
    .filter((item) => !/^(INDEX|PROJECTION|CONSTRAINT)\s/i.test(item))
    .map(withoutStorageClauses)
    .join(',\n    ');
}

/** A column definition without its CODEC(...) and TTL clauses. */
function withoutStorageClauses(definition: string): string {
  let out = definition;
  const codec = out.search(/\sCODEC\(/);
  if (codec !== -1) {
    let depth = 0;
    let end = out.indexOf('(', codec);
    for (; end < out.length; end++) {
      if (out[end] === '(') depth++;
      else if (out[end] === ')' && --depth === 0) break;
    }
    out = out.slice(0, codec) + out.slice(end + 1);
  }
  // A TTL runs to the end, or to an AFTER/FIRST placement of ADD COLUMN.
  return out.replace(/\sTTL\s[\s\S]*?(?=\s(?:AFTER|FIRST)\s|\s*$)/, '').trim();
}

/** Items separated by top-level commas (not those inside parentheses or quotes). */
function topLevelItems(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items
    .map((item) =>
      item
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter(Boolean);
}
