import { readFileSync } from 'node:fs';
import { callControl } from '../../control/client';
import { StoreError } from '../../store/client';
import { budgetExceeded, queryBudget } from '../../query/budget';
import { OUTPUT_FORMATS, queryForDisplay, runQuery, type OutputFormat, type QuerySource } from '../../query/run';
import { UsageError, type Command } from '../command';
import { loadCommandConfig, storeExporterConfig } from '../config';
import { closeStoreAccess, openStoreAccess } from '../store-access';

/** ClickHouse's READONLY error: the query tried to write, or to change a setting. */
const READONLY = 164;

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
    format: { type: 'string', short: 'f', value: '<format>', description: 'output format', choices: OUTPUT_FORMATS, default: 'table' },
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
    const config = storeExporterConfig(loaded);
    const budget = queryBudget(config);
    const access = await openStoreAccess(loaded, config, { readOnly: true });
    try {
      const source: QuerySource =
        access.via === 'collector'
          ? (query, format) => callControl<string>(access.socket, 'query', { sql: query, format })
          : (query, format) => queryForDisplay(access.store, query, format);
      context.stdout.write(await runQuery(source, sql, args.options.format as OutputFormat));
      return 0;
    } catch (error) {
      if (!(error instanceof StoreError) || error.message.startsWith('refused:')) throw error;
      if (error.code === READONLY) throw new StoreError('refused: ai-audit sql is read-only (no writes, DDL or setting changes)', error.code);
      const cutOff = budgetExceeded(error.code, budget);
      throw cutOff ? new StoreError(cutOff, error.code) : error;
    } finally {
      await closeStoreAccess(access);
    }
  },
};
