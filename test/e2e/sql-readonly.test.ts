import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CollectorProcess, eventually, runCli } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

/**
 * `ai-audit sql` is read-only and bounded (README "Protection"): each attack that worked
 * against the embedded engine is replayed, through a running collector (control socket)
 * and with the collector stopped (the CLI opens the store itself), and must be refused
 * with nothing written, read or fetched.
 */

const ORIGINAL = 'original content\n';
const READ_ONLY = /^ai-audit sql: refused: ai-audit sql is read-only/;

function chat(user: string) {
  return {
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.output_tokens': 1,
      'user.id': user,
    },
  };
}

describe('ai-audit sql: read-only, with a budget', () => {
  let collector: CollectorProcess;
  let http: Server;
  let httpRequests = 0;
  let url = '';
  let victim = '';
  let created = '';

  const sql = (query: string) => runCli(['sql', '--config', collector.configPath, '--format', 'json', query]);

  beforeAll(async () => {
    http = createServer((_req, res) => {
      httpRequests += 1;
      res.end('leaked\n');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/secret`;
    collector = await CollectorProcess.start({
      exporterYaml: '    query:\n      max_memory: 256MiB\n      max_time: 2s',
    });
    victim = join(collector.dir, 'victim.txt');
    created = join(collector.dir, 'created-by-sql.txt');
    writeFileSync(victim, ORIGINAL);
    await exportSpans(createExporter('grpc', collector), makeSpans([chat('before')]));
    await eventually(
      async () => (await collector.sql("SELECT 1 FROM ai_audit.records WHERE user_id = 'before'")).length === 1,
    );
  }, 90_000);

  afterAll(async () => {
    await collector?.stop();
    await new Promise((resolve) => http?.close(resolve));
  });

  /** Each attack, the line it must be refused with, and what must not have happened. */
  const attacks = (): [string, string, RegExp][] => {
    const keyring = join(collector.dir, 'data', 'keyring.json');
    return [
      [
        'INSERT INTO FUNCTION file() overwrites a file',
        `INSERT INTO FUNCTION file('${victim}', 'RawBLOB') SELECT 'pwned' SETTINGS engine_file_truncate_on_insert=1`,
        READ_ONLY,
      ],
      [
        'INSERT INTO FUNCTION file() creates a file',
        `INSERT INTO FUNCTION file('${created}', 'RawBLOB') SELECT 'pwned'`,
        /read-only \(no writes or DDL\)$/,
      ],
      [
        'INTO OUTFILE ... TRUNCATE overwrites a file',
        `SELECT 'pwned' INTO OUTFILE '${victim}' TRUNCATE`,
        /INTO OUTFILE is not allowed$/,
      ],
      [
        'INTO OUTFILE creates a file',
        `SELECT 'pwned' INTO OUTFILE '${created}' FORMAT RawBLOB`,
        /INTO OUTFILE is not allowed$/,
      ],
      [
        'file() reads /etc/passwd',
        "SELECT * FROM file('/etc/passwd', 'LineAsString')",
        /table function file\(\) is not allowed$/,
      ],
      [
        'file() reads the keyring',
        `SELECT * FROM file('${keyring}', 'RawBLOB')`,
        /table function file\(\) is not allowed$/,
      ],
      [
        'url() fetches a local HTTP server',
        `SELECT * FROM url('${url}', 'LineAsString')`,
        /table function url\(\) is not allowed$/,
      ],
      [
        'the scalar file() reads a file',
        `SELECT file('${keyring}') AS k`,
        /function file\(\) reads outside the audit tables and is not allowed$/,
      ],
      [
        'odd casing, quoting and comments',
        "SeLeCt * FrOm /* ; */ `FILE`('/etc/passwd', 'LineAsString') -- x",
        /table function FILE\(\) is not allowed$/,
      ],
      [
        'a CTE hides file()',
        "WITH q AS (SELECT * FROM file('/etc/passwd', 'LineAsString')) SELECT * FROM q",
        /table function file\(\) is not allowed$/,
      ],
      [
        'a subquery hides url()',
        `SELECT count() FROM (SELECT * FROM url('${url}', 'LineAsString'))`,
        /table function url\(\) is not allowed$/,
      ],
      [
        'view() hides file()',
        "SELECT * FROM view(SELECT * FROM file('/etc/passwd', 'LineAsString'))",
        /table function file\(\) is not allowed$/,
      ],
      [
        'IN hides url()',
        `SELECT 1 WHERE 'x' IN url('${url}', 'LineAsString')`,
        /table function url\(\) is not allowed$/,
      ],
      [
        'EXPLAIN PIPELINE of an INSERT',
        `EXPLAIN PIPELINE INSERT INTO FUNCTION file('${created}', 'RawBLOB') SELECT 1`,
        /read-only \(no writes or DDL\)$/,
      ],
      [
        'executable() runs a process',
        "SELECT * FROM executable('id', 'TSV', 'x String')",
        /table function executable\(\) is not allowed$/,
      ],
      [
        'remote() reaches a server',
        "SELECT * FROM remote('127.0.0.1', system.one)",
        /table function remote\(\) is not allowed$/,
      ],
      ['SETTINGS readonly = 0', 'SELECT 1 SETTINGS readonly = 0', READ_ONLY],
      [
        'SETTINGS max_memory_usage = 0',
        'SELECT count() FROM numbers(10) SETTINGS max_memory_usage = 0, max_execution_time = 0',
        READ_ONLY,
      ],
      ['SET readonly = 0', 'SET readonly = 0', /read-only \(no writes or DDL\)$/],
      [
        'a second statement writes',
        `SELECT 1; INSERT INTO FUNCTION file('${created}', 'RawBLOB') SELECT 'pwned'`,
        /one statement at a time$/,
      ],
      ['a second statement reads', "SELECT 1; SELECT file('/etc/passwd')", /one statement at a time$/],
      ['DDL', 'DROP TABLE ai_audit.records', /read-only \(no writes or DDL\)$/],
    ];
  };

  async function expectAttacksRefused(): Promise<void> {
    for (const [name, query, reason] of attacks()) {
      const result = await sql(query);
      expect({ name, code: result.code, stdout: result.stdout }).toEqual({ name, code: 1, stdout: '' });
      expect({ name, stderr: result.stderr.trim() }).toEqual({ name, stderr: expect.stringMatching(READ_ONLY) });
      expect({ name, stderr: result.stderr.trim() }).toEqual({ name, stderr: expect.stringMatching(reason) });
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(readFileSync(victim, 'utf8')).toBe(ORIGINAL);
    expect(existsSync(created)).toBe(false);
    expect(httpRequests).toBe(0);
  }

  async function expectAnalystQueriesWork(): Promise<void> {
    const rows = JSON.parse(
      (
        await sql(
          "SELECT user_id, count() AS n, sum(input_tokens) AS tokens FROM ai_audit.records WHERE user_id = 'before' GROUP BY user_id",
        )
      ).stdout,
    );
    expect(rows).toEqual([{ user_id: 'before', n: 1, tokens: 5 }]);
    const joined = await sql(
      'SELECT count() AS n FROM ai_audit.records AS r LEFT JOIN ai_audit.access_log AS a ON a.record_id = toString(r.record_id)',
    );
    expect(joined.code).toBe(0);
    const parts = JSON.parse(
      (
        await sql(
          "SELECT count() > 0 AS some FROM system.parts WHERE database = 'ai_audit' AND table = 'records' AND active",
        )
      ).stdout,
    );
    expect(parts).toEqual([{ some: 1 }]);
    expect(JSON.parse((await sql('SELECT sum(number) AS s FROM numbers(10)')).stdout)).toEqual([{ s: 45 }]);
    const explicit = await runCli(['sql', '--config', collector.configPath, 'SELECT 1 AS one FORMAT JSON']);
    expect(JSON.parse(explicit.stdout).data).toEqual([{ one: 1 }]);
    expect((await sql('SHOW TABLES FROM ai_audit')).stdout).toContain('"records"');
    expect((await sql('DESCRIBE TABLE ai_audit.records')).code).toBe(0);
    expect((await sql('EXPLAIN SELECT count() FROM ai_audit.records')).code).toBe(0);
  }

  describe('with the collector running (control socket)', () => {
    it('refuses every attack, and nothing is written, read or fetched', async () => {
      await expectAttacksRefused();
    }, 120_000);

    it('still answers analysts: aggregates, joins, system tables, numbers(), FORMAT', async () => {
      await expectAnalystQueriesWork();
    }, 60_000);

    it('cuts off an expensive query with a clear error, and keeps ingesting', async () => {
      const memory = await sql('SELECT length(groupArray(number)) FROM numbers(2e8)');
      expect(memory.code).toBe(1);
      expect(memory.stderr).toMatch(
        /^ai-audit sql: cut off: the query needs more memory than exporters\.clickhouse\.query\.max_memory \(256 MiB\) \(ClickHouse code 241, MEMORY_LIMIT_EXCEEDED\)\n$/,
      );
      const time = await sql('SELECT count() FROM numbers(1e12) AS a WHERE sipHash64(a.number) = 7');
      expect(time.code).toBe(1);
      expect(time.stderr).toMatch(
        /^ai-audit sql: cut off: the query ran longer than exporters\.clickhouse\.query\.max_time \(2 s\) \(ClickHouse code 159, TIMEOUT_EXCEEDED\)\n$/,
      );
      const cross = await sql('SELECT sum(a.number * b.number) FROM numbers(1e6) AS a CROSS JOIN numbers(1e6) AS b');
      expect(cross.stderr).toMatch(/^ai-audit sql: cut off: .*\(ClickHouse code (241|159), /);
      // The next query on the collector is clean (a failed query leaves nothing behind).
      expect(JSON.parse((await sql('SELECT 42 AS answer')).stdout)).toEqual([{ answer: 42 }]);
      await exportSpans(createExporter('grpc', collector), makeSpans([chat('after')]));
      await eventually(
        async () => (await collector.sql("SELECT 1 FROM ai_audit.records WHERE user_id = 'after'")).length === 1,
      );
    }, 120_000);
  });

  describe('with the collector stopped (the CLI opens the store)', () => {
    beforeAll(async () => {
      expect(await collector.stop()).toBe(0);
    }, 60_000);

    it('refuses every attack, and nothing is written, read or fetched', async () => {
      await expectAttacksRefused();
    }, 180_000);

    it('still answers analysts', async () => {
      await expectAnalystQueriesWork();
    }, 60_000);

    it('cuts off an expensive query with a clear error', async () => {
      const memory = await sql('SELECT length(groupArray(number)) FROM numbers(2e8)');
      expect(memory.stderr).toMatch(/^ai-audit sql: cut off: .*\(ClickHouse code 241, MEMORY_LIMIT_EXCEEDED\)\n$/);
      const time = await sql('SELECT count() FROM numbers(1e12) AS a WHERE sipHash64(a.number) = 7');
      expect(time.stderr).toMatch(/^ai-audit sql: cut off: .*\(ClickHouse code 159, TIMEOUT_EXCEEDED\)\n$/);
    }, 60_000);
  });
});
