-- The ledger (docs/architecture.md, "Ledger"): every stored record, every opening of sealed
-- content, every erasure and every export is committed in a chain of entries, one chain per
-- collector write-ahead log. An entry holds the Merkle root over its leaves, the hash of
-- the entry before it and its own hash; signatures over a chain's head sign everything up
-- to it. The leaves are kept so `ai-audit verify` can name a changed or missing row.

CREATE TABLE IF NOT EXISTS {{database}}.ledger
(
    chain            String,
    seq              UInt64,
    kind             LowCardinality(String),
    at               DateTime64(3),
    tenant_id        LowCardinality(String),
    prev_hash        String,
    hash             String,
    root             String,
    size             UInt32,
    detail           String CODEC(ZSTD(1)),
    record_ids       Array(UUID) CODEC(ZSTD(1)),
    record_times     Array(DateTime64(9)) CODEC(Delta, ZSTD(1)),
    meta_digests     Array(String) CODEC(ZSTD(1)),
    content_digests  Array(String) CODEC(ZSTD(1))
)
ENGINE = MergeTree
ORDER BY (chain, seq)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{database}}.ledger_signatures
(
    chain      String,
    seq        UInt64,
    hash       String,
    signed_at  DateTime64(3),
    key_id     String,
    algorithm  LowCardinality(String),
    signature  String
)
ENGINE = MergeTree
ORDER BY (chain, seq)
SETTINGS non_replicated_deduplication_window = 10000;

-- An access-log row is committed by its id: the ledger names the row that must be there.
ALTER TABLE {{database}}.access_log ADD COLUMN IF NOT EXISTS entry_id UUID FIRST;
