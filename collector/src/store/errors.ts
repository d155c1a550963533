import { StoreError } from './client';

/** Server error codes the collector tells apart by name (the engine's errorCodeToName). */
export const ErrorCode = {
  TIMEOUT_EXCEEDED: 159,
  READONLY: 164,
  MEMORY_LIMIT_EXCEEDED: 241,
  TOO_MANY_ROWS_OR_BYTES: 396,
} as const;

/**
 * ClickHouse error codes that mean "this data cannot be inserted as it is": retrying the
 * same rows can never succeed, so they go to the dead-letter table instead of blocking the
 * queue. Everything else (network, timeouts, overload, missing tables) is retried.
 * Names as `errorCodeToName(code)` prints them.
 */
const DATA_ERROR_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  376, // CANNOT_PARSE_UUID
  441, // CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING
  467, // CANNOT_PARSE_BOOL
  407, // DECIMAL_OVERFLOW
  632, // UNEXPECTED_DATA_AFTER_PARSED_VALUE
]);

export function isDataError(error: unknown): boolean {
  return error instanceof StoreError && error.code !== undefined && DATA_ERROR_CODES.has(error.code);
}

/**
 * Codes that describe the store's state, not the rows: waited out with retries, never a
 * reason to dead-letter data, however often they repeat.
 */
const STORE_CONDITION_CODES = new Set([
  16, // NO_SUCH_COLUMN_IN_TABLE (schema behind the collector)
  60, // UNKNOWN_TABLE
  81, // UNKNOWN_DATABASE
  159, // TIMEOUT_EXCEEDED
  164, // READONLY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  243, // NOT_ENOUGH_SPACE
  252, // TOO_MANY_PARTS
  497, // ACCESS_DENIED
  516, // AUTHENTICATION_FAILED
]);

export function isStoreCondition(error: unknown): boolean {
  return error instanceof StoreError && error.code !== undefined && STORE_CONDITION_CODES.has(error.code);
}
