-- title: Violations by kind over time
-- description: One row per time bucket and violation kind (pii:email, secret:aws_access_key,
-- description: prompt_injection, ...): the records of any operation that carry it. A record with
-- description: two kinds counts once under each. Buckets are UTC.
-- param from DateTime64(3) = -7d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param service String = '': one service (service.name), or empty for all
-- param model String = '': one requested model, or empty for all
-- param user String = '': one user id, or empty for all
-- param interval_s UInt32 = 86400: bucket width in seconds
SELECT
    toStartOfInterval(toDateTime(timestamp, 'UTC'), toIntervalSecond({interval_s:UInt32})) AS bucket,
    kind,
    count() AS records
FROM ai_audit.records
ARRAY JOIN violations AS kind
WHERE timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  AND ({service:String} = '' OR service_name = {service:String})
  AND ({model:String} = '' OR request_model = {model:String})
  AND ({user:String} = '' OR user_id = {user:String})
GROUP BY bucket, kind
ORDER BY bucket, kind
