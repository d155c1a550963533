-- The oldest record of each tenant that still holds sealed content, for readers that may
-- not read the sealed columns themselves (Grafana's reader, deploy/clickhouse/): the view
-- runs with its definer's rights and shows only a time per tenant.

CREATE VIEW IF NOT EXISTS {{database}}.content_retention
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS SELECT tenant_id, min(timestamp) AS oldest_content
FROM {{database}}.records
WHERE input_sealed != '' OR output_sealed != '' OR system_sealed != '' OR tools_sealed != '' OR extra_sealed != ''
GROUP BY tenant_id;
