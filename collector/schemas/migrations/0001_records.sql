-- The audit trail: one row per GenAI span (DESIGN.md §5).
--
-- Placeholders filled in at start from the config: {{database}}, {{records_ttl}} (table
-- TTL expression) and {{content_ttl}} (column TTL of the sealed content columns). A TTL
-- changed later in config is applied by ALTER ... MODIFY TTL on start, not by editing
-- this file: applied migrations never change.

CREATE DATABASE IF NOT EXISTS {{database}};

CREATE TABLE IF NOT EXISTS {{database}}.records
(
    timestamp            DateTime64(9) CODEC(Delta, ZSTD(1)),
    tenant_id            LowCardinality(String),
    record_id            UUID,
    trace_id             String CODEC(ZSTD(1)),
    span_id              String CODEC(ZSTD(1)),
    parent_span_id       String CODEC(ZSTD(1)),
    span_name            LowCardinality(String),
    scope_name           LowCardinality(String),
    scope_version        LowCardinality(String),
    service_name         LowCardinality(String),
    service_version      LowCardinality(String),
    environment          LowCardinality(String),
    user_id              String CODEC(ZSTD(1)),
    session_id           String CODEC(ZSTD(1)),
    conversation_id      String CODEC(ZSTD(1)),
    feature              LowCardinality(String),
    operation            LowCardinality(String),
    provider             LowCardinality(String),
    request_model        LowCardinality(String),
    response_model       LowCardinality(String),
    response_id          String CODEC(ZSTD(1)),
    server_address       LowCardinality(String),
    agent_name           LowCardinality(String),
    tool_name            LowCardinality(String),
    tool_call_id         String CODEC(ZSTD(1)),
    input_tokens         Nullable(UInt32),
    output_tokens        Nullable(UInt32),
    cache_read_tokens    Nullable(UInt32),
    cache_write_tokens   Nullable(UInt32),
    reasoning_tokens     Nullable(UInt32),
    cost_usd             Nullable(Decimal(18, 9)),
    latency_ms           Float64,
    ttft_ms              Nullable(Float64),
    streaming            Bool,
    status               Enum8('ok' = 1, 'error' = 2),
    error_type           LowCardinality(String),
    finish_reasons       Array(LowCardinality(String)),
    violations           Array(LowCardinality(String)),
    prompt_hash          String CODEC(ZSTD(1)),
    response_hash        String CODEC(ZSTD(1)),
    content_key_id       String CODEC(ZSTD(1)),
    -- Ciphertext does not compress: no codec work is spent on it.
    input_sealed         String CODEC(NONE) TTL {{content_ttl}},
    output_sealed        String CODEC(NONE) TTL {{content_ttl}},
    system_sealed        String CODEC(NONE) TTL {{content_ttl}},
    tools_sealed         String CODEC(NONE) TTL {{content_ttl}},
    attributes           Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    resource             Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ingested_at          DateTime64(3) DEFAULT now64(3),

    INDEX idx_record_id record_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (tenant_id, toDate(timestamp), user_id, timestamp)
TTL {{records_ttl}}
SETTINGS
    -- Whole expired days are dropped as parts instead of rewritten row by row.
    ttl_only_drop_parts = 1,
    -- A batch re-sent with the same insert_deduplication_token (writer retry, WAL replay
    -- after a crash) is recognised and not inserted twice.
    non_replicated_deduplication_window = 10000;
