-- title: Decrypts of sealed content
-- description: Every opening of sealed content (ai-audit show --decrypt), newest first, from the
-- description: access log: when (UTC), who (the OS user the collector established, with --actor
-- description: appended), from which host, tenant, record id and the reason given.
-- param from DateTime64(3) = -7d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param limit UInt32 = 100: at most this many openings
SELECT
    toDateTime64(at, 3, 'UTC') AS time,
    actor,
    host,
    tenant_id AS tenant,
    record_id,
    reason
FROM ai_audit.access_log
WHERE at >= {from:DateTime64(3)} AND at < {to:DateTime64(3)}
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  AND action = 'decrypt'
ORDER BY at DESC, record_id
LIMIT {limit:UInt32}
