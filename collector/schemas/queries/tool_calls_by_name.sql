-- title: Tool calls by name
-- description: One row per tool (execute_tool records): calls, failed calls, latency percentiles in
-- description: ms (exact, as in latency_percentiles), most called first.
-- param from DateTime64(3) = -7d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param service String = '': one service (service.name), or empty for all
-- param user String = '': one user id, or empty for all
SELECT
    tool_name AS tool,
    count() AS calls,
    countIf(status = 'error') AS errors,
    quantileExact(0.5)(latency_ms) AS latency_p50_ms,
    quantileExact(0.95)(latency_ms) AS latency_p95_ms
FROM ai_audit.records
WHERE timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  AND ({service:String} = '' OR service_name = {service:String})
  AND ({user:String} = '' OR user_id = {user:String})
  AND operation = 'execute_tool'
GROUP BY tool
ORDER BY calls DESC, tool
