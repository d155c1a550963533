import { createHash } from 'node:crypto';
import type { Attributes } from '../../model/traces';
import { asBoolean, asString, first } from './values';
import { providerName } from './vocabulary';
import { openInferenceOperation, type Invocation } from './openinference';

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

/** Operation names senders use for a semconv one: OpenLLMetry's LangChain chain and graph runs. */
const OPERATION_ALIASES: Record<string, string> = { workflow: 'invoke_workflow' };

/** Traceloop's `llm.request.type` values → semconv operation names. */
const LLM_REQUEST_TYPES: Record<string, string> = {
  chat: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
  rerank: 'rerank',
};

export const KEYS = {
  operation: ['gen_ai.operation.name'],
  // OpenInference: llm.provider is who serves (azure, groq...), llm.system the API family.
  provider: ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'ai.model.provider'],
  requestModel: ['gen_ai.request.model', 'llm.request.model_name'],
  responseModel: ['gen_ai.response.model', 'llm.response.model_name', 'ai.response.model'],
  /** A model named without saying whether requested or answering: the fallback for both. */
  model: ['llm.model_name', 'embedding.model_name', 'reranker.model_name', 'ai.model.id'],
  responseId: ['gen_ai.response.id'],
  serverAddress: ['server.address'],
  agentName: ['gen_ai.agent.name', 'agent.name'],
  toolName: ['gen_ai.tool.name', 'tool.name', 'ai.toolCall.name'],
  /** OpenLLMetry: the agent's, tool's or workflow's name, by `traceloop.span.kind`. */
  entityName: ['traceloop.entity.name'],
  toolCallId: ['gen_ai.tool.call.id', 'tool_call.id', 'ai.toolCall.id'],
  user: [
    'user.id',
    'enduser.id',
    'ai.telemetry.metadata.userId',
    'traceloop.association.properties.user_id',
    'gen_ai.request.user',
  ],
  session: [
    'session.id',
    'gen_ai.session.id',
    'ai.telemetry.metadata.sessionId',
    'traceloop.association.properties.session_id',
  ],
  conversation: ['gen_ai.conversation.id'],
  feature: ['ai_audit.feature'],
  finishReasons: [
    'gen_ai.response.finish_reasons',
    'ai.response.finishReason',
    'llm.response.finish_reason',
    'llm.finish_reason',
    'llm.response.stop_reason',
  ],
  stream: ['gen_ai.request.stream', 'gen_ai.request.is_stream', 'llm.is_streaming'],
  /** Seconds. */
  ttft: ['gen_ai.response.time_to_first_chunk', 'gen_ai.server.time_to_first_token'],
  /** Milliseconds (Vercel AI SDK). */
  ttftMs: ['ai.response.msToFirstChunk', 'ai.stream.msToFirstChunk'],
  errorType: ['error.type'],
} as const;

export const RESOURCE_KEYS = {
  serviceName: ['service.name'],
  serviceVersion: ['service.version'],
  environment: ['deployment.environment.name', 'deployment.environment'],
} as const;

/** Every span attribute key that lands in a dedicated column. */
export const IDENTITY_KEYS: ReadonlySet<string> = new Set(Object.values(KEYS).flat());

/**
 * A span is a GenAI operation when it names one or names a GenAI provider, or is an
 * OpenInference span of a GenAI kind.
 */
export function isGenAiSpan(attributes: Attributes): boolean {
  return (
    first(attributes, ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.system']) !== undefined ||
    openInferenceOperation(attributes) !== undefined ||
    vercelOperation(attributes) !== undefined ||
    traceloopOperation(attributes) !== undefined
  );
}

/**
 * OpenLLMetry's framework spans (LangChain, LangGraph, its own decorators), which carry no
 * gen_ai.* key: an agent run, a tool call, a workflow (a chain or graph run). Its `task`
 * spans are plumbing between them, like OpenInference's CHAIN spans, and are not records.
 */
const TRACELOOP_KINDS: Record<string, string> = {
  agent: 'invoke_agent',
  tool: 'execute_tool',
  workflow: 'invoke_workflow',
};

export function traceloopOperation(attributes: Attributes): string | undefined {
  return TRACELOOP_KINDS[asString(attributes['traceloop.span.kind']).toLowerCase()];
}

/**
 * The Vercel AI SDK's spans that carry no gen_ai.* key but are GenAI operations: a tool's
 * execution and an embedding call. (Its outer generateText/streamText spans are not: the
 * inner doGenerate/doStream span is the record of the model call.)
 */
const VERCEL_OPERATIONS: Record<string, string> = {
  'ai.toolCall': 'execute_tool',
  'ai.embed.doEmbed': 'embeddings',
  'ai.embedMany.doEmbed': 'embeddings',
};

function vercelOperation(attributes: Attributes): string | undefined {
  return VERCEL_OPERATIONS[asString(attributes['ai.operationId'])];
}

export function operationOf(attributes: Attributes, spanName: string): string {
  const named = asString(first(attributes, KEYS.operation)).trim().toLowerCase();
  if (named) return OPERATION_ALIASES[named] ?? named;
  const openInference = openInferenceOperation(attributes);
  if (openInference) return openInference;
  const vercel = vercelOperation(attributes);
  if (vercel) return vercel;
  const traceloop = traceloopOperation(attributes);
  if (traceloop) return traceloop;
  const requestType = LLM_REQUEST_TYPES[asString(attributes['llm.request.type']).toLowerCase()];
  if (requestType) return requestType;
  const fromName = spanName.split(' ', 1)[0].toLowerCase();
  return OPERATIONS.has(fromName) ? fromName : 'chat';
}

export function providerOf(attributes: Attributes): string {
  return providerName(asString(first(attributes, KEYS.provider)));
}

/**
 * Streaming, said outright, by the request (OpenInference's invocation parameters) or by
 * the Vercel AI SDK's span and operation names (`ai.streamText.doStream`).
 */
export function isStreaming(attributes: Attributes, spanName: string, invocation?: Invocation): boolean {
  const said = asBoolean(first(attributes, KEYS.stream)) ?? invocation?.stream ?? null;
  if (said !== null) return said;
  return /(^|\.)doStream$|^ai\.stream/.test(asString(attributes['ai.operationId']) || spanName);
}

/**
 * Stable record id: the same span from the same tenant always maps to the same id, so a
 * replayed or re-sent span is recognisably the same record. A UUID (version 8, "custom")
 * built from SHA-256 keeps the column compact and sortable by nothing in particular.
 */
export function recordId(tenantId: string, traceId: string, spanId: string): string {
  // One update of the joined text digests the same bytes as one per part, with one call into OpenSSL.
  const digest = createHash('sha256').update(`${tenantId}\0${traceId}\0${spanId}`).digest();
  digest[6] = (digest[6] & 0x0f) | 0x80;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
