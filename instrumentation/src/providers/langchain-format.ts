/**
 * LangChain.js objects in semconv terms: chat model requests (its call options and
 * invocation params), messages (BaseMessage and the message-likes LangChain accepts),
 * AIMessage results with `usage_metadata`, tool calls and graph state. One mapping for every
 * chat model integration: LangChain gives them all the same message and usage shapes.
 */
import type { AttributeMap } from '../attributes';
import type { CallResult, StreamAccumulator, Usage } from '../call';
import {
  blobPart,
  filePart,
  genericPart,
  reasoningPart,
  textPart,
  textParts,
  toolCallPart,
  toolResponsePart,
  uriPart,
  urlPart,
  type InputMessage,
  type OutputMessage,
  type Part,
  type RequestContent,
} from '../content';
import {
  GEN_AI_INPUT_MESSAGES,
  GEN_AI_OUTPUT_MESSAGES,
  GEN_AI_REQUEST_CHOICE_COUNT,
  GEN_AI_REQUEST_FREQUENCY_PENALTY,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_PRESENCE_PENALTY,
  GEN_AI_REQUEST_SEED,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_K,
  GEN_AI_REQUEST_TOP_P,
  GEN_AI_SYSTEM_INSTRUCTIONS,
  GEN_AI_TOOL_CALL_ARGUMENTS,
  GEN_AI_TOOL_CALL_RESULT,
  PROVIDER,
} from '../semconv';
import { arr, finishReasonOf, num, obj, str, strings, type Obj } from '../shape';
import type { StepContent } from '../step';

/** LangChain's `ls_provider` values (what its integrations report) as semconv provider names. */
const PROVIDERS: Readonly<Record<string, string>> = {
  openai: PROVIDER.openai,
  azure: PROVIDER.azureOpenai,
  azure_openai: PROVIDER.azureOpenai,
  anthropic: PROVIDER.anthropic,
  google_genai: PROVIDER.gcpGemini,
  google_vertexai: PROVIDER.gcpVertexAi,
  amazon_bedrock: PROVIDER.awsBedrock,
  bedrock: PROVIDER.awsBedrock,
  mistral: PROVIDER.mistral,
  mistralai: PROVIDER.mistral,
  groq: PROVIDER.groq,
  cohere: PROVIDER.cohere,
  ollama: PROVIDER.ollama,
  deepseek: PROVIDER.deepseek,
  xai: PROVIDER.xai,
  perplexity: PROVIDER.perplexity,
  ibm: PROVIDER.ibmWatsonx,
  watsonx: PROVIDER.ibmWatsonx,
};

export function providerOf(lsProvider: string | undefined): string {
  const name = (lsProvider ?? 'langchain').toLowerCase();
  return PROVIDERS[name] ?? name;
}

/**
 * semconv output finish reasons for the raw ones LangChain passes through in
 * `response_metadata` (OpenAI's `finish_reason`, Anthropic's `stop_reason`, Gemini's `finishReason`).
 */
const FINISH_REASONS: Readonly<Record<string, string>> = {
  stop: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  STOP: 'stop',
  length: 'length',
  max_tokens: 'length',
  MAX_TOKENS: 'length',
  tool_calls: 'tool_call',
  function_call: 'tool_call',
  tool_use: 'tool_call',
  content_filter: 'content_filter',
  SAFETY: 'content_filter',
  refusal: 'content_filter',
};

/** Request parameters, from LangSmith's `ls_*` params and the provider's invocation params. */
export function chatAttributes(ls: Obj, params: Obj): AttributeMap {
  const n = num(params.n);
  return {
    [GEN_AI_REQUEST_TEMPERATURE]: num(ls.ls_temperature) ?? num(params.temperature),
    [GEN_AI_REQUEST_MAX_TOKENS]:
      num(ls.ls_max_tokens) ??
      num(params.max_tokens) ??
      num(params.max_completion_tokens) ??
      num(params.max_output_tokens) ??
      num(params.maxTokens) ??
      num(params.maxOutputTokens),
    [GEN_AI_REQUEST_TOP_P]: num(params.top_p) ?? num(params.topP),
    [GEN_AI_REQUEST_TOP_K]: num(params.top_k) ?? num(params.topK),
    [GEN_AI_REQUEST_FREQUENCY_PENALTY]: num(params.frequency_penalty) ?? num(params.frequencyPenalty),
    [GEN_AI_REQUEST_PRESENCE_PENALTY]: num(params.presence_penalty) ?? num(params.presencePenalty),
    [GEN_AI_REQUEST_SEED]: num(params.seed),
    [GEN_AI_REQUEST_STOP_SEQUENCES]: strings(ls.ls_stop) ?? strings(params.stop) ?? strings(params.stop_sequences),
    [GEN_AI_REQUEST_CHOICE_COUNT]: n !== undefined && n !== 1 ? n : undefined,
  };
}

/** A message's type: BaseMessage's `type` (or `_getType()` before it had one), a dict's `role`. */
function typeOf(message: Obj): string | undefined {
  const type = str(message.type) ?? str(message.role);
  if (type) return type;
  const getType = message._getType;
  return typeof getType === 'function' ? str(getType.call(message)) : undefined;
}

const ROLES: Readonly<Record<string, string>> = {
  human: 'user',
  user: 'user',
  ai: 'assistant',
  assistant: 'assistant',
  system: 'system',
  developer: 'system',
  tool: 'tool',
  function: 'tool',
};

/** A LangChain content block (OpenAI-style in v0, standard blocks in v1) as a semconv part. */
function contentPart(value: unknown): Part[] {
  if (typeof value === 'string') return [textPart(value)];
  const block = obj(value);
  if (!block) return [];
  const type = str(block.type);
  switch (type) {
    case 'text':
      return [textPart(str(block.text) ?? '')];
    // The message's `tool_calls` carries these (v1 content, Anthropic's blocks) once, parsed.
    case 'tool_call':
    case 'tool_call_chunk':
    case 'tool_use':
      return [];
    case 'reasoning':
    case 'thinking': {
      const text = str(block.reasoning) ?? str(block.thinking);
      return text ? [reasoningPart(text)] : [];
    }
    case 'image_url': {
      const url = str(block.image_url) ?? str(obj(block.image_url)?.url);
      return url ? [urlPart(url, 'image')] : [];
    }
    case 'image':
    case 'audio':
    case 'video':
    case 'file': {
      const mimeType = str(block.mimeType) ?? str(block.mime_type);
      const modality = type === 'file' ? undefined : type;
      const data = str(block.data);
      if (data) return [blobPart(mimeType, data, modality)];
      const url = str(block.url);
      if (url) return [modality ? urlPart(url, modality) : uriPart(url, mimeType)];
      const fileId = str(block.fileId) ?? str(block.id);
      return fileId ? [filePart(fileId, mimeType, modality)] : [genericPart(block)];
    }
    default:
      return [genericPart(block)];
  }
}

/** Content parts; the empty string LangChain puts in a message that only calls tools says nothing. */
function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [textPart(content)];
  return arr(content).flatMap(contentPart);
}

function toolCallParts(calls: unknown): Part[] {
  return arr(calls).flatMap((value) => {
    const call = obj(value);
    return call ? [toolCallPart(str(call.id), str(call.name) ?? '', call.args)] : [];
  });
}

/** A tool result's content: text as text, anything else as given. */
function toolResult(content: unknown): unknown {
  if (typeof content === 'string') return content;
  const texts = textParts(content);
  return texts.length > 0 && texts.length === arr(content).length
    ? texts.map((part) => (part as { content: string }).content).join('')
    : content;
}

/** A message-like as LangChain accepts it: a BaseMessage, a `{ role, content }`, a `[role, content]` pair or a string. */
function messageOf(value: unknown): { role: string; message: Obj } | undefined {
  if (typeof value === 'string') return { role: 'user', message: { content: value } };
  if (Array.isArray(value) && value.length === 2) {
    const [role, content] = value as [unknown, unknown];
    return { role: ROLES[str(role) ?? ''] ?? str(role) ?? 'user', message: { content } };
  }
  const message = obj(value);
  if (!message) return undefined;
  const type = typeOf(message) ?? 'user';
  const role = type === 'generic' || type === 'chat' ? (str(message.role) ?? type) : (ROLES[type] ?? type);
  return { role, message };
}

/** Messages as semconv input messages, the system ones apart as system instructions. */
export function messagesContent(messages: unknown, tools?: unknown): RequestContent {
  const input: InputMessage[] = [];
  const system: Part[] = [];
  for (const value of arr(messages)) {
    const found = messageOf(value);
    if (!found) continue;
    const { role, message } = found;
    if (role === 'system') {
      system.push(...contentParts(message.content));
    } else if (role === 'tool') {
      const id = str(message.tool_call_id) ?? str(message.name);
      input.push({ role, parts: [toolResponsePart(id, toolResult(message.content))] });
    } else {
      const parts = contentParts(message.content);
      parts.push(...toolCallParts(message.tool_calls));
      input.push({ role, parts });
    }
  }
  return { input, system, tools: arr(tools) };
}

/** LangChain names a message it got no id for `run-<run id>`: that is no response id. */
function responseId(id: unknown): string | undefined {
  const value = str(id);
  return value && !value.startsWith('run-') ? value : undefined;
}

function usageOf(value: unknown): Usage | undefined {
  const usage = obj(value);
  if (!usage) return undefined;
  const input = obj(usage.input_token_details);
  return {
    input: num(usage.input_tokens),
    output: num(usage.output_tokens),
    cacheRead: num(input?.cache_read),
    cacheWrite: num(input?.cache_creation),
    reasoning: num(obj(usage.output_token_details)?.reasoning),
  };
}

function rawFinishReason(metadata: Obj | undefined): string | undefined {
  return (
    str(metadata?.finish_reason) ??
    str(metadata?.stop_reason) ??
    str(metadata?.finishReason) ??
    str(metadata?.done_reason)
  );
}

/**
 * `complete`: the model call returned this message whole. Integrations that report no finish
 * reason then stopped on their own, or to call tools; a stream may also have been cut short.
 */
function outputMessage(message: Obj, metadata: Obj | undefined, complete: boolean): OutputMessage {
  const parts = contentParts(message.content);
  const calls = toolCallParts(message.tool_calls);
  parts.push(...calls);
  const raw = rawFinishReason(metadata);
  const finish = raw || !complete ? finishReasonOf(FINISH_REASONS, raw) : calls.length > 0 ? 'tool_call' : 'stop';
  return { role: 'assistant', parts, finish_reason: finish };
}

/**
 * A chat model's answer (an AIMessage or the AIMessageChunk a stream adds up to). A streamed
 * generation may keep the finish reason in its `generationInfo` only: LangChain copies that
 * into the message's `response_metadata` on some paths, not all.
 */
export function chatResult(value: unknown, generationInfo?: unknown, complete = true): CallResult {
  const message = obj(value);
  if (!message) return {};
  const metadata = { ...obj(generationInfo), ...obj(message.response_metadata) };
  const finish = rawFinishReason(metadata);
  return {
    responseId: responseId(message.id),
    responseModel: str(metadata.model_name) ?? str(metadata.model),
    finishReasons: finish ? [finish] : undefined,
    usage: usageOf(message.usage_metadata),
    output: [outputMessage(message, metadata, complete)],
  };
}

/**
 * Adds up the AIMessageChunks of a stream with LangChain's own `concat` (which merges tool
 * call pieces and usage as the library defines them), once, when the call ends.
 */
export class ChunkAccumulator implements StreamAccumulator<unknown> {
  private readonly chunks: Obj[] = [];

  add(chunk: unknown): boolean {
    const value = obj(chunk);
    if (value) this.chunks.push(value);
    return true;
  }

  result(): CallResult {
    const [first, ...rest] = this.chunks;
    if (!first) return {};
    let message = first;
    for (const chunk of rest) {
      const concat = message.concat;
      if (typeof concat !== 'function') return chatResult(this.chunks[this.chunks.length - 1], undefined, false);
      message = concat.call(message, chunk) as Obj;
    }
    return chatResult(message, undefined, false);
  }
}

/** A ToolCall (`{ type: 'tool_call', id, name, args }`), as tools accept it in place of their arguments. */
export function toolCallOf(value: unknown): Obj | undefined {
  const call = obj(value);
  return call && call.type === 'tool_call' && 'args' in call ? call : undefined;
}

export function toolArguments(arg: unknown): StepContent {
  return { [GEN_AI_TOOL_CALL_ARGUMENTS]: toolCallOf(arg)?.args ?? arg };
}

/** What a tool returned: the ToolMessage LangChain made of it (its content), or the raw output. */
export function toolOutput(output: unknown): StepContent {
  const message = obj(output);
  const isToolMessage = message !== undefined && typeOf(message) === 'tool' && 'content' in message;
  return { [GEN_AI_TOOL_CALL_RESULT]: isToolMessage ? toolResult(message.content) : output };
}

/** A graph's input state, when it carries a conversation (`messages`, as agents' state does). */
export function graphInput(input: unknown): StepContent {
  const messages = obj(input)?.messages;
  if (!Array.isArray(messages)) return {};
  const content = messagesContent(messages);
  return {
    [GEN_AI_INPUT_MESSAGES]: content.input,
    [GEN_AI_SYSTEM_INSTRUCTIONS]: content.system?.length ? content.system : undefined,
  };
}

/** A graph's final state: its last message, when that is the model's answer. */
export function graphOutput(output: unknown): StepContent {
  const messages = arr(obj(output)?.messages);
  const last = obj(messages[messages.length - 1]);
  return last && messageOf(last)?.role === 'assistant'
    ? { [GEN_AI_OUTPUT_MESSAGES]: [outputMessage(last, obj(last.response_metadata), true)] }
    : {};
}
