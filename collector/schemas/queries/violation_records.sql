-- title: Records with violations
-- description: The records behind the violations, newest first: when (UTC), tenant, record id (for
-- description: ai-audit show), service, user, operation, requested model and every violation kind
-- description: the record carries.
-- param from DateTime64(3) = -7d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param service String = '': one service (service.name), or empty for all
-- param model String = '': one requested model, or empty for all
-- param user String = '': one user id, or empty for all
-- param kind String = '': one violation kind (e.g. pii:email), or empty for any
-- param limit UInt32 = 100: at most this many records
SELECT
    toDateTime64(timestamp, 3, 'UTC') AS time,
    tenant_id AS tenant,
    record_id,
    service_name AS service,
    user_id AS user,
    operation,
    request_model AS model,
    violations
FROM ai_audit.records
WHERE timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  AND ({service:String} = '' OR service_name = {service:String})
  AND ({model:String} = '' OR request_model = {model:String})
  AND ({user:String} = '' OR user_id = {user:String})
  AND notEmpty(violations)
  AND ({kind:String} = '' OR has(violations, {kind:String}))
ORDER BY timestamp DESC, record_id
LIMIT {limit:UInt32}
