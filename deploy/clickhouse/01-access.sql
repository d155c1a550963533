-- ai-audit on a ClickHouse server: settings profiles, roles, grants and row policies.
--
-- Run once by an administrator with access management (the compose file mounts this
-- directory as /docker-entrypoint-initdb.d, so the server runs it on first start; elsewhere:
-- clickhouse client --multiquery < 01-access.sql). Users, which need passwords, are created
-- by 02-users.sh; readers per tenant from tenant.sql.tmpl. Every statement is idempotent.
--
--   ai_audit_write        the collector: ingest, migrations, retention, erasure, key rotation
--   ai_audit_read         analysts and Grafana: records without sealed content, the access
--                         log and the erasure register; never data_keys
--   ai_audit_read_ops     dead letters without their row (it holds the sealed content)
--   ai_audit_all_tenants  sees every tenant's rows (the writer and Grafana)
--   ai_audit_tenant_<t>   sees the rows of tenant <t> only (row policies, tenant.sql.tmpl)
--
-- Row policies: once a table has one, a user no policy admits sees no rows of it. The
-- writer must see every row (erasure copies and re-reads records), hence ai_audit_all_tenants.

CREATE DATABASE IF NOT EXISTS ai_audit;

-- Readers: readonly=1 (no writes, no DDL, no settings), except max_execution_time, which the
-- Grafana plugin's client sets on every query (CHANGEABLE_IN_READONLY, capped); and limits.
CREATE SETTINGS PROFILE IF NOT EXISTS ai_audit_readonly SETTINGS
    readonly = 1,
    max_execution_time = 60 MAX 300 CHANGEABLE_IN_READONLY,
    max_memory_usage = 4000000000,
    max_rows_to_read = 5000000000,
    max_result_rows = 1000000,
    result_overflow_mode = 'throw',
    max_concurrent_queries_for_user = 16,
    -- Dashboards refresh; one analyst must not starve ingest.
    max_threads = 8;

-- The collector. Its statements never reach the server's query log: an erasure's text names
-- no user (architecture.md, "Erasure"), but the log keeps the batch INSERTs' row count and
-- timing, which is all the collector's own metrics say anyway.
CREATE SETTINGS PROFILE IF NOT EXISTS ai_audit_writer SETTINGS
    log_queries = 0,
    max_execution_time = 600;

CREATE ROLE IF NOT EXISTS ai_audit_write;
-- Migrations (CREATE DATABASE/TABLE, ALTER ... ADD COLUMN/PROJECTION, MODIFY TTL), the batch
-- writer (INSERT, SELECT for duplicates), erasure (ALTER UPDATE/DELETE, the erasure_subject
-- Memory table: CREATE, TRUNCATE; MODIFY/RESET SETTING old_parts_lifetime, SYSTEM START
-- CLEANUP), key rotation (OPTIMIZE ... FINAL on data_keys).
GRANT CREATE DATABASE, CREATE TABLE, SELECT, INSERT, ALTER, TRUNCATE, OPTIMIZE, SYSTEM CLEANUP ON ai_audit.* TO ai_audit_write;
-- Parts left by a mutation (store/parts.ts), and what `ai-audit sql` checks queries against.
GRANT SELECT ON system.parts TO ai_audit_write;
GRANT SELECT ON system.tables TO ai_audit_write;
GRANT SELECT ON system.functions TO ai_audit_write;
GRANT SELECT ON system.table_functions TO ai_audit_write;
GRANT SELECT ON system.mutations TO ai_audit_write;

CREATE ROLE IF NOT EXISTS ai_audit_read;
-- Every column of records except the sealed content (input_sealed, output_sealed,
-- system_sealed, tools_sealed, extra_sealed, content_sealed: every *_sealed column).
-- test/integration/clickhouse-access.test.ts checks this list against
-- the table the migrations create: a new column must be added here.
GRANT SELECT(timestamp, tenant_id, record_id, trace_id, span_id, parent_span_id, span_name, scope_name, scope_version, service_name, service_version, environment, user_id, session_id, conversation_id, feature, operation, provider, request_model, response_model, response_id, server_address, agent_name, tool_name, tool_call_id, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_ms, ttft_ms, streaming, status, error_type, finish_reasons, violations, prompt_hash, response_hash, content_key_id, attributes, resource, ingested_at) ON ai_audit.records TO ai_audit_read;
GRANT SELECT ON ai_audit.access_log TO ai_audit_read;
GRANT SELECT ON ai_audit.erasures TO ai_audit_read;
-- Retention of sealed content as a time per tenant, without the sealed columns (migration 0006).
GRANT SELECT ON ai_audit.content_retention TO ai_audit_read;
-- No grant on ai_audit.data_keys: wrapped keys are for the collector only.

CREATE ROLE IF NOT EXISTS ai_audit_read_ops;
GRANT SELECT(failed_at, target, wal_id, seq, row_index, error_code, error) ON ai_audit.dead_letters TO ai_audit_read_ops;
-- The plugin's query builder lists databases, tables and columns.
GRANT SELECT ON system.databases TO ai_audit_read_ops;
GRANT SELECT ON system.tables TO ai_audit_read_ops;
GRANT SELECT ON system.columns TO ai_audit_read_ops;

CREATE ROLE IF NOT EXISTS ai_audit_all_tenants;
CREATE ROW POLICY IF NOT EXISTS ai_audit_all_tenants ON ai_audit.records, ai_audit.access_log, ai_audit.erasures AS PERMISSIVE FOR SELECT USING 1 TO ai_audit_all_tenants;
