import { analystSource, type StoreAccess } from '../access/store-access';
import { bindParams, loadCatalog } from '../query/catalog';
import { rowsOf, statementFor } from '../query/named';
import type { NamedQueryRunner, Row } from './data';

/**
 * Named queries run the way `ai-audit sql` runs queries: read-only, within the query
 * budget, guarded; through the running collector's control socket (`query` with bound
 * parameters) when there is one, else on the command's own analyst session. Parameter
 * values are resolved once, against one `now`, so every section covers the same period.
 */
export function namedQueryRunner(access: StoreAccess, database: string, now = new Date()): NamedQueryRunner {
  const catalog = loadCatalog();
  return async (name, values) => {
    const query = catalog.find((q) => q.name === name);
    if (!query)
      throw new Error(`the named query ${name} is missing from collector/schemas/queries/ (the report needs it)`);
    const params = bindParams(query, values, now);
    return rowsOf(await analystSource(access, params)(statementFor(query, database), 'JSON')) as Row[];
  };
}
