/**
 * The AI SDK's model interface (LanguageModelV2 in `ai` 5, V3 in `ai` 6, and EmbeddingModelV2/V3)
 * in semconv terms. Every provider package speaks this one interface to `ai`, so one mapping
 * covers them all: call options, the provider-neutral prompt, the generate result and the
 * stream parts. V2 and V3 differ only in usage and finish reason shapes, read here both ways.
 */
import type { CallResult, ServerAddress, StreamAccumulator, Usage } from '../call';
import {
  blobPart,
  genericPart,
  reasoningPart,
  textPart,
  toolCallPart,
  toolResponsePart,
  uriPart,
  type InputMessage,
  type OutputMessage,
  type Part,
  type RequestContent,
} from '../content';
import { errorTypeOf } from '../error-type';
import {
  FINISH_REASON_INCOMPLETE,
  GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  GEN_AI_OUTPUT_TYPE,
  GEN_AI_REQUEST_FREQUENCY_PENALTY,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_PRESENCE_PENALTY,
  GEN_AI_REQUEST_SEED,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_K,
  GEN_AI_REQUEST_TOP_P,
  PROVIDER,
} from '../semconv';
import { arr, memoized, num, obj, serverOf, str, strings, sum, type Obj } from '../shape';

/**
 * semconv provider names for the first segment of `model.provider` ('openai.chat',
 * 'anthropic.messages', 'google.vertex.chat', ...); others are kept as the package names them.
 */
const PROVIDERS: Record<string, string> = {
  openai: PROVIDER.openai,
  azure: PROVIDER.azureOpenai,
  anthropic: PROVIDER.anthropic,
  google: PROVIDER.gcpGemini,
  vertex: PROVIDER.gcpVertexAi,
  'amazon-bedrock': PROVIDER.awsBedrock,
  bedrock: PROVIDER.awsBedrock,
  cohere: PROVIDER.cohere,
  deepseek: PROVIDER.deepseek,
  groq: PROVIDER.groq,
  mistral: PROVIDER.mistral,
  perplexity: PROVIDER.perplexity,
  xai: PROVIDER.xai,
  ollama: PROVIDER.ollama,
};

export const providerName = memoized((provider): string => {
  const lower = provider.toLowerCase();
  if (lower.startsWith('google.vertex')) return PROVIDER.gcpVertexAi;
  const head = lower.split('.')[0] as string;
  return PROVIDERS[head] ?? head;
});

/**
 * The server a model talks to, from its provider's configuration (`baseURL`, or the `url`
 * builder the OpenAI-compatible packages use). Not part of the model interface: read if there.
 */
export function modelServer(model: Obj): ServerAddress | undefined {
  const config = obj(model.config);
  if (!config) return undefined;
  if (typeof config.baseURL === 'string') return serverOf(config.baseURL);
  if (typeof config.url !== 'function') return undefined;
  return serverOf((config.url as (options: Obj) => unknown)({ path: '', modelId: model.modelId }));
}

/** The unified finish reasons as semconv output-message finish reasons. */
const FINISH_REASONS: Record<string, string> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_call',
  'content-filter': 'content_filter',
  error: 'error',
  other: 'other',
};

/** V3: `{ unified, raw }`; V2: the unified reason alone. */
function finishReasons(value: unknown): { message: string; raw: string | undefined } {
  const reason = obj(value);
  const unified = str(reason ? reason.unified : value);
  const message = unified ? (FINISH_REASONS[unified] ?? unified) : FINISH_REASON_INCOMPLETE;
  // The provider's own word when V3 keeps it (what the other providers' spans carry), else V2's mapped one.
  return { message, raw: str(reason?.raw) ?? (unified && message) };
}

/** V3 nests input and output counts (`inputTokens.total` includes cache reads and writes); V2 has flat numbers. */
export function usageOf(value: unknown): Usage | undefined {
  const usage = obj(value);
  if (!usage) return undefined;
  const input = obj(usage.inputTokens);
  const output = obj(usage.outputTokens);
  if (input || output) {
    return {
      input: num(input?.total) ?? sum(num(input?.noCache), num(input?.cacheRead), num(input?.cacheWrite)),
      output: num(output?.total) ?? sum(num(output?.text), num(output?.reasoning)),
      cacheRead: num(input?.cacheRead),
      cacheWrite: num(input?.cacheWrite),
      reasoning: num(output?.reasoning),
    };
  }
  return {
    input: num(usage.inputTokens),
    output: num(usage.outputTokens),
    cacheRead: num(usage.cachedInputTokens),
    reasoning: num(usage.reasoningTokens),
  };
}

export function callAttributes(options: Obj) {
  return {
    [GEN_AI_REQUEST_MAX_TOKENS]: num(options.maxOutputTokens),
    [GEN_AI_REQUEST_TEMPERATURE]: num(options.temperature),
    [GEN_AI_REQUEST_TOP_P]: num(options.topP),
    [GEN_AI_REQUEST_TOP_K]: num(options.topK),
    [GEN_AI_REQUEST_STOP_SEQUENCES]: strings(options.stopSequences),
    [GEN_AI_REQUEST_FREQUENCY_PENALTY]: num(options.frequencyPenalty),
    [GEN_AI_REQUEST_PRESENCE_PENALTY]: num(options.presencePenalty),
    [GEN_AI_REQUEST_SEED]: num(options.seed),
    [GEN_AI_OUTPUT_TYPE]: str(obj(options.responseFormat)?.type),
  };
}

/** File data is bytes, base64 text or a URL (V2 and V3 alike). */
function filePart(part: Obj): Part {
  const mediaType = str(part.mediaType) ?? null;
  if (part.data instanceof URL) return uriPart(part.data.href, mediaType);
  return blobPart(mediaType, part.data);
}

/** A tool output is `{ type: 'text' | 'json' | 'error-text' | ..., value }`; the value is what the model saw. */
function toolOutput(part: Obj): unknown {
  const output = obj(part.output);
  return output && 'value' in output ? output.value : (part.output ?? part.result ?? null);
}

/** One part of a prompt message or of a generated content list. */
function partOf(value: unknown): Part {
  const part = obj(value) ?? {};
  switch (part.type) {
    case 'text':
      return textPart(str(part.text) ?? '');
    case 'reasoning':
      return reasoningPart(str(part.text) ?? '');
    case 'file':
      return filePart(part);
    case 'tool-call':
      return toolCallPart(str(part.toolCallId), str(part.toolName) ?? '', part.input);
    case 'tool-result':
      return toolResponsePart(str(part.toolCallId), toolOutput(part));
    default:
      return genericPart(part);
  }
}

function parts(content: unknown): Part[] {
  return typeof content === 'string' ? [textPart(content)] : arr(content).map(partOf);
}

/** The prompt the SDK hands the model: system messages are the instructions, the rest the conversation. */
export function promptContent(options: Obj): RequestContent {
  const system: Part[] = [];
  const input: InputMessage[] = [];
  for (const item of arr(options.prompt)) {
    const message = obj(item) ?? {};
    if (message.role === 'system') system.push(...parts(message.content));
    else input.push({ role: str(message.role) ?? 'user', parts: parts(message.content) });
  }
  const tools = arr(options.tools);
  return { input, system, tools: tools.length ? tools : undefined };
}

/** What `doGenerate` resolved to. */
export function generateResult(value: unknown): CallResult {
  const result = obj(value) ?? {};
  const response = obj(result.response);
  const finish = finishReasons(result.finishReason);
  return {
    responseId: str(response?.id),
    responseModel: str(response?.modelId),
    finishReasons: finish.raw ? [finish.raw] : undefined,
    usage: usageOf(result.usage),
    output: [{ role: 'assistant', parts: arr(result.content).map(partOf), finish_reason: finish.message }],
  };
}

/** Folds `doStream`'s parts: text and reasoning deltas by id, whole tool calls, metadata, the finish part. */
export class StreamPartAccumulator implements StreamAccumulator<unknown> {
  private readonly parts: Part[] = [];
  /** The text or reasoning part each open block (by its id) appends to. */
  private readonly open = new Map<string, { content: string }>();
  private responseId: string | undefined;
  private responseModel: string | undefined;
  private finish: unknown;
  private usage: Usage | undefined;
  private failure: CallResult['failure'];

  add(value: unknown): boolean {
    const part = obj(value) ?? {};
    switch (part.type) {
      case 'text-delta':
      case 'reasoning-delta':
        this.delta(part);
        break;
      case 'tool-call':
      case 'tool-result':
      case 'file':
        this.parts.push(partOf(part));
        break;
      case 'response-metadata':
        this.responseId = str(part.id) ?? this.responseId;
        this.responseModel = str(part.modelId) ?? this.responseModel;
        break;
      case 'finish':
        this.finish = part.finishReason;
        this.usage = usageOf(part.usage);
        break;
      case 'error': {
        const message = (obj(part.error) as { message?: unknown } | undefined)?.message;
        this.failure = { type: errorTypeOf(part.error), message: typeof message === 'string' ? message : undefined };
        break;
      }
    }
    return true;
  }

  private delta(part: Obj): void {
    const key = `${String(part.type)}:${String(part.id)}`;
    let target = this.open.get(key);
    if (!target) {
      target = part.type === 'text-delta' ? textPart('') : reasoningPart('');
      this.open.set(key, target);
      this.parts.push(target as Part);
    }
    target.content += str(part.delta) ?? '';
  }

  result(): CallResult {
    const finish = finishReasons(this.finish);
    const output: OutputMessage = { role: 'assistant', parts: this.parts, finish_reason: finish.message };
    return {
      responseId: this.responseId,
      responseModel: this.responseModel,
      finishReasons: this.finish !== undefined && finish.raw ? [finish.raw] : undefined,
      usage: this.usage,
      output: [output],
      failure: this.failure,
    };
  }
}

/** What `doEmbed` resolved to: `{ embeddings, usage: { tokens } }`. */
export function embedResult(value: unknown): CallResult {
  const result = obj(value) ?? {};
  const first = arr(result.embeddings)[0];
  return {
    usage: { input: num(obj(result.usage)?.tokens) },
    attributes: { [GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: Array.isArray(first) ? first.length : undefined },
  };
}

/** Not a semconv requirement, but an audit one: what text left the service to be embedded. */
export function embedContent(options: Obj): RequestContent {
  const texts = arr(options.values).filter((item): item is string => typeof item === 'string');
  return { input: texts.length ? [{ role: 'user', parts: texts.map(textPart) }] : undefined };
}

/**
 * The API's own error code from an `APICallError`'s body: `error.code` or `error.type` in
 * OpenAI's and Anthropic's error shapes alike.
 */
export function apiErrorType(err: unknown): string | undefined {
  const body = str(obj(err)?.responseBody);
  if (!body) return undefined;
  try {
    const error = obj(obj(JSON.parse(body))?.error);
    return str(error?.code) ?? str(error?.type);
  } catch {
    return undefined;
  }
}
