import type { AnyValue } from '../../model/traces';

/**
 * Default-deny for the clear-text `attributes` and `resource` columns (docs/architecture.md,
 * "Default-deny for content"). A list of content keys can never be complete: every month
 * another instrumentation invents one. So the rule is the other way round: a value is
 * stored in clear only when it is known to be metadata, and everything else is sealed with
 * the record's content (the `extra` document).
 *
 * In clear: numbers and booleans under any key; strings only under the keys below (the
 * metadata of the dialects we read: request parameters, ids, enums, names of models,
 * servers, spans and workflows) or the config's `keep_attributes`, and only while short.
 */

/** Longer strings are sealed even under a metadata key: an id or an enum is never this long. */
export const MAX_CLEAR_LENGTH = 256;

const SPAN_KEYS = new Set([
  // GenAI semantic conventions: request parameters and response metadata.
  'gen_ai.request.temperature',
  'gen_ai.request.top_p',
  'gen_ai.request.top_k',
  'gen_ai.request.max_tokens',
  'gen_ai.request.max_input_tokens',
  'gen_ai.request.frequency_penalty',
  'gen_ai.request.presence_penalty',
  'gen_ai.request.seed',
  'gen_ai.request.choice.count',
  'gen_ai.request.encoding_formats',
  'gen_ai.output.type',
  'gen_ai.agent.id',
  'gen_ai.tool.type',
  'gen_ai.data_source.id',
  'gen_ai.embeddings.dimension.count',
  'gen_ai.openai.request.service_tier',
  'gen_ai.openai.response.service_tier',
  'gen_ai.openai.response.system_fingerprint',
  'gen_ai.openai.request.response_format',
  // The same OpenAI parameters as semconv names them since v1.37, as this project's hook sends them.
  'openai.request.service_tier',
  'openai.response.service_tier',
  'openai.response.system_fingerprint',
  // MCP (semconv): the method and ids of a tool call, resource read or prompt fetch.
  'mcp.method.name',
  'mcp.session.id',
  'mcp.protocol.version',
  'jsonrpc.request.id',
  'rpc.response.status_code',
  'network.transport',
  'gen_ai.prompt.name',
  'server.port',
  'http.request.method',
  'http.response.status_code',
  'url.scheme',
  // OpenLLMetry
  'llm.request.type',
  'llm.is_streaming',
  'llm.usage.total_tokens',
  'llm.response.finish_reason',
  'llm.response.stop_reason',
  'traceloop.span.kind',
  'traceloop.entity.name',
  'traceloop.entity.path',
  'traceloop.workflow.name',
  // OpenInference
  'openinference.span.kind',
  'input.mime_type',
  'output.mime_type',
  // Vercel AI SDK
  'operation.name',
  'ai.operationId',
  'ai.model.provider',
  'ai.telemetry.functionId',
  'ai.response.finishReason',
  'ai.response.id',
  'ai.response.timestamp',
  'ai.settings.maxRetries',
  'ai.settings.maxSteps',
  'ai.settings.maxOutputTokens',
  'ai.settings.temperature',
  'ai.settings.topP',
  'ai.settings.topK',
  'ai.settings.mode',
  'ai.schema.name',
  // Our own hook.
  'ai_audit.abandon.reason',
]);

/** Prefixes whose every key is metadata (our own namespace, OTel's own, code locations). */
const SPAN_PREFIXES = ['ai_audit.', 'otel.', 'telemetry.', 'code.', 'thread.'];

/**
 * Resource attributes: who and where the service runs. Process command lines and
 * environment-like keys are left out on purpose: they can carry secrets.
 */
const RESOURCE_KEYS = new Set([
  'process.pid',
  'process.executable.name',
  'process.runtime.name',
  'process.runtime.version',
  'process.runtime.description',
  'process.owner',
]);

const RESOURCE_PREFIXES = [
  'service.',
  'deployment.',
  'telemetry.',
  'host.',
  'os.',
  'k8s.',
  'cloud.',
  'container.',
  'faas.',
  'webengine.',
  'device.',
  'ai_audit.',
];

export type MetadataScope = 'span' | 'resource';

/**
 * Decides, key by key, what may be stored in clear. `keep` is the config's list of extra
 * metadata keys: exact keys, or prefixes written with a trailing '*'.
 */
export function clearTextRule(
  scope: MetadataScope,
  keep: readonly string[],
): (key: string, value: AnyValue) => boolean {
  const keys = scope === 'span' ? SPAN_KEYS : RESOURCE_KEYS;
  const prefixes = [
    ...(scope === 'span' ? SPAN_PREFIXES : RESOURCE_PREFIXES),
    ...keep.filter((k) => k.endsWith('*')).map((k) => k.slice(0, -1)),
  ];
  const exact = new Set(keep.filter((k) => !k.endsWith('*')));
  const known = (key: string): boolean =>
    keys.has(key) || exact.has(key) || prefixes.some((prefix) => key.startsWith(prefix));
  return (key, value) => isScalar(value) || (known(key) && isShortText(value));
}

/** Numbers and booleans (alone or in arrays) say nothing a prompt could. */
function isScalar(value: AnyValue): boolean {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return true;
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => typeof item === 'number' || typeof item === 'boolean' || typeof item === 'bigint')
  );
}

function isShortText(value: AnyValue): boolean {
  if (typeof value === 'string') return value.length <= MAX_CLEAR_LENGTH;
  return (
    Array.isArray(value) &&
    value.every((item) => typeof item === 'string' && item.length <= MAX_CLEAR_LENGTH) &&
    value.join(',').length <= MAX_CLEAR_LENGTH
  );
}
