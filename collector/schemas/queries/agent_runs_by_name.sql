-- title: Agent runs by name
-- description: One row per agent (invoke_agent records): runs, failed runs, latency percentiles of a
-- description: run in ms (exact, as in latency_percentiles), most run first.
-- param from DateTime64(3) = -7d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param service String = '': one service (service.name), or empty for all
-- param user String = '': one user id, or empty for all
SELECT
    agent_name AS agent,
    count() AS runs,
    countIf(status = 'error') AS errors,
    quantileExact(0.5)(latency_ms) AS latency_p50_ms,
    quantileExact(0.95)(latency_ms) AS latency_p95_ms
FROM ai_audit.records
WHERE timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  AND ({service:String} = '' OR service_name = {service:String})
  AND ({user:String} = '' OR user_id = {user:String})
  AND operation = 'invoke_agent'
GROUP BY agent
ORDER BY runs DESC, agent
