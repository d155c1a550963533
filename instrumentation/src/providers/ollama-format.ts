/**
 * Ollama's chat API (/api/chat) mapped onto semconv. Ollama has no response id; a response, or
 * the last line of a stream, counts the prompt (`prompt_eval_count`, input tokens) and the
 * generation (`eval_count`, output tokens, thinking included).
 */
import type { CallResult, StreamAccumulator } from '../call';
import {
  blobPart,
  reasoningPart,
  textPart,
  toolCallPart,
  toolResponsePart,
  type InputMessage,
  type Part,
  type RequestContent,
} from '../content';
import {
  GEN_AI_OUTPUT_TYPE,
  GEN_AI_REQUEST_FREQUENCY_PENALTY,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_PRESENCE_PENALTY,
  GEN_AI_REQUEST_SEED,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_K,
  GEN_AI_REQUEST_TOP_P,
} from '../semconv';
import { arr, finishReasonOf, num, obj, str, strings, type Obj } from '../shape';

const FINISH_REASONS: Readonly<Record<string, string>> = { stop: 'stop', length: 'length' };

/** Ollama answers `stop` when it asks for a tool call. */
function finishReason(raw: string | undefined, parts: Part[]): string {
  if (raw === 'stop' && parts.some((part) => part.type === 'tool_call')) return 'tool_call';
  return finishReasonOf(FINISH_REASONS, raw);
}

function messageParts(message: Obj): Part[] {
  const parts: Part[] = [];
  const thinking = str(message.thinking);
  if (thinking) parts.push(reasoningPart(thinking));
  const content = str(message.content);
  if (content) parts.push(textPart(content));
  // Base64 text or bytes; the SDK reads a file path given here only once the call has started.
  for (const image of arr(message.images)) parts.push(blobPart(null, image, 'image'));
  for (const value of arr(message.tool_calls)) {
    const call = obj(value);
    const fn = obj(call?.function);
    if (fn) parts.push(toolCallPart(str(call?.id), str(fn.name) ?? '', fn.arguments));
  }
  return parts;
}

export function ollamaAttributes(request: Obj) {
  const options = obj(request.options) ?? {};
  const maxTokens = num(options.num_predict);
  return {
    // -1 (no limit) and -2 (fill the context) are not token counts.
    [GEN_AI_REQUEST_MAX_TOKENS]: maxTokens !== undefined && maxTokens > 0 ? maxTokens : undefined,
    [GEN_AI_REQUEST_TEMPERATURE]: num(options.temperature),
    [GEN_AI_REQUEST_TOP_P]: num(options.top_p),
    [GEN_AI_REQUEST_TOP_K]: num(options.top_k),
    [GEN_AI_REQUEST_STOP_SEQUENCES]: strings(options.stop),
    [GEN_AI_REQUEST_SEED]: num(options.seed),
    [GEN_AI_REQUEST_FREQUENCY_PENALTY]: num(options.frequency_penalty),
    [GEN_AI_REQUEST_PRESENCE_PENALTY]: num(options.presence_penalty),
    // `format` is "json" or a JSON schema.
    [GEN_AI_OUTPUT_TYPE]: request.format ? 'json' : undefined,
  };
}

export function ollamaContent(request: Obj): RequestContent {
  const input = arr(request.messages).map((value): InputMessage => {
    const message = obj(value) ?? {};
    const role = str(message.role) ?? 'user';
    // A tool result names its tool (`tool_name`); Ollama's tool calls carry no id to refer to.
    if (role === 'tool') return { role, parts: [toolResponsePart(null, message.content ?? '')] };
    return { role, parts: messageParts(message) };
  });
  return { input, tools: arr(request.tools) };
}

export function ollamaResult(parsed: unknown): CallResult {
  const response = obj(parsed) ?? {};
  const parts = messageParts(obj(response.message) ?? {});
  const done = str(response.done_reason);
  return {
    responseModel: str(response.model),
    finishReasons: done ? [done] : undefined,
    usage: { input: num(response.prompt_eval_count), output: num(response.eval_count) },
    output: [{ role: 'assistant', parts, finish_reason: finishReason(done, parts) }],
  };
}

/** Folds the stream's lines: text and thinking arrive in pieces, tool calls whole, counts in the last line. */
export class OllamaStreamAccumulator implements StreamAccumulator<unknown> {
  private content = '';
  private thinking = '';
  private readonly toolCalls: unknown[] = [];
  private last: Obj = {};

  add(value: unknown): boolean {
    const chunk = obj(value) ?? {};
    const message = obj(chunk.message) ?? {};
    if (typeof message.content === 'string') this.content += message.content;
    if (typeof message.thinking === 'string') this.thinking += message.thinking;
    this.toolCalls.push(...arr(message.tool_calls));
    this.last = chunk;
    return true;
  }

  result(): CallResult {
    const message = { content: this.content, thinking: this.thinking, tool_calls: this.toolCalls };
    return ollamaResult({ ...this.last, message });
  }
}
