-- title: Top users by cost
-- description: The users (per tenant) with the highest cost in the period: model calls (every
-- description: operation but tool calls, agents, workflows and retrieval), input and output tokens,
-- description: cost in USD, highest first (users without any known price last).
-- param from DateTime64(3) = -7d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param service String = '': one service (service.name), or empty for all
-- param model String = '': one requested model, or empty for all
-- param limit UInt32 = 10: how many users
SELECT
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
  AND operation NOT IN ('execute_tool', 'invoke_agent', 'create_agent', 'invoke_workflow', 'retrieval')
GROUP BY tenant, user
ORDER BY cost_usd DESC NULLS LAST, calls DESC, tenant, user
LIMIT {limit:UInt32}
