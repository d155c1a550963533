-- title: Calls, tokens and cost by user
-- description: One row per time bucket, tenant and user id: model calls (every operation but tool
-- description: calls, agents, workflows and retrieval), input and output tokens, cost in USD (NULL
-- description: when no call of the row had a known price). Buckets are UTC.
-- param from DateTime64(3) = -7d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param service String = '': one service (service.name), or empty for all
-- param model String = '': one requested model, or empty for all
-- param user String = '': one user id, or empty for all
-- param interval_s UInt32 = 86400: bucket width in seconds
SELECT
    toStartOfInterval(toDateTime(timestamp, 'UTC'), toIntervalSecond({interval_s:UInt32})) AS bucket,
    tenant_id AS tenant,
    user_id AS user,
    count() AS calls,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cost_usd) AS cost_usd
FROM ai_audit.records
WHERE timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  AND ({service:String} = '' OR service_name = {service:String})
  AND ({model:String} = '' OR request_model = {model:String})
  AND ({user:String} = '' OR user_id = {user:String})
  AND operation NOT IN ('execute_tool', 'invoke_agent', 'create_agent', 'invoke_workflow', 'retrieval')
GROUP BY bucket, tenant, user
ORDER BY bucket, tenant, user
