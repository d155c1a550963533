import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { schemasDir } from '../paths';
import { checkDefault, isParamType } from './params';
import { AuditError, InvalidInputError } from '../model/errors';

/**
 * The named audit queries (`collector/schemas/queries/<name>.sql`): the one set of questions the CLI
 * (`ai-audit query`), the Grafana dashboards and the HTML report all ask, so their numbers
 * agree. A file is a header of `-- title:`, `-- description:` and `-- param` lines, then one
 * SELECT/WITH statement whose `{name:Type}` parameters are bound by the engine, never
 * spliced into the text. The SQL itself is checked by the guard when it runs, like any
 * `ai-audit sql` query; this module checks only what the file format promises.
 */

export interface QueryParam {
  name: string;
  /** The ClickHouse type, exactly as the statement's `{name:Type}` placeholders write it. */
  type: string;
  /** As written in the header: `now`, `-7d`, an ISO date or timestamp, a number, a quoted string. */
  default: string;
  description: string;
}

export interface NamedQuery {
  name: string;
  title: string;
  description: string;
  params: QueryParam[];
  sql: string;
  file: string;
}

export { bindParams, QueryParamError } from './params';
export { runNamedQuery } from './named';

/** A query file that does not follow the format; the message names the file. */
export class CatalogError extends AuditError {}

/** A name that is not in the catalog; the message lists the names that are. */
export class UnknownQueryError extends InvalidInputError {}

const NAME = /^[a-z][a-z0-9_]*$/;
const HEADER = /^--\s*(?:(title|description):|(param)\s)\s*(.*)$/;
/** `name Type = default: description`; a quoted default may hold anything but its quote. */
const PARAM = /^([A-Za-z_][A-Za-z0-9_]*)\s+(\S+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']\S*?):\s+(.+)$/;
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]+?)\s*\}/g;

export function defaultQueriesDir(): string {
  return join(schemasDir(), 'queries');
}

/** Every query of `dir`, sorted by name; throws CatalogError on the first malformed file. */
export function loadCatalog(dir: string = defaultQueriesDir()): NamedQuery[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.sql'));
  } catch (error) {
    throw new CatalogError(
      `cannot read the query directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return files.sort().map((file) => parseQueryFile(join(dir, file), readFileSync(join(dir, file), 'utf8')));
}

export function findQuery(name: string, dir?: string): NamedQuery {
  const catalog = loadCatalog(dir);
  const query = catalog.find((q) => q.name === name);
  if (!query)
    throw new UnknownQueryError(
      `unknown query "${name.slice(0, 60)}" (queries: ${catalog.map((q) => q.name).join(', ')})`,
    );
  return query;
}

export function parseQueryFile(file: string, text: string): NamedQuery {
  const name = basename(file, '.sql');
  const fail = (reason: string): never => {
    throw new CatalogError(`${file}: ${reason}`);
  };
  if (!NAME.test(name)) fail('the file name must be snake_case (a-z, 0-9, _) and is the query name');

  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let title = '';
  const description: string[] = [];
  const params: QueryParam[] = [];
  // The header is the leading run of title/description/param lines; anything after it,
  // comments included, is the statement.
  let body = 0;
  for (; body < lines.length; body++) {
    const match = HEADER.exec(lines[body].trim());
    if (!match) break;
    const key = match[1] ?? match[2];
    const value = match[3].trim();
    if (key === 'title') title = value;
    else if (key === 'description') description.push(value);
    else params.push(parseParam(value, body + 1, fail));
  }
  if (!title) fail('missing "-- title:" line');
  if (description.length === 0) fail('missing "-- description:" line');

  const sql = lines.slice(body).join('\n').trim();
  if (!/^(SELECT|WITH)\b/i.test(sql)) fail('the statement after the header must start with SELECT or WITH');
  if (/;\s*$/.test(sql)) fail('no trailing semicolon: one statement per file');
  if (/\bFORMAT\s+[A-Za-z][A-Za-z0-9]*\s*$/i.test(sql)) fail('no FORMAT clause: the caller chooses the format');
  checkPlaceholders(sql, params, fail);
  return { name, title, description: description.join(' '), params, sql, file };
}

function parseParam(text: string, line: number, fail: (reason: string) => never): QueryParam {
  const match = PARAM.exec(text);
  if (!match) return fail(`line ${line}: expected "-- param <name> <Type> = <default>: <description>"`);
  const [, name, type, value, description] = match;
  if (!isParamType(type))
    return fail(
      `line ${line}: parameter ${name} has type ${type}, which parameters cannot take (String, (U)Int8-64, Float32/64, Date, DateTime, DateTime64(n))`,
    );
  const param = { name, type, default: value, description: description.trim() };
  const invalid = checkDefault(param);
  if (invalid) fail(`line ${line}: ${invalid}`);
  return param;
}

/** Declared parameters and the statement's placeholders must match one to one, with the same type. */
function checkPlaceholders(sql: string, params: QueryParam[], fail: (reason: string) => never): void {
  const declared = new Map<string, string>();
  for (const param of params) {
    if (declared.has(param.name)) fail(`parameter ${param.name} is declared twice`);
    declared.set(param.name, param.type);
  }
  const used = new Set<string>();
  for (const [, name, type] of sql.matchAll(PLACEHOLDER)) {
    const expected = declared.get(name);
    if (expected === undefined) fail(`{${name}:${type}} is used but not declared with "-- param"`);
    if (expected !== type.replace(/\s+/g, '')) fail(`{${name}:${type}} does not match its declared type ${expected}`);
    used.add(name);
  }
  for (const name of declared.keys()) if (!used.has(name)) fail(`parameter ${name} is declared but not used`);
}
