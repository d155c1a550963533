-- One envelope per record (docs/architecture.md, "Sealing"): every content field of a record
-- sealed in one AES-GCM call, stored as raw bytes. The per-field columns keep the content of
-- records written before this column, and are no longer written.

ALTER TABLE {{database}}.records ADD COLUMN IF NOT EXISTS content_sealed String CODEC(NONE) TTL {{content_ttl}} AFTER extra_sealed;

CREATE OR REPLACE VIEW {{database}}.content_retention
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS SELECT tenant_id, min(timestamp) AS oldest_content
FROM {{database}}.records
WHERE input_sealed != '' OR output_sealed != '' OR system_sealed != '' OR tools_sealed != '' OR extra_sealed != '' OR content_sealed != ''
GROUP BY tenant_id;
