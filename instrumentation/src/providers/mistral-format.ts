/**
 * Mistral's chat API is Chat Completions on the wire; `@mistralai/mistralai` hands the
 * application the same objects with camelCase keys (`maxTokens`, `toolCalls`, `finishReason`).
 * These put the wire names back, so that the one Chat Completions mapping (openai-format) reads
 * Mistral calls too. Token rule: as OpenAI's, prompt and completion tokens are reported as is.
 */
import type { CallResult, StreamAccumulator } from '../call';
import type { RequestContent } from '../content';
import { arr, obj, str, type Obj } from '../shape';
import { chatAttributes, chatContent, chatResult, ChatStreamAccumulator } from './openai-format';

/** Tool call arguments as the wire's JSON text (the SDK may hold them parsed). */
function wireToolCalls(value: unknown): Obj[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((item) => {
    const call = obj(item) ?? {};
    const fn = obj(call.function) ?? {};
    const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? null);
    return { ...call, function: { ...fn, arguments: args } };
  });
}

/** Content chunks whose key the SDK renamed; the others have their wire shape already. */
function wireChunk(value: unknown): unknown {
  const chunk = obj(value);
  if (chunk?.type !== 'image_url') return value;
  const image = chunk.imageUrl ?? chunk.image_url;
  return { type: 'image_url', image_url: typeof image === 'string' ? { url: image } : image };
}

function wireMessage(value: unknown): Obj {
  const message = obj(value) ?? {};
  return {
    role: message.role,
    content: Array.isArray(message.content) ? message.content.map(wireChunk) : message.content,
    name: message.name,
    tool_calls: wireToolCalls(message.toolCalls),
    tool_call_id: message.toolCallId,
  };
}

function wireUsage(value: unknown): Obj | undefined {
  const usage = obj(value);
  return usage && { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens };
}

/** The request as sent: the parameters semconv records, and the conversation. */
function wireRequest(request: Obj): Obj {
  return {
    messages: arr(request.messages).map(wireMessage),
    tools: request.tools,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    frequency_penalty: request.frequencyPenalty,
    presence_penalty: request.presencePenalty,
    stop: request.stop,
    seed: request.randomSeed,
    n: request.n,
    response_format: request.responseFormat,
  };
}

/** A response or stream chunk; `key` is where its choices hold the message (`message`, `delta`). */
function wireResponse(value: unknown, key: 'message' | 'delta'): Obj {
  const response = obj(value) ?? {};
  return {
    id: response.id,
    model: response.model,
    usage: wireUsage(response.usage),
    choices: arr(response.choices).map((item) => {
      const choice = obj(item) ?? {};
      return { index: choice.index, finish_reason: choice.finishReason, [key]: wireMessage(choice[key]) };
    }),
  };
}

export function mistralAttributes(request: Obj) {
  return chatAttributes(wireRequest(request));
}

export function mistralContent(request: Obj): RequestContent {
  return chatContent(wireRequest(request));
}

export function mistralResult(parsed: unknown): CallResult {
  return chatResult(wireResponse(parsed, 'message'));
}

/** Folds the stream's events (`{ data: chunk }`); Mistral sends usage in the last chunk unasked. */
export class MistralStreamAccumulator implements StreamAccumulator<unknown> {
  private readonly chat = new ChatStreamAccumulator(false);

  add(value: unknown): boolean {
    this.chat.add(wireResponse(obj(value)?.data, 'delta'));
    return true;
  }

  result(): CallResult {
    return this.chat.result();
  }
}

/** The error type from Mistral's error body (`{"object":"error","type":"invalid_model",...}`), kept as text on the error. */
export function mistralErrorType(err: unknown): string | undefined {
  const body = str(obj(err)?.body);
  if (!body) return undefined;
  try {
    return str(obj(JSON.parse(body))?.type);
  } catch {
    return undefined;
  }
}
