/**
 * Every attribute, event, metric and baggage name this package emits, in one place.
 *
 * GenAI names follow OpenTelemetry semantic conventions v1.41 (the `gen_ai.*` registry as
 * published in `@opentelemetry/semantic-conventions` 1.4x incubating). They are copied rather
 * than imported: the incubating entry point is unstable by contract, and the collector reads
 * exactly these strings.
 */

// --- GenAI span attributes -------------------------------------------------------------------
export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';

export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k';
export const GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences';
export const GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty';
export const GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty';
export const GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
export const GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
export const GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats';

export const GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
/** Seconds from issuing the request to the first streamed chunk. */
export const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';

/** Includes cache reads and cache writes (semconv: "SHOULD include all types of input tokens"). */
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
/** Includes reasoning tokens. */
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';

export const GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count';

// Agents, tools and workflows (the spans around and between model calls).
export const GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const GEN_AI_AGENT_DESCRIPTION = 'gen_ai.agent.description';
export const GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description';
/** Content (opt-in, like messages): the arguments a tool was called with, as JSON. */
export const GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
/** Content: what the tool returned, as JSON. */
export const GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';

// Content: JSON strings in the v1.41 message schemas (see content.ts).
export const GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
export const GEN_AI_TOOL_DEFINITIONS = 'gen_ai.tool.definitions';

export const OPENAI_REQUEST_SERVICE_TIER = 'openai.request.service_tier';
export const OPENAI_RESPONSE_SERVICE_TIER = 'openai.response.service_tier';

export const SERVER_ADDRESS = 'server.address';
export const SERVER_PORT = 'server.port';
export const ERROR_TYPE = 'error.type';
export const HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
/** semconv's fallback `error.type` when nothing more specific is known. */
export const ERROR_TYPE_OTHER = '_OTHER';

// --- Model Context Protocol (semconv gen-ai/mcp.md) -------------------------------------------
export const MCP_METHOD_NAME = 'mcp.method.name';
export const MCP_SESSION_ID = 'mcp.session.id';
export const MCP_RESOURCE_URI = 'mcp.resource.uri';
export const GEN_AI_PROMPT_NAME = 'gen_ai.prompt.name';
export const JSONRPC_REQUEST_ID = 'jsonrpc.request.id';
/** The JSON-RPC error code of a failed MCP request, as a string (also its `error.type`). */
export const RPC_RESPONSE_STATUS_CODE = 'rpc.response.status_code';
/** `error.type` of a tool call that succeeded as JSON-RPC but answered `isError: true`. */
export const ERROR_TYPE_TOOL_ERROR = 'tool_error';

// --- Who is calling (copied from baggage onto every GenAI span) -------------------------------
export const USER_ID = 'user.id';
export const SESSION_ID = 'session.id';
export const AI_AUDIT_TENANT_ID = 'ai_audit.tenant_id';
export const AI_AUDIT_FEATURE = 'ai_audit.feature';

/**
 * Why a call ended without the application reading its result to the end:
 * `return` (the consumer stopped iterating: `break`, an exception in the loop body),
 * `abort` (the SDK's controller was aborted), `gc` (the stream or promise was garbage
 * collected unread), `shutdown` (the process exited while it was still open).
 */
export const AI_AUDIT_ABANDON_REASON = 'ai_audit.abandon.reason';
export type AbandonReason = 'return' | 'abort' | 'gc' | 'shutdown';

/** The finish reason of an output message that was cut short (the schema requires one). */
export const FINISH_REASON_INCOMPLETE = 'incomplete';

// --- Values ---------------------------------------------------------------------------------
export const OPERATION = {
  chat: 'chat',
  embeddings: 'embeddings',
  generateContent: 'generate_content',
  textCompletion: 'text_completion',
  invokeAgent: 'invoke_agent',
  executeTool: 'execute_tool',
  invokeWorkflow: 'invoke_workflow',
} as const;
export type Operation = (typeof OPERATION)[keyof typeof OPERATION];

export const PROVIDER = {
  openai: 'openai',
  azureOpenai: 'azure.ai.openai',
  azureInference: 'azure.ai.inference',
  anthropic: 'anthropic',
  awsBedrock: 'aws.bedrock',
  gcpGemini: 'gcp.gemini',
  gcpVertexAi: 'gcp.vertex_ai',
  cohere: 'cohere',
  deepseek: 'deepseek',
  groq: 'groq',
  ibmWatsonx: 'ibm.watsonx.ai',
  mistral: 'mistral_ai',
  /** Not one of semconv's well-known names: the lower-case product name, as semconv advises. */
  ollama: 'ollama',
  perplexity: 'perplexity',
  xai: 'x_ai',
} as const;

// --- Events ---------------------------------------------------------------------------------
/** Carries the content attributes when capture mode asks for events (event_only, span_and_event). */
export const EVENT_INFERENCE_DETAILS = 'gen_ai.client.inference.operation.details';

// --- Metrics --------------------------------------------------------------------------------
export const METRIC_TOKEN_USAGE = 'gen_ai.client.token.usage';
export const METRIC_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const TOKEN_TYPE_INPUT = 'input';
export const TOKEN_TYPE_OUTPUT = 'output';
export const TOKEN_USAGE_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
export const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/** The batch span processor's self-observability counter; `error.type=queue_full` marks drops. */
export const METRIC_SDK_SPANS_PROCESSED = 'otel.sdk.processor.span.processed';
export const ERROR_TYPE_QUEUE_FULL = 'queue_full';

// --- OpenAI Agents SDK (not semconv: the SDK's guardrails have no GenAI equivalent) ----------
/** The guardrails that ran for an agent step (input and output guardrails), by name. */
export const OPENAI_AGENTS_GUARDRAIL_NAMES = 'openai.agents.guardrail.names';
/** Those of them whose tripwire triggered (the run then failed). */
export const OPENAI_AGENTS_GUARDRAIL_TRIGGERED = 'openai.agents.guardrail.triggered';
