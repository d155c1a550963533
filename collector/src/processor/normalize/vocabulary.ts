/**
 * One vocabulary for the values every library spells its own way: provider names
 * (GenAI semconv `gen_ai.provider.name` values) and finish reasons (OpenAI's: stop,
 * length, tool_calls, content_filter, error).
 */

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
  xai: 'x_ai',
  'amazon-bedrock': 'aws.bedrock',
  // OpenInference's llm.provider and llm.system values.
  azure: 'azure.ai.openai',
  google: 'gcp.gemini',
  aws: 'aws.bedrock',
  amazon: 'aws.bedrock',
};

/**
 * The Vercel AI SDK names the provider module and API (`openai.chat`, `anthropic.messages`,
 * `google.vertex.chat`): the module before the first dot says who the provider is.
 */
const PROVIDER_MODULES: Record<string, string> = {
  openai: 'openai',
  'azure-openai': 'azure.ai.openai',
  azure: 'azure.ai.openai',
  anthropic: 'anthropic',
  google: 'gcp.gemini',
  'google.vertex': 'gcp.vertex_ai',
  vertex: 'gcp.vertex_ai',
  mistral: 'mistral_ai',
  cohere: 'cohere',
  groq: 'groq',
  xai: 'x_ai',
  deepseek: 'deepseek',
  perplexity: 'perplexity',
  'amazon-bedrock': 'aws.bedrock',
  bedrock: 'aws.bedrock',
};

export function providerName(raw: string): string {
  const name = raw.trim().toLowerCase();
  const renamed = PROVIDER_RENAMES[name];
  if (renamed) return renamed;
  const dot = name.indexOf('.');
  if (dot > 0 && !KNOWN_DOTTED.has(name)) {
    const second = name.indexOf('.', dot + 1);
    const module = (second > 0 && PROVIDER_MODULES[name.slice(0, second)]) || PROVIDER_MODULES[name.slice(0, dot)];
    if (module) return module;
  }
  return name;
}

/** Semconv names that contain a dot themselves. */
const KNOWN_DOTTED = new Set([
  'azure.ai.openai',
  'azure.ai.inference',
  'gcp.gemini',
  'gcp.vertex_ai',
  'gcp.gen_ai',
  'aws.bedrock',
  'ibm.watsonx.ai',
]);

const FINISH_REASONS: Record<string, string> = {
  stop: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  eos: 'stop',
  complete: 'stop',
  finish_reason_stop: 'stop',
  length: 'length',
  max_tokens: 'length',
  model_length: 'length',
  tool_calls: 'tool_calls',
  tool_call: 'tool_calls',
  tool_use: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
  safety: 'content_filter',
  recitation: 'content_filter',
  blocklist: 'content_filter',
  prohibited_content: 'content_filter',
  spii: 'content_filter',
  refusal: 'content_filter',
  guardrail_intervened: 'content_filter',
  error: 'error',
};

/** A finish reason in OpenAI's words; one nobody maps is kept, lower-cased, with '_' for '-'. */
export function finishReason(raw: string): string {
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '_');
  return FINISH_REASONS[key] ?? key;
}
