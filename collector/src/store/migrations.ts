import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDir } from '../paths';
import type { Store } from './client';

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

export async function migrate(
  store: Store,
  database: string,
  values: Record<string, string>,
  migrations = loadMigrations(),
): Promise<MigrationReport> {
  await store.command(`CREATE DATABASE IF NOT EXISTS ${database}`);
  await store.command(
    `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations (version UInt32, name String, checksum String, applied_at DateTime64(3) DEFAULT now64(3)) ENGINE = MergeTree ORDER BY version`,
  );
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
    for (const statement of splitStatements(renderTemplate(migration.sql, { ...values, database }))) {
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
