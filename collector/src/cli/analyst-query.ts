import type { LoadedConfig } from '../config/types';
import { budgetExceeded, queryBudget } from '../query/budget';
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
export async function runAnalystQuery(loaded: LoadedConfig, sql: string, format: OutputFormat, params?: Record<string, string | number>): Promise<string> {
  const config = storeExporterConfig(loaded);
  const budget = queryBudget(config);
  const access = await openStoreAccess(loaded, config, { readOnly: true });
  try {
    return await runQuery(analystSource(access, params), sql, format);
  } catch (error) {
    if (!(error instanceof StoreError) || error.message.startsWith('refused:')) throw error;
    // READONLY: the query tried to write, or to change a setting.
    if (error.code === ErrorCode.READONLY) throw new StoreError('refused: ai-audit sql is read-only (no writes, DDL or setting changes)', error.code);
    const cutOff = budgetExceeded(error.code, budget);
    throw cutOff ? new StoreError(cutOff, error.code) : error;
  } finally {
    await closeStoreAccess(access);
  }
}
