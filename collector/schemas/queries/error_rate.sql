-- title: Error rate by model
-- description: One row per time bucket and requested model: model calls (every operation but tool
-- description: calls, agents, workflows and retrieval), those that failed (status error) and their
-- description: share, 0 to 1. Buckets are UTC.
-- param from DateTime64(3) = -7d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param service String = '': one service (service.name), or empty for all
-- param model String = '': one requested model, or empty for all
-- param user String = '': one user id, or empty for all
-- param interval_s UInt32 = 86400: bucket width in seconds
SELECT
    toStartOfInterval(toDateTime(timestamp, 'UTC'), toIntervalSecond({interval_s:UInt32})) AS bucket,
    request_model AS model,
    count() AS calls,
    countIf(status = 'error') AS errors,
    errors / calls AS error_rate
FROM ai_audit.records
WHERE timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  AND ({service:String} = '' OR service_name = {service:String})
  AND ({model:String} = '' OR request_model = {model:String})
  AND ({user:String} = '' OR user_id = {user:String})
  AND operation NOT IN ('execute_tool', 'invoke_agent', 'create_agent', 'invoke_workflow', 'retrieval')
GROUP BY bucket, model
ORDER BY bucket, model
