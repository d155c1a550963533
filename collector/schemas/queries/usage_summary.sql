-- title: Usage summary of a period
-- description: One row for the whole period, the headline figures of the report: model calls (every
-- description: operation but tool calls, agents, workflows and retrieval), those that failed, distinct
-- description: users (per tenant), input and output tokens and cost in USD of those calls (cost NULL
-- description: when none had a known price), and the records of any operation that carry at least one
-- description: violation (as violation_records lists them).
-- param from DateTime64(3) = -7d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param service String = '': one service (service.name), or empty for all
-- param model String = '': one requested model, or empty for all
-- param user String = '': one user id, or empty for all
SELECT
    countIf(model_call) AS calls,
    countIf(model_call AND status = 'error') AS errors,
    uniqExactIf(tenant_id, user_id, model_call) AS users,
    sumIf(input_tokens, model_call) AS input_tokens,
    sumIf(output_tokens, model_call) AS output_tokens,
    sumIf(cost_usd, model_call) AS cost_usd,
    countIf(notEmpty(violations)) AS records_with_violations
FROM
(
    SELECT
        tenant_id,
        user_id,
        status,
        input_tokens,
        output_tokens,
        cost_usd,
        violations,
        operation NOT IN ('execute_tool', 'invoke_agent', 'create_agent', 'invoke_workflow', 'retrieval') AS model_call
    FROM ai_audit.records
    WHERE timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
      AND ({tenant:String} = '' OR tenant_id = {tenant:String})
      AND ({service:String} = '' OR service_name = {service:String})
      AND ({model:String} = '' OR request_model = {model:String})
      AND ({user:String} = '' OR user_id = {user:String})
)
