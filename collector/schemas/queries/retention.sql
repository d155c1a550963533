-- title: Retention per tenant
-- description: One row per tenant: records stored, the oldest record and the oldest record that still
-- description: holds sealed content (UTC), their ages in days, and the configured retention in days
-- description: (retention.records and retention.content, read from the table's TTL, which the
-- description: collector sets from its config at every start). Expired data leaves with whole daily
-- description: partitions, so an oldest age up to a day past the retention is expected.
-- param tenant String = '': one tenant, or empty for all
WITH
    -- system.tables keeps the TTLs the collector applied; the name is written 'ai_audit.records'
    -- so that the runner's rewrite of `ai_audit.` for another database reaches it too.
    (SELECT create_table_query FROM system.tables WHERE concat(database, '.', name) = 'ai_audit.records') AS ddl,
    extractGroups(ddl, 'ORDER BY .* TTL toDateTime\\(timestamp\\) \\+ toInterval(Day|Hour|Minute|Second)\\((\\d+)\\)') AS records_ttl,
    extractGroups(ddl, '`input_sealed` [^,]*TTL toDateTime\\(timestamp\\) \\+ toInterval(Day|Hour|Minute|Second)\\((\\d+)\\)') AS content_ttl,
    map('Day', 86400, 'Hour', 3600, 'Minute', 60, 'Second', 1) AS unit_s
SELECT
    r.tenant AS tenant,
    r.records AS records,
    toDateTime64(r.oldest, 3, 'UTC') AS oldest_record,
    -- From a view: Grafana's reader may not read the sealed columns (collector/schemas/migrations/0006).
    if(c.tenant_id = '', NULL, toDateTime64(c.oldest_content, 3, 'UTC')) AS oldest_content,
    round(dateDiff('second', r.oldest, now64(3)) / 86400, 3) AS oldest_record_age_days,
    round(dateDiff('second', oldest_content, now64(3)) / 86400, 3) AS oldest_content_age_days,
    round(toUInt64OrZero(records_ttl[2]) * unit_s[records_ttl[1]] / 86400, 3) AS records_retention_days,
    round(toUInt64OrZero(content_ttl[2]) * unit_s[content_ttl[1]] / 86400, 3) AS content_retention_days
FROM
(
    SELECT tenant_id AS tenant, count() AS records, min(timestamp) AS oldest
    FROM ai_audit.records
    WHERE ({tenant:String} = '' OR tenant_id = {tenant:String})
    GROUP BY tenant
) AS r
LEFT JOIN ai_audit.content_retention AS c ON c.tenant_id = r.tenant
ORDER BY tenant
