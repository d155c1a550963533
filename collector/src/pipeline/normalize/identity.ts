import { createHash } from 'node:crypto';
import type { Attributes } from '../../receiver/otlp/types';
import { asString, first } from './values';

/** Who called, what, where: the non-token, non-content columns and the keys they come from. */

export const OPERATIONS = new Set([
  'chat',
  'text_completion',
  'generate_content',
  'embeddings',
  'execute_tool',
  'invoke_agent',
  'create_agent',
  'invoke_workflow',
  'retrieval',
]);

/** Traceloop's `llm.request.type` values → semconv operation names. */
const LLM_REQUEST_TYPES: Record<string, string> = {
  chat: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
  rerank: 'rerank',
};

/** Provider names from semconv ≤ v1.36 and from instrumentations that capitalize them. */
const PROVIDER_RENAMES: Record<string, string> = {
  'az.ai.openai': 'azure.ai.openai',
  'az.ai.inference': 'azure.ai.inference',
  azure_openai: 'azure.ai.openai',
  gemini: 'gcp.gemini',
  vertex_ai: 'gcp.vertex_ai',
  vertexai: 'gcp.vertex_ai',
  bedrock: 'aws.bedrock',
  awsbedrock: 'aws.bedrock',
  mistralai: 'mistral_ai',
  mistral: 'mistral_ai',
};

export const KEYS = {
  operation: ['gen_ai.operation.name'],
  provider: ['gen_ai.provider.name', 'gen_ai.system'],
  requestModel: ['gen_ai.request.model'],
  responseModel: ['gen_ai.response.model'],
  responseId: ['gen_ai.response.id'],
  serverAddress: ['server.address'],
  agentName: ['gen_ai.agent.name'],
  toolName: ['gen_ai.tool.name'],
  toolCallId: ['gen_ai.tool.call.id'],
  user: ['user.id', 'enduser.id'],
  session: ['session.id', 'gen_ai.session.id'],
  conversation: ['gen_ai.conversation.id'],
  feature: ['ai_audit.feature'],
  finishReasons: ['gen_ai.response.finish_reasons'],
  stream: ['gen_ai.request.stream'],
  ttft: ['gen_ai.response.time_to_first_chunk'],
  errorType: ['error.type'],
} as const;

export const RESOURCE_KEYS = {
  serviceName: ['service.name'],
  serviceVersion: ['service.version'],
  environment: ['deployment.environment.name', 'deployment.environment'],
} as const;

/** Every span attribute key that lands in a dedicated column. */
export const IDENTITY_KEYS: ReadonlySet<string> = new Set(Object.values(KEYS).flat());

/** A span is a GenAI operation when it names one or names a GenAI provider. */
export function isGenAiSpan(attributes: Attributes): boolean {
  return first(attributes, ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.system']) !== undefined;
}

export function operationOf(attributes: Attributes, spanName: string): string {
  const named = asString(first(attributes, KEYS.operation)).trim().toLowerCase();
  if (named) return named;
  const requestType = LLM_REQUEST_TYPES[asString(attributes['llm.request.type']).toLowerCase()];
  if (requestType) return requestType;
  const fromName = spanName.split(' ', 1)[0].toLowerCase();
  return OPERATIONS.has(fromName) ? fromName : 'chat';
}

export function providerOf(attributes: Attributes): string {
  const raw = asString(first(attributes, KEYS.provider)).trim().toLowerCase();
  return PROVIDER_RENAMES[raw] ?? raw;
}

/**
 * Stable record id: the same span from the same tenant always maps to the same id, so a
 * replayed or re-sent span is recognisably the same record. A UUID (version 8, "custom")
 * built from SHA-256 keeps the column compact and sortable by nothing in particular.
 */
export function recordId(tenantId: string, traceId: string, spanId: string): string {
  const digest = createHash('sha256').update(tenantId).update('\0').update(traceId).update('\0').update(spanId).digest();
  digest[6] = (digest[6] & 0x0f) | 0x80;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
