import type { NormalizeProcessorConfig } from '../../config/types';
import type { MadeRecords, RecordMaker } from '../../component/component';
import type { Attributes, Span } from '../../model/traces';
import { EVENTS_ONLY, type AuditRecord } from '../../model/record';
import { extractContent, isContentKey } from './content';
import { groupEvents } from './events';
import { extraDocument, sealedEvents, splitAttributes } from './extra';
import {
  IDENTITY_KEYS,
  isGenAiSpan,
  isStreaming,
  KEYS,
  operationOf,
  providerOf,
  recordId,
  RESOURCE_KEYS,
} from './identity';
import { invocation } from './openinference';
import { readTokens, TOKEN_KEYS } from './tokens';
import { clearTextRule } from './metadata';
import { asNumber, asString, asStringList, first } from './values';
import { finishReason } from './vocabulary';

export interface Normalizer {
  spans: RecordMaker['makeRecords'];
  events: RecordMaker['makeEventRecords'];
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ZERO32 = '0'.repeat(32);
const ZERO16 = '0'.repeat(16);
/** Shared by every record until protect seals its content: a Buffer nothing writes into. */
const NO_CONTENT = Buffer.alloc(0);
/** 2000-01-01T00:00:00Z in nanoseconds. */
const EARLIEST_START = 946_684_800_000_000_000n;
/** How far ahead of this collector's clock a sender's clock may run. */
const MAX_CLOCK_SKEW_MS = 24 * 3_600_000;

/**
 * The normalize processor: GenAI spans of any semantic-convention dialect become audit
 * records (README.md, "The audit record"); other spans are dropped and counted. The GenAI
 * events of one span, sent as log records, become one event record (events.ts), which the
 * join processor merges into the span's.
 */
export function createNormalizer(config: NormalizeProcessorConfig): Normalizer {
  const excluded = compileExclusions(config.exclude_attributes);
  const rules: ClearTextRules = {
    span: clearTextRule('span', config.keep_attributes),
    resource: clearTextRule('resource', config.keep_attributes),
  };
  const spans: Normalizer['spans'] = (tenantId, traces) => {
    const result: MadeRecords = { records: [], dropped: 0, rejected: 0 };
    for (const resourceSpans of traces.resourceSpans) {
      const resource = resourceColumns(resourceSpans.resource, rules, excluded);
      for (const { scope, spans } of resourceSpans.scopeSpans) {
        for (const span of spans) {
          if (!isGenAiSpan(span.attributes)) {
            result.dropped++;
            continue;
          }
          const invalid = validate(span);
          if (invalid) {
            result.rejected++;
            result.rejectReason ??= invalid;
            continue;
          }
          const record = toRecord(tenantId, span, scope.name, scope.version, resource, rules, excluded);
          if (mayGetEvents(record)) record.join = 'span';
          result.records.push(record);
        }
      }
    }
    return result;
  };
  const events: Normalizer['events'] = (tenantId, logs) => {
    const grouped = groupEvents(logs.resourceLogs);
    const result: MadeRecords = { records: [], dropped: grouped.dropped, rejected: 0 };
    for (const { resource, scope, span } of grouped.spans) {
      // Events without a time are dated by their arrival.
      if (span.startTimeUnixNano === 0n)
        span.startTimeUnixNano = span.endTimeUnixNano = BigInt(Date.now()) * 1_000_000n;
      const invalid = validate(span);
      if (invalid) {
        result.rejected += span.events.length || 1;
        result.rejectReason ??= invalid.replace('span', 'GenAI event');
        continue;
      }
      const columns = resourceColumns(resource, rules, excluded);
      const record = toRecord(tenantId, span, scope.name, scope.version, columns, rules, excluded);
      // Its own id, so stored alone it never takes the place of the span's record, nor of
      // the span's other events sent in another export (they start at another time).
      record.record_id = recordId(tenantId, span.traceId, `${span.spanId}/events/${span.startTimeUnixNano}`);
      if (record.finish_reasons.length === 0) record.finish_reasons = choiceFinishReasons(span);
      record.attributes[EVENTS_ONLY] = 'true';
      record.join = 'events';
      result.records.push(record);
    }
    return result;
  };
  return { spans, events };
}

/** The finish reasons `gen_ai.choice` events carry (their span has them as an attribute). */
function choiceFinishReasons(span: Span): string[] {
  return span.events
    .filter((event) => event.name === 'gen_ai.choice' && typeof event.attributes.finish_reason === 'string')
    .map((event) => finishReason(event.attributes.finish_reason as string));
}

/**
 * Model calls whose messages may come as events (log records), besides or instead of the
 * span's own: any but our hook's, which puts messages on the span or nowhere. The join
 * processor decides whether one waits.
 */
const EVENT_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content']);

function mayGetEvents(record: AuditRecord): boolean {
  return EVENT_OPERATIONS.has(record.operation) && !record.scope_name.startsWith('@ai-audit/');
}

function validate(span: Span): string | undefined {
  if (!HEX32.test(span.traceId) || span.traceId === ZERO32) return 'span with an invalid trace_id';
  if (!HEX16.test(span.spanId) || span.spanId === ZERO16) return 'span with an invalid span_id';
  if (span.parentSpanId !== '' && !HEX16.test(span.parentSpanId)) return 'span with an invalid parent_span_id';
  if (span.startTimeUnixNano <= 0n) return 'span without a start time';
  // Records are partitioned and expired by this time: refuse what cannot be a real call
  // (and what DateTime64(9), which ends in 2262, could not even hold).
  if (
    span.startTimeUnixNano < EARLIEST_START ||
    span.startTimeUnixNano > BigInt(Date.now() + MAX_CLOCK_SKEW_MS) * 1_000_000n
  ) {
    return 'span start time out of range';
  }
  return undefined;
}

interface ClearTextRules {
  span: ReturnType<typeof clearTextRule>;
  resource: ReturnType<typeof clearTextRule>;
}

interface ResourceColumns {
  service_name: string;
  service_version: string;
  environment: string;
  resource: Record<string, string>;
  /** Resource attributes not known to be metadata: sealed with each record. */
  sealed: Record<string, unknown> | undefined;
}

function resourceColumns(
  resource: Attributes,
  rules: ClearTextRules,
  excluded: (key: string) => boolean,
): ResourceColumns {
  const split = splitAttributes(resource, excluded, rules.resource);
  return {
    service_name: asString(first(resource, RESOURCE_KEYS.serviceName)),
    service_version: asString(first(resource, RESOURCE_KEYS.serviceVersion)),
    environment: asString(first(resource, RESOURCE_KEYS.environment)),
    resource: split.clear,
    sealed: split.sealed,
  };
}

function toRecord(
  tenantId: string,
  span: Span,
  scopeName: string,
  scopeVersion: string,
  resource: ResourceColumns,
  rules: ClearTextRules,
  excluded: (key: string) => boolean,
): AuditRecord {
  const a = span.attributes;
  const attributes = splitAttributes(
    a,
    (key) => IDENTITY_KEYS.has(key) || TOKEN_KEYS.has(key) || isContentKey(key) || excluded(key),
    rules.span,
  );
  const operation = operationOf(a, span.name);
  const { content, repeated } = extractContent(span, operation);
  content.extra = extraDocument({
    attributes: repeated ? { ...attributes.sealed, ...repeated } : attributes.sealed,
    resource: resource.sealed,
    events: sealedEvents(span.events),
  });
  const provider = providerOf(a);
  const request = invocation(a);
  const model = asString(first(a, KEYS.model));
  const requestModel = asString(first(a, KEYS.requestModel)) || request?.model || model;
  const responseModel = asString(first(a, KEYS.responseModel)) || model;
  const errorType = asString(first(a, KEYS.errorType)) || exceptionType(span);
  const failed = span.statusCode === 2 || errorType !== '';
  const ttftSeconds = asNumber(first(a, KEYS.ttft));
  const ttftMs = ttftSeconds === null ? asNumber(first(a, KEYS.ttftMs)) : ttftSeconds * 1000;
  const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
  return {
    timestamp: span.startTimeUnixNano,
    tenant_id: tenantId,
    record_id: recordId(tenantId, span.traceId, span.spanId),
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    span_name: span.name,
    scope_name: scopeName,
    scope_version: scopeVersion,
    service_name: resource.service_name,
    service_version: resource.service_version,
    environment: resource.environment,
    user_id: asString(first(a, KEYS.user)),
    session_id: asString(first(a, KEYS.session)),
    conversation_id: asString(first(a, KEYS.conversation)),
    feature: asString(first(a, KEYS.feature)),
    operation,
    provider,
    request_model: requestModel,
    response_model: responseModel,
    response_id: asString(first(a, KEYS.responseId)),
    server_address: asString(first(a, KEYS.serverAddress)),
    agent_name: asString(first(a, KEYS.agentName)) || entityNamed(a, operation, 'invoke_agent'),
    tool_name: asString(first(a, KEYS.toolName)) || entityNamed(a, operation, 'execute_tool'),
    tool_call_id: asString(first(a, KEYS.toolCallId)),
    ...readTokens(a, provider, (responseModel || requestModel).toLowerCase(), a['gen_ai.provider.name'] !== undefined),
    cost_usd: null,
    latency_ms: Number(duration) / 1e6,
    ttft_ms: ttftMs,
    streaming: isStreaming(a, span.name, request),
    status: failed ? 'error' : 'ok',
    error_type: failed ? errorType || '_OTHER' : '',
    finish_reasons: asStringList(first(a, KEYS.finishReasons)).map(finishReason),
    violations: [],
    prompt_hash: '',
    response_hash: '',
    content_key_id: '',
    input_sealed: '',
    output_sealed: '',
    system_sealed: '',
    tools_sealed: '',
    extra_sealed: '',
    content_sealed: NO_CONTENT,
    attributes: attributes.clear,
    resource: resource.resource,
    content,
  };
}

/** OpenLLMetry's entity name, when the span is an `operation` (agent run, tool call). */
function entityNamed(a: Attributes, operation: string, wanted: string): string {
  return operation === wanted ? asString(first(a, KEYS.entityName)) : '';
}

/** The `exception.type` of the span's first exception event (the message is content). */
function exceptionType(span: Span): string {
  for (const event of span.events) if (event.name === 'exception') return asString(event.attributes['exception.type']);
  return '';
}

/** `exclude_attributes` entries: exact keys, or prefixes written with a trailing '*'. */
function compileExclusions(patterns: string[]): (key: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')));
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  if (exact.size === 0 && prefixes.length === 0) return () => false;
  return (key) => exact.has(key) || prefixes.some((prefix) => key.startsWith(prefix));
}
