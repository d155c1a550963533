import {
  bindParams,
  findQuery,
  loadCatalog,
  QueryParamError,
  UnknownQueryError,
  type NamedQuery,
} from '../../query/catalog';
import { statementFor } from '../../query/named';
import { OUTPUT_FORMATS, type OutputFormat } from '../../query/run';
import { runAnalystQuery } from '../../access/analyst-query';
import { UsageError, type Command } from '../command';
import { storeExporterConfig } from '../../access/config';
import { loadCommandConfig } from '../config';

export const queryCommand: Command = {
  name: 'query',
  summary: 'Run a named audit query (collector/schemas/queries), the ones the dashboards and the report use.',
  description:
    'Each query is a .sql file with typed parameters; --list describes them all. Parameters not given take their defaults. ' +
    'Times: now, -7d, -24h, -30m, an ISO date (2026-11-01) or timestamp (2026-11-01T10:00:00Z); without a zone they are UTC, and so are the times in the results. ' +
    "String filters (tenant, service, model, user) left empty mean all. The query's database, ai_audit, becomes the one the config names. " +
    'Queries run exactly like ai-audit sql: read-only, checked, with the exporters.clickhouse.query budget, through the running collector when there is one; parameters are bound by the engine, never pasted into the SQL.',
  options: {
    param: {
      type: 'string',
      short: 'p',
      value: '<name=value>',
      description: 'a parameter value (repeatable)',
      multiple: true,
    },
    format: {
      type: 'string',
      short: 'f',
      value: '<format>',
      description: 'output format',
      choices: OUTPUT_FORMATS,
      default: 'table',
    },
    list: { type: 'boolean', description: 'describe the queries and their parameters (as JSON with --format json)' },
    dir: {
      type: 'string',
      value: '<dir>',
      description: 'a directory of query files to use instead of collector/schemas/queries',
    },
  },
  positionals: [{ name: 'name', description: 'the query (file name without .sql)' }],
  examples: [
    'ai-audit query --list',
    'ai-audit query usage_by_model --param from=-30d --param interval_s=3600',
    'ai-audit query top_users_by_cost --param tenant=acme --param limit=5 --format csv',
    'ai-audit query violation_records --param kind=pii:email --param from=2026-11-01 --param to=2026-12-01 --format json',
  ],
  async run(args, context) {
    const dir = args.options.dir as string | undefined;
    const format = args.options.format as OutputFormat;
    if (args.options.list) {
      context.stdout.write(
        format === 'json'
          ? `${JSON.stringify(
              loadCatalog(dir).map(({ sql: _sql, ...rest }) => rest),
              null,
              2,
            )}\n`
          : describe(loadCatalog(dir)),
      );
      return 0;
    }
    const name = args.positionals[0];
    if (name === undefined) throw new UsageError('missing <name> (ai-audit query --list shows the queries)');
    let query: NamedQuery;
    let params: Record<string, string | number>;
    try {
      query = findQuery(name, dir);
      params = bindParams(query, givenParams((args.options.param as string[] | undefined) ?? []));
    } catch (error) {
      if (error instanceof UnknownQueryError || error instanceof QueryParamError) throw new UsageError(error.message);
      throw error;
    }

    const loaded = loadCommandConfig(args, context);
    const sql = statementFor(query, storeExporterConfig(loaded).database);
    context.stdout.write(await runAnalystQuery(loaded, sql, format, params));
    return 0;
  },
};

/** `--param k=v` options as a map; the value may itself contain `=`. */
function givenParams(options: string[]): Record<string, string> {
  const given: Record<string, string> = {};
  for (const option of options) {
    const at = option.indexOf('=');
    if (at <= 0) throw new UsageError(`--param takes name=value (got "${option.slice(0, 40)}")`);
    const name = option.slice(0, at);
    if (Object.hasOwn(given, name)) throw new UsageError(`--param ${name.slice(0, 40)} is given twice`);
    given[name] = option.slice(at + 1);
  }
  return given;
}

/** The catalog as text: each query's name and title, its description, its parameters. */
function describe(catalog: NamedQuery[]): string {
  const blocks = catalog.map((query) => {
    const params = query.params.map(
      (p) => `    --param ${p.name}=<${p.type}>`.padEnd(40) + `${p.description} (default ${p.default})`,
    );
    return [
      `${query.name}: ${query.title}`,
      ...wrap(query.description, 94).map((line) => `    ${line}`),
      ...params,
    ].join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
