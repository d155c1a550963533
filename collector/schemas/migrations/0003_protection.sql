-- Envelope encryption and its audit (DESIGN.md §4, "Seal, then log").

-- Data keys, only ever stored wrapped by a key-encryption key. One row per key and
-- version: re-wrapping (KEK rotation), retirement and use counts add a row with a higher
-- version. An erasure deletes a user's rows with a mutation (not a lightweight delete), so
-- the wrapped keys leave the disk; old_parts_lifetime keeps superseded parts briefly.
CREATE TABLE IF NOT EXISTS {{database}}.data_keys
(
    key_id       String,
    tenant_id    LowCardinality(String),
    subject      String,
    provider     LowCardinality(String),
    kek_version  LowCardinality(String),
    wrapped      String CODEC(NONE),
    created_at   DateTime64(3),
    retired_at   Nullable(DateTime64(3)),
    seals        UInt64,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, subject, key_id)
SETTINGS non_replicated_deduplication_window = 10000, old_parts_lifetime = 10;

-- Every opening of sealed content: who, when, which record, why.
CREATE TABLE IF NOT EXISTS {{database}}.access_log
(
    at          DateTime64(3) DEFAULT now64(3),
    actor       String,
    host        String,
    action      LowCardinality(String),
    tenant_id   LowCardinality(String),
    record_id   String,
    reason      String
)
ENGINE = MergeTree
ORDER BY at;

-- Erasure requests (GDPR Art. 17) and what was done for each. The user is recorded as a
-- keyed pseudonym (the value their metadata was pseudonymized to), not by identifier.
CREATE TABLE IF NOT EXISTS {{database}}.erasures
(
    requested_at    DateTime64(3) DEFAULT now64(3),
    tenant_id       LowCardinality(String),
    subject_pseudonym String,
    actor           String,
    reason          String,
    metadata        LowCardinality(String),
    keys_destroyed  UInt32,
    rows_affected   UInt64
)
ENGINE = MergeTree
ORDER BY requested_at;

ALTER TABLE {{database}}.dead_letters ADD COLUMN IF NOT EXISTS target LowCardinality(String) DEFAULT 'records' AFTER failed_at;
