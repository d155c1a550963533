import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDir } from '../paths';
import type { Store } from './client';
import { clusterStatements, clusterWideEngine, storeLayout } from './cluster';

/**
 * Versioned schema migrations: `collector/schemas/migrations/NNNN_name.sql`, applied in order once
 * each and recorded in `<database>.schema_migrations`. Files are templates
 * (`{{name}}` placeholders) so the DDL stays in schemas/ while TTLs come from config.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function loadMigrations(dir = join(schemasDir(), 'migrations')): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/** `{{name}}` → value; an unknown placeholder is a bug in the migration, not user input. */
export function renderTemplate(sql: string, values: Record<string, string>): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`migration placeholder {{${name}}} has no value`);
    return values[name];
  });
}

/** Statements of a migration file: `--` comment lines removed, split at `;` ending a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);
}

export interface MigrationReport {
  applied: Migration[];
  /** Already-applied migrations whose file has changed since (they are not re-run). */
  modified: Migration[];
}

/** The statements a migration runs: as written on one node, in cluster form on a cluster. */
export function migrationStatements(
  migration: Pick<Migration, 'sql'>,
  values: Record<string, string> & { database: string },
  cluster: string | undefined,
): string[] {
  const statements = splitStatements(renderTemplate(migration.sql, values));
  return cluster ? statements.flatMap((statement) => clusterStatements(statement, cluster)) : statements;
}

/**
 * Where applied migrations are recorded. On a cluster every node holds the whole table
 * (recorded once per cluster); two collectors starting at once may both apply a migration,
 * which is safe because every statement is idempotent (IF NOT EXISTS), and both record it.
 */
export function migrationsTable(database: string, cluster: string | undefined): string {
  const engine = cluster ? clusterWideEngine(cluster, database, 'schema_migrations') : 'MergeTree';
  return `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations${storeLayout(cluster).onCluster} (version UInt32, name String, checksum String, applied_at DateTime64(3) DEFAULT now64(3)) ENGINE = ${engine} ORDER BY version`;
}

export async function migrate(
  store: Store,
  database: string,
  values: Record<string, string>,
  migrations = loadMigrations(),
): Promise<MigrationReport> {
  const { cluster, onCluster } = store.layout;
  await store.command(`CREATE DATABASE IF NOT EXISTS ${database}${onCluster}`);
  await store.command(migrationsTable(database, cluster));
  const rows = await store.queryRows<{ version: number; checksum: string }>(
    `SELECT version, any(checksum) AS checksum FROM ${database}.schema_migrations GROUP BY version`,
  );
  const done = new Map(rows.map((row) => [Number(row.version), row.checksum]));
  const report: MigrationReport = { applied: [], modified: [] };
  for (const migration of migrations) {
    const recorded = done.get(migration.version);
    if (recorded !== undefined) {
      if (recorded !== migration.checksum) report.modified.push(migration);
      continue;
    }
    for (const statement of migrationStatements(migration, { ...values, database }, cluster)) {
      await store.command(statement);
    }
    await store.insertJsonRows(
      `${database}.schema_migrations`,
      JSON.stringify({ version: migration.version, name: migration.name, checksum: migration.checksum }),
    );
    report.applied.push(migration);
  }
  return report;
}
