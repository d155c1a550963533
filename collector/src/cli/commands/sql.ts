import { readFileSync } from 'node:fs';
import { OUTPUT_FORMATS, type OutputFormat } from '../../query/run';
import { runAnalystQuery } from '../../access/analyst-query';
import { UsageError, type Command } from '../command';
import { loadCommandConfig } from '../config';

export const sqlCommand: Command = {
  name: 'sql',
  summary: 'Run a read-only SQL query against the audit store.',
  description:
    'Works against the store the config names: a ClickHouse server, or the embedded store (through the running collector when there is one). ' +
    'One statement: SELECT / WITH over tables, EXPLAIN, SHOW, DESCRIBE, EXISTS. Refused: writes and DDL, SET and SETTINGS, INTO OUTFILE, ' +
    'table functions other than numbers, zeros, values, generate_series, primes and view (no file, url, s3, remote, executable, ...), and functions that read files (file()). ' +
    'Each query has a budget, exporters.clickhouse.query.max_memory (default 1GiB) and max_time (default 30s), enforced by the engine: past it the query is cut off with a one-line error; ' +
    'in a running collector queries run one at a time. A query ending in FORMAT <name> is printed in that ClickHouse format.',
  options: {
    format: {
      type: 'string',
      short: 'f',
      value: '<format>',
      description: 'output format',
      choices: OUTPUT_FORMATS,
      default: 'table',
    },
  },
  positionals: [{ name: 'query', description: 'the SQL; "-" reads it from standard input', required: true }],
  examples: [
    `ai-audit sql "SELECT user_id, count() FROM ai_audit.records GROUP BY user_id"`,
    `ai-audit sql --format json "SELECT * FROM ai_audit.records WHERE has(violations, 'pii:email') LIMIT 10"`,
  ],
  async run(args, context) {
    const sql = args.positionals[0] === '-' ? readFileSync(0, 'utf8') : args.positionals[0];
    if (sql.trim() === '') throw new UsageError('the query is empty');
    const loaded = loadCommandConfig(args, context);
    context.stdout.write(await runAnalystQuery(loaded, sql, args.options.format as OutputFormat));
    return 0;
  },
};
