-- title: Erasures
-- description: Every erasure (ai-audit erase), newest first, from the erasure register: when (UTC),
-- description: tenant, the user's keyed pseudonym (never the user id), who asked and why, what was
-- description: done with their metadata (pseudonymize, delete, keep), data keys destroyed and rows
-- description: rewritten or deleted.
-- param from DateTime64(3) = -30d: start of the period (inclusive)
-- param to DateTime64(3) = now: end of the period (exclusive)
-- param tenant String = '': one tenant, or empty for all
-- param limit UInt32 = 100: at most this many erasures
SELECT
    toDateTime64(requested_at, 3, 'UTC') AS time,
    tenant_id AS tenant,
    subject_pseudonym,
    actor,
    reason,
    metadata,
    keys_destroyed,
    rows_affected
FROM ai_audit.erasures
WHERE requested_at >= {from:DateTime64(3)} AND requested_at < {to:DateTime64(3)}
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
ORDER BY requested_at DESC, subject_pseudonym
LIMIT {limit:UInt32}
