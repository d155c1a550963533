-- title: Top features by cost
-- description: The features (ai_audit.feature, empty when the service set none) with the highest
-- description: cost in the period: model calls (every operation but tool calls, agents, workflows
-- description: and retrieval), distinct users, input and output tokens, cost in USD, highest first
-- description: (features without any known price last).
-- param from DateTime64(3) = -7d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param service String = '': one service (service.name), or empty for all
-- param model String = '': one requested model, or empty for all
-- param user String = '': one user id, or empty for all
-- param limit UInt32 = 10: how many features
SELECT
    feature,
    count() AS calls,
    uniqExact(tenant_id, user_id) AS users,
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
GROUP BY feature
ORDER BY cost_usd DESC NULLS LAST, calls DESC, feature
LIMIT {limit:UInt32}
