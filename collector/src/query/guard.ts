import { StoreError, type Store } from '../store/client';

/**
 * The allow-list of `ai-audit sql`, checked on the engine's own parse of the query.
 *
 * The session's readonly=1 already refuses writes, DDL, setting changes and the table
 * functions that reach files, URLs or processes (file, url, s3, executable, ...), but not
 * everything: tested on chDB 26.x, `SELECT ... INTO OUTFILE` still writes, the scalar
 * `file()` still reads any file, and a text with several statements runs them all. So:
 *
 * 1. The engine parses the text (`formatQuerySingleLine`, the text bound as a parameter so
 *    it is never run), which refuses more than one statement and returns the statement in
 *    canonical form: comments, casing and quoting tricks are gone. That canonical text is
 *    what gets checked and what runs.
 * 2. `EXPLAIN AST` of it (parses, never runs) gives the tree, one node per line, indented
 *    by depth. Every node is checked wherever it is nested (subqueries, CTEs, view(),
 *    JOINs, IN, EXPLAIN): only allowed statement and expression node types, no SETTINGS,
 *    no INTO OUTFILE, only harmless table functions, no scalar function that reaches
 *    files, processes or the network.
 *
 * Query parameters (`{name:Type}`, the named queries') are bound for the EXPLAIN as for the
 * run: the engine substitutes them before it prints the tree (each becomes
 * `_CAST(<value>, '<Type>')`, made of allowed nodes; it never prints a QueryParameter node
 * outside CREATE VIEW) and refuses a parameter without a value (code 456). So the tree
 * checked is the statement that runs, with the very values it runs with.
 *
 * Aliases are printed raw in the tree, so a crafted alias can add lines to it; the checks
 * hold anyway: they never rely on a node's parent, only on its own line, its depth, and
 * the line before it, and an added line can only be refused, never hide a real one.
 */

/** A query `ai-audit sql` will not run; the message is the one-line reason. */
export class QueryRefused extends StoreError {}

const REFUSED = 'refused: ai-audit sql is read-only';

/** Statements an analyst needs; the engine answers each by reading. */
const STATEMENTS = new Set([
  'SelectWithUnionQuery',
  'SelectIntersectExceptQuery',
  'Explain',
  'ShowTables',
  'ShowColumns',
  'ShowCreateTableQuery',
  'ShowCreateDatabaseQuery',
  'ShowCreateViewQuery',
  'ShowCreateDictionaryQuery',
  'DescribeQuery',
  'ExistsTableQuery',
  'ExistsDatabaseQuery',
  'ExistsViewQuery',
  'ExistsDictionaryQuery',
  'ShowProcesslistQuery',
  'ShowFunctions',
  'ShowEngineQuery',
  'ShowSetting',
  'ShowGrantsQuery',
]);

/** What a SELECT is made of; anything else (a nested INSERT in an EXPLAIN, say) is refused. */
const EXPRESSIONS = new Set([
  'SelectWithUnionQuery',
  'SelectIntersectExceptQuery',
  'SelectQuery',
  'Explain',
  'ExpressionList',
  'Identifier',
  'Literal',
  'Function',
  'Asterisk',
  'QualifiedAsterisk',
  'ColumnsRegexpMatcher',
  'ColumnsListMatcher',
  'QualifiedColumnsRegexpMatcher',
  'QualifiedColumnsListMatcher',
  'ColumnsTransformerList',
  'ColumnsApplyTransformer',
  'ColumnsExceptTransformer',
  'ColumnsReplaceTransformer',
  'ColumnsReplaceTransformer::Replacement',
  'TablesInSelectQuery',
  'TablesInSelectQueryElement',
  'TableExpression',
  'TableIdentifier',
  'TableJoin',
  'ArrayJoin',
  'SampleRatio',
  'Subquery',
  'WithElement',
  'OrderByElement',
  'InterpolateElement',
  'WindowDefinition',
  'WindowListElement',
]);

/** Table functions that only generate rows: no files, URLs, processes or other servers. */
const TABLE_FUNCTIONS = new Set([
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'values',
  'sqlstandardvalues',
  'generate_series',
  'generateseries',
  'primes',
  'view',
]);

/** Scalar functions that read files or the process's memory, or query a dictionary's source. */
const SCALAR_DENIED =
  /^(file|catboostevaluate|addresstoline|addresstolinewithinlines|addresstosymbol|demangle|dict(get|has|isin).*)$/;

const LINE = /^( *)([A-Za-z][A-Za-z0-9_]*(?:::[A-Za-z]+)?)(?: (.*))?$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Node {
  depth: number;
  type: string;
  /** What follows the type: a function's name, an alias, "(children N)". */
  rest: string;
}

/** What the engine knows about function names, lower-cased (function names are matched case-insensitively). */
interface Catalog {
  /** Table functions that are not also scalar functions (`url`, but not `file` or `format`). */
  tableOnly: Set<string>;
  /** Function aliases and what they stand for. */
  aliases: Map<string, string>;
}

/**
 * Checks `sql` (with `params`, the values it will run with) against the allow-list and
 * returns the canonical statement to run instead of it; throws QueryRefused with the
 * reason otherwise.
 */
export async function guardQuery(store: Store, sql: string, params?: Record<string, string | number>): Promise<string> {
  const statement = await canonical(store, sql);
  const tree = await store.explainText(`EXPLAIN AST ${statement}`, 'TabSeparatedRaw', params);
  const nodes = tree
    .split('\n')
    .filter((line) => line !== '')
    .map(parseLine);
  checkTree(nodes, await catalog(store));
  return statement;
}

async function canonical(store: Store, sql: string): Promise<string> {
  try {
    const [row] = await store.queryRows<{ statement: string }>(
      'SELECT formatQuerySingleLine({sql:String}) AS statement',
      { sql },
    );
    return row.statement;
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    if (error.message.includes('Multi-statements are not allowed'))
      throw new QueryRefused(`${REFUSED}: one statement at a time`);
    // The engine quotes the whole wrapper query after its reason: keep the reason.
    throw new StoreError(
      error.message.replace(/ : In scope SELECT formatQuerySingleLine\(.*(\([A-Z_]+\))$/, ' $1'),
      error.code,
      error.type,
    );
  }
}

async function catalog(store: Store): Promise<Catalog> {
  const tableOnly = await store.queryRows<{ name: string }>(
    'SELECT lower(name) AS name FROM system.table_functions WHERE lower(name) NOT IN (SELECT lower(name) FROM system.functions)',
  );
  const aliases = await store.queryRows<{ name: string; target: string }>(
    "SELECT lower(name) AS name, lower(alias_to) AS target FROM system.functions WHERE alias_to != ''",
  );
  return {
    tableOnly: new Set(tableOnly.map((row) => row.name)),
    aliases: new Map(aliases.map((row) => [row.name, row.target])),
  };
}

function parseLine(line: string): Node {
  const match = LINE.exec(line);
  // A line the tree's grammar does not explain can only come from a crafted alias.
  if (!match)
    throw new QueryRefused(
      `${REFUSED}: the query's structure could not be checked (an alias or name with a line break?)`,
    );
  return { depth: match[1].length, type: match[2], rest: match[3] ?? '' };
}

function checkTree(nodes: Node[], known: Catalog): void {
  const [root] = nodes;
  if (!root || !STATEMENTS.has(root.type)) throw new QueryRefused(`${REFUSED} (no writes or DDL)`);
  nodes.forEach((node, i) => {
    if (i === 0) return;
    if (node.depth === 1 && node.type === 'Literal') throw new QueryRefused(`${REFUSED}: INTO OUTFILE is not allowed`);
    if (node.type === 'Set') {
      // EXPLAIN's own options (EXPLAIN indexes = 1 ...) are the one Set node that changes no setting.
      if (node.depth === 1 && root.type === 'Explain') return;
      throw new QueryRefused(`${REFUSED}: SETTINGS are not allowed (the query budget is exporters.clickhouse.query)`);
    }
    if (node.type === 'Function') return checkFunction(node, nodes[i - 1], known);
    if (EXPRESSIONS.has(node.type)) return;
    if (node.type.endsWith('Query')) throw new QueryRefused(`${REFUSED} (no writes or DDL)`);
    throw new QueryRefused(`${REFUSED}: ${node.type} is not allowed`);
  });
}

function checkFunction(node: Node, previous: Node, known: Catalog): void {
  const name = node.rest.split(' ', 1)[0];
  if (!NAME.test(name)) throw new QueryRefused(`${REFUSED}: function name "${name.slice(0, 40)}" is not allowed`);
  const lower = name.toLowerCase();
  // The engine prints a table expression's function as its first child, on the next line.
  const inTablePosition = previous.type === 'TableExpression' && previous.depth === node.depth - 1;
  if (inTablePosition || known.tableOnly.has(lower)) {
    if (!TABLE_FUNCTIONS.has(lower)) throw new QueryRefused(`${REFUSED}: table function ${name}() is not allowed`);
    return;
  }
  if (SCALAR_DENIED.test(lower) || SCALAR_DENIED.test(known.aliases.get(lower) ?? '')) {
    throw new QueryRefused(`${REFUSED}: function ${name}() reads outside the audit tables and is not allowed`);
  }
}
