import type { AuditRecord } from '../model/record';

/**
 * Audit record → one JSONEachRow line for `ai_audit.records`.
 *
 * The row is built from an explicit column list, never by spreading the record: the
 * record's in-memory `content` (plaintext) has no column and so can never be written.
 */
export function recordToRow(record: AuditRecord): string {
  return JSON.stringify({
    timestamp: nanosToDateTime64(record.timestamp),
    tenant_id: record.tenant_id,
    record_id: record.record_id,
    trace_id: record.trace_id,
    span_id: record.span_id,
    parent_span_id: record.parent_span_id,
    span_name: record.span_name,
    scope_name: record.scope_name,
    scope_version: record.scope_version,
    service_name: record.service_name,
    service_version: record.service_version,
    environment: record.environment,
    user_id: record.user_id,
    session_id: record.session_id,
    conversation_id: record.conversation_id,
    feature: record.feature,
    operation: record.operation,
    provider: record.provider,
    request_model: record.request_model,
    response_model: record.response_model,
    response_id: record.response_id,
    server_address: record.server_address,
    agent_name: record.agent_name,
    tool_name: record.tool_name,
    tool_call_id: record.tool_call_id,
    input_tokens: record.input_tokens,
    output_tokens: record.output_tokens,
    cache_read_tokens: record.cache_read_tokens,
    cache_write_tokens: record.cache_write_tokens,
    reasoning_tokens: record.reasoning_tokens,
    // A decimal string: JSON numbers would print tiny costs in exponent form.
    cost_usd: record.cost_usd === null ? null : record.cost_usd.toFixed(9),
    latency_ms: record.latency_ms,
    ttft_ms: record.ttft_ms,
    streaming: record.streaming,
    status: record.status,
    error_type: record.error_type,
    finish_reasons: record.finish_reasons,
    violations: record.violations,
    prompt_hash: record.prompt_hash,
    response_hash: record.response_hash,
    content_key_id: record.content_key_id,
    input_sealed: record.input_sealed,
    output_sealed: record.output_sealed,
    system_sealed: record.system_sealed,
    tools_sealed: record.tools_sealed,
    extra_sealed: record.extra_sealed,
    attributes: record.attributes,
    resource: record.resource,
  });
}

/** Nanoseconds since the epoch → "seconds.nanoseconds", which DateTime64(9) parses exactly. */
export function nanosToDateTime64(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${seconds}.${fraction}`;
}
