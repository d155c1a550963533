import type { LoadedConfig } from '../config/types';
import { budgetExceeded, queryBudget, type QueryBudget } from '../query/budget';
import { runQuery, type OutputFormat } from '../query/run';
import { StoreError } from '../store/client';
import { ErrorCode } from '../store/errors';
import { storeExporterConfig } from './config';
import { analystSource, closeStoreAccess, openStoreAccess } from './store-access';

/**
 * Runs an analyst's query the one way `ai-audit sql` and `ai-audit query` both do:
 * through the running collector's control socket, else on a read-only session of the
 * command's own, within the query budget; a refusal or a cut-off is one line.
 */
export async function runAnalystQuery(
  loaded: LoadedConfig,
  sql: string,
  format: OutputFormat,
  params?: Record<string, string | number>,
): Promise<string> {
  const config = storeExporterConfig(loaded);
  const budget = queryBudget(config);
  const access = await openStoreAccess(loaded, config, { readOnly: true });
  try {
    return await runQuery(analystSource(access, params), sql, format);
  } catch (error) {
    throw analystError(error, budget);
  } finally {
    await closeStoreAccess(access);
  }
}

/** A store's refusal or budget cut-off of an analyst's query, said in one line; other errors as they are. */
export function analystError(error: unknown, budget: QueryBudget): unknown {
  if (!(error instanceof StoreError) || error.message.startsWith('refused:')) return error;
  // READONLY: the query tried to write, or to change a setting.
  if (error.code === ErrorCode.READONLY)
    return new StoreError('refused: ai-audit sql is read-only (no writes, DDL or setting changes)', error.code);
  const cutOff = budgetExceeded(error.code, budget);
  return cutOff ? new StoreError(cutOff, error.code) : error;
}
