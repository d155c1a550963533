import type { ClickHouseSettings } from '@clickhouse/client';
import { ConfigError } from '../config/errors';
import type { ClickHouseExporterConfig } from '../config/types';
import { formatSize } from '../config/units';
import { ErrorCode } from '../store/errors';

/**
 * What one `ai-audit sql` query may use (exporters.clickhouse.query). The engine enforces
 * it: past a limit the query fails with its own error code and nothing else in the
 * process is affected, so an analyst's query cannot take a running collector down.
 */
export interface QueryBudget {
  maxMemoryBytes: number;
  maxTimeMs: number;
}

/**
 * The result is materialized by the engine and copied on its way to the terminal (a
 * JavaScript string, the control socket, the CLI's output): keep it a fraction of the budget.
 */
const RESULT_SHARE = 8;

export function queryBudget(config: ClickHouseExporterConfig): QueryBudget {
  const maxMemoryBytes = config.query.max_memory;
  const maxTimeMs = config.query.max_time;
  // 0 means "no limit" to the engine: never let a typo turn the budget off.
  if (maxMemoryBytes <= 0) throw new ConfigError('exporters.clickhouse.query.max_memory', 'must be more than 0');
  if (maxTimeMs <= 0) throw new ConfigError('exporters.clickhouse.query.max_time', 'must be more than 0');
  return { maxMemoryBytes, maxTimeMs };
}

/**
 * The settings of an analyst's session: the budget, and how results print. Store.open
 * applies them together with readonly=1, which freezes them for the session.
 */
export function analystSettings(budget: QueryBudget): ClickHouseSettings {
  return {
    max_memory_usage: String(budget.maxMemoryBytes),
    max_execution_time: budget.maxTimeMs / 1000,
    timeout_overflow_mode: 'throw',
    max_result_bytes: String(Math.floor(budget.maxMemoryBytes / RESULT_SHARE)),
    result_overflow_mode: 'throw',
    // Results people read: counts as JSON numbers rather than quoted strings.
    output_format_json_quote_64bit_integers: 0,
    output_format_json_quote_decimals: 0,
  };
}

/** A one-line reason for a query the budget cut off, or undefined for any other failure. */
export function budgetExceeded(code: number | undefined, budget: QueryBudget): string | undefined {
  switch (code) {
    case ErrorCode.MEMORY_LIMIT_EXCEEDED:
      return `cut off: the query needs more memory than exporters.clickhouse.query.max_memory (${formatSize(budget.maxMemoryBytes)}) (ClickHouse code ${code}, MEMORY_LIMIT_EXCEEDED)`;
    case ErrorCode.TIMEOUT_EXCEEDED:
      return `cut off: the query ran longer than exporters.clickhouse.query.max_time (${budget.maxTimeMs / 1000} s) (ClickHouse code ${code}, TIMEOUT_EXCEEDED)`;
    case ErrorCode.TOO_MANY_ROWS_OR_BYTES:
      return `cut off: the result is larger than ${formatSize(Math.floor(budget.maxMemoryBytes / RESULT_SHARE))} (1/${RESULT_SHARE} of exporters.clickhouse.query.max_memory): aggregate or add a LIMIT (ClickHouse code ${code}, TOO_MANY_ROWS_OR_BYTES)`;
    default:
      return undefined;
  }
}
