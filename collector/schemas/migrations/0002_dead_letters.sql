-- Rows ClickHouse refused as invalid data. They are kept here, sealed as they were, instead
-- of blocking the queue behind them; `error` is the server's message, `error_code` its code.

CREATE TABLE IF NOT EXISTS {{database}}.dead_letters
(
    failed_at   DateTime64(3) DEFAULT now64(3),
    wal_id      String,
    seq         UInt64,
    row_index   UInt32,
    error_code  Int32,
    error       String,
    row         String CODEC(ZSTD(1))
)
ENGINE = MergeTree
ORDER BY failed_at
TTL toDateTime(failed_at) + toIntervalDay(90);
