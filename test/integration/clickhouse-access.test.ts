import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../collector/src/store/client';
import type { ClickHouseServer } from '../helpers/clickhouse-server';
import { startServerStore } from '../helpers/server-store';

/**
 * deploy/clickhouse/: the users, roles, profiles and row policies for a ClickHouse server.
 * The embedded engine has no access management (CREATE USER/ROLE is refused), so this checks
 * what it can: every statement parses (formatQuery), the reader's columns are exactly the
 * records table's columns, as the migrations create it, minus the sealed content, and the
 * tenant template yields a row policy on tenant_id.
 */
const DIR = join(__dirname, '../../deploy/clickhouse');

/** Statements of a SQL file: `;` at a line's end ends one; `--` comment lines are left out. */
function statements(text: string): string[] {
  const body = text
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .map((line) => line.replace(/\s--\s.*$/, ''))
    .join('\n');
  return body
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const ACCESS = statements(readFileSync(join(DIR, '01-access.sql'), 'utf8'));
const TENANT = statements(readFileSync(join(DIR, 'tenant.sql.tmpl'), 'utf8').replaceAll('${TENANT}', 'acme'));
const USERS = readFileSync(join(DIR, '02-users.sh'), 'utf8');

describe('deploy/clickhouse: access for a ClickHouse server', () => {
  let server: ClickHouseServer;
  let store: Store;

  beforeAll(async () => {
    ({ server, store } = await startServerStore());
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  const format = async (sql: string): Promise<string> => {
    const [row] = await server.query<{ f: string }>(
      `SELECT formatQuerySingleLine(${`'${sql.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`}) AS f`,
    );
    return row.f;
  };

  it('every statement parses', async () => {
    const users = [...USERS.matchAll(/^(CREATE USER|GRANT) .*;$/gm)].map((m) =>
      m[0].replace(/\$\(quote "[^"]+"\)/g, "'pw'").replace(/;$/, ''),
    );
    expect(users).toHaveLength(4);
    expect(ACCESS.length).toBeGreaterThan(15);
    for (const sql of [...ACCESS, ...TENANT, ...users])
      await expect(format(sql).catch((e) => `${sql}: ${e.message}`)).resolves.toMatch(/^(CREATE|GRANT|ALTER)/);
  });

  it('the reader role reads every column of records but the sealed content, and nothing of data_keys', async () => {
    const columns = (
      await server.query<{ name: string }>(
        "SELECT name FROM system.columns WHERE database = 'ai_audit' AND table = 'records' ORDER BY position",
      )
    ).map((c) => c.name);
    const sealed = columns.filter((c) => c.endsWith('_sealed'));
    expect(sealed).toEqual(
      expect.arrayContaining(['input_sealed', 'output_sealed', 'system_sealed', 'tools_sealed', 'content_sealed']),
    );
    const grant = ACCESS.find((s) => /^GRANT SELECT\(.*\) ON ai_audit\.records TO ai_audit_read$/s.test(s));
    expect(grant).toBeDefined();
    const granted = /SELECT\(([^)]*)\)/
      .exec(grant as string)![1]
      .split(',')
      .map((c) => c.trim());
    expect(granted).toEqual(columns.filter((c) => !sealed.includes(c)));
    // No other grant gives a reader records, data_keys or a dead letter's row.
    for (const s of ACCESS.filter((x) => /^GRANT/.test(x) && /TO ai_audit_read(_ops)?$/.test(x))) {
      expect(s).not.toMatch(/data_keys|ai_audit\.\*|\brow\b|_sealed/);
    }
    const deadLetters = (
      await server.query<{ name: string }>(
        "SELECT name FROM system.columns WHERE database = 'ai_audit' AND table = 'dead_letters' ORDER BY position",
      )
    ).map((c) => c.name);
    const ops = ACCESS.find((s) => /ON ai_audit\.dead_letters TO ai_audit_read_ops$/.test(s))!;
    expect(
      /SELECT\(([^)]*)\)/
        .exec(ops)![1]
        .split(',')
        .map((c) => c.trim()),
    ).toEqual(deadLetters.filter((c) => c !== 'row'));
  });

  it('readers are readonly with limits; the Grafana plugin may still set max_execution_time', async () => {
    const profile = await format(
      ACCESS.find((s) => s.startsWith('CREATE SETTINGS PROFILE IF NOT EXISTS ai_audit_readonly'))!,
    );
    expect(profile).toMatch(/readonly = 1/);
    expect(profile).toMatch(/max_execution_time = 60 MAX 300 CHANGEABLE_IN_READONLY/);
    expect(profile).toMatch(/max_memory_usage = \d+/);
    expect(profile).toMatch(/max_result_rows = \d+/);
    expect(USERS).toMatch(/CREATE USER IF NOT EXISTS grafana_reader .* SETTINGS PROFILE ai_audit_readonly;/);
    expect(USERS).toMatch(/GRANT ai_audit_read, ai_audit_read_ops, ai_audit_all_tenants TO grafana_reader;/);
  });

  it('the writer can do what the collector does: migrations, inserts, erasure, cleanup', async () => {
    const grant = await format(ACCESS.find((s) => /ON ai_audit\.\* TO ai_audit_write$/.test(s))!);
    for (const privilege of [
      'CREATE DATABASE',
      'CREATE TABLE',
      'SELECT',
      'INSERT',
      'ALTER',
      'TRUNCATE',
      'OPTIMIZE',
      'SYSTEM CLEANUP',
    ])
      expect(grant).toContain(privilege);
    expect(USERS).toMatch(/GRANT ai_audit_write, ai_audit_all_tenants TO ai_audit_writer;/);
  });

  it('a tenant reader sees its tenant only: a row policy on tenant_id, and no all-tenants policy', async () => {
    const policy = await format(TENANT.find((s) => s.startsWith('CREATE ROW POLICY'))!);
    expect(policy).toBe(
      "CREATE ROW POLICY IF NOT EXISTS ai_audit_tenant_acme ON ai_audit.records, ai_audit.access_log, ai_audit.erasures AS PERMISSIVE FOR SELECT USING tenant_id = 'acme' TO ai_audit_tenant_acme",
    );
    expect(TENANT.join('\n')).not.toContain('all_tenants');
    // The policy's condition holds on the real tables' rows.
    for (const table of ['records', 'access_log', 'erasures'])
      await server.query(`SELECT count() FROM ai_audit.${table} WHERE tenant_id = 'acme'`);
  });
});
