import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { clusterStatements, clusterWideEngine, storeLayout } from '../../collector/src/store/cluster';
import {
  loadMigrations,
  migrationStatements,
  migrationsTable,
  renderTemplate,
  splitStatements,
} from '../../collector/src/store/migrations';
import { ttlExpression } from '../../collector/src/store/retention';

/**
 * Cluster mode's DDL (store/cluster.ts), rendered for a named cluster and parsed by the
 * embedded engine (no cluster runs here): every migration statement has a cluster form the
 * engine accepts, and the single-node statements are the migrations as written.
 */

const VALUES = {
  database: 'ai_audit',
  records_ttl: ttlExpression(365 * 86_400_000),
  content_ttl: ttlExpression(30 * 86_400_000),
};
const migrations = loadMigrations();
let session: Session;

beforeAll(() => {
  session = new Session(mkdtempSync(join(tmpdir(), 'ai-audit-cluster-')));
});
afterAll(() => session.cleanup?.());

/** The engine's own formatting of a statement: it parses, or this throws. */
function parse(statement: string): string {
  return session
    .query(`SELECT formatQuerySingleLine('${statement.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}')`, 'TSVRaw')
    .trim();
}

const cluster = [
  migrationsTable('ai_audit', 'ai-audit'),
  ...migrations.flatMap((m) => migrationStatements(m, VALUES, 'ai-audit')),
];

describe('cluster-mode migrations', () => {
  it('leaves the single-node statements as the migration files write them', () => {
    for (const migration of migrations) {
      expect(migrationStatements(migration, VALUES, undefined)).toEqual(
        splitStatements(renderTemplate(migration.sql, VALUES)),
      );
    }
  });

  it('has a cluster form of every statement that the engine parses', () => {
    expect(cluster.length).toBeGreaterThan(10);
    for (const statement of cluster) expect(() => parse(statement)).not.toThrow();
  });

  it('runs every statement ON CLUSTER', () => {
    for (const statement of cluster) expect(parse(statement)).toContain('ON CLUSTER `ai-audit`');
  });

  it('puts rows in Replicated *_local tables behind Distributed tables of the old names', () => {
    const created = cluster.filter((s) => s.startsWith('CREATE TABLE')).map(parse);
    for (const table of ['records', 'data_keys', 'access_log', 'erasures', 'dead_letters']) {
      const local = created.find((s) => s.includes(`ai_audit.${table}_local `));
      expect(local).toMatch(
        /ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/ai_audit\/\w+_local', '\{replica\}'/,
      );
      const front = created.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ai_audit.${table} `));
      expect(front).toContain(`ENGINE = Distributed('ai-audit', ai_audit, ${table}_local`);
      // A Distributed table stores nothing: no codecs, TTLs or indexes.
      expect(front).not.toMatch(/CODEC|TTL|INDEX/);
    }
    // A tenant's user on one shard: their records and their data keys together.
    expect(created.join('\n')).toContain(
      "Distributed('ai-audit', ai_audit, records_local, cityHash64(tenant_id, user_id))",
    );
    expect(created.join('\n')).toContain(
      "Distributed('ai-audit', ai_audit, data_keys_local, cityHash64(tenant_id, subject))",
    );
    // The replacing engine keeps its version column.
    expect(created.join('\n')).toMatch(/ReplicatedReplacingMergeTree\('[^']+', '\{replica\}', version\)/);
  });

  it('adds a column to the rows and to the Distributed table in front of them', () => {
    const added = cluster.filter((s) => s.includes('ADD COLUMN IF NOT EXISTS extra_sealed')).map(parse);
    expect(added).toHaveLength(2);
    expect(added[0]).toMatch(
      /^ALTER TABLE ai_audit\.records_local ON CLUSTER `ai-audit` \(ADD COLUMN .* CODEC\(NONE\) TTL/,
    );
    expect(added[1]).toMatch(
      /^ALTER TABLE ai_audit\.records ON CLUSTER `ai-audit` \(ADD COLUMN IF NOT EXISTS `extra_sealed` String AFTER tools_sealed\)$/,
    );
  });

  it('refuses a statement it has no cluster form for', () => {
    expect(() => clusterStatements('DROP TABLE ai_audit.records', 'c')).toThrow(/no cluster form/);
    // A column change the Distributed table would need too.
    expect(() => clusterStatements('ALTER TABLE ai_audit.records DROP COLUMN feature', 'c')).toThrow(/no cluster form/);
  });

  it('gives replicated tables the replicated deduplication window', () => {
    const records = cluster.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS ai_audit.records_local'));
    expect(records).toContain('replicated_deduplication_window = 10000');
    expect(records).not.toContain('non_replicated_deduplication_window');
  });
});

describe('cluster-mode statements of retention, erasure and part cleanup', () => {
  const { onCluster, local } = storeLayout('ai-audit');

  it('parse, aimed at the tables that hold the rows, on every node', () => {
    const table = `ai_audit.${local('records')}`;
    const statements = [
      `ALTER TABLE ${table}${onCluster} MODIFY TTL ${ttlExpression(86_400_000)}`,
      `ALTER TABLE ${table}${onCluster} MODIFY COLUMN input_sealed TTL ${ttlExpression(3_600_000)}`,
      `ALTER TABLE ${table}${onCluster} DELETE WHERE (tenant_id, user_id) IN (SELECT tenant_id, subject FROM ai_audit.erasure_subject)`,
      `CREATE TABLE IF NOT EXISTS ai_audit.erasure_subject${onCluster} (tenant_id String, subject String) ENGINE = ${clusterWideEngine('ai-audit', 'ai_audit', 'erasure_subject')} ORDER BY tuple()`,
      `TRUNCATE TABLE ai_audit.erasure_subject${onCluster}`,
      `SYSTEM SYNC REPLICA${onCluster} ai_audit.erasure_subject`,
      `SYSTEM START CLEANUP${onCluster} ai_audit.records_local`,
      `ALTER TABLE ai_audit.records_local${onCluster} MODIFY SETTING old_parts_lifetime = 0`,
      `SELECT table, name FROM clusterAllReplicas('ai-audit', system.parts) WHERE NOT active`,
    ];
    expect(table).toBe('ai_audit.records_local');
    for (const statement of statements) expect(() => parse(statement)).not.toThrow();
  });

  it('are the single-node ones without a cluster', () => {
    const single = storeLayout(undefined);
    expect([single.onCluster, single.local('records')]).toEqual(['', 'records']);
  });
});
