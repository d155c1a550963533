/**
 * Cohere's v2 Chat API as `cohere-ai` hands it to the application (camelCase: `maxTokens`,
 * `toolCalls`, `finishReason`) mapped onto semconv. Cohere returns no model name.
 *
 * Token rule: `usage.tokens` counts what the model read and wrote; `usage.billedUnits`, what was
 * billed, is the fallback when it is absent. `cachedTokens` is the cache read part of the input.
 */
import type { CallResult, StreamAccumulator, Usage } from '../call';
import {
  genericPart,
  reasoningPart,
  textPart,
  toolCallPart,
  toolResponsePart,
  urlPart,
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

const FINISH_REASONS: Readonly<Record<string, string>> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_call',
  ERROR: 'error',
  TIMEOUT: 'error',
};

function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return [textPart(content)];
  return arr(content).flatMap((value): Part[] => {
    const block = obj(value);
    if (!block) return [];
    switch (block.type) {
      case 'text':
        return [textPart(str(block.text) ?? '')];
      case 'thinking':
        return [reasoningPart(str(block.thinking) ?? '')];
      case 'image_url': {
        const url = str(obj(block.imageUrl)?.url);
        return url ? [urlPart(url, 'image')] : [];
      }
      default:
        return [genericPart(block)];
    }
  });
}

/** An assistant message: its tool plan (the reasoning before tool calls), content and tool calls. */
function assistantParts(message: Obj): Part[] {
  const plan = str(message.toolPlan);
  const parts: Part[] = plan ? [reasoningPart(plan)] : [];
  parts.push(...contentParts(message.content));
  for (const value of arr(message.toolCalls)) {
    const call = obj(value);
    const fn = obj(call?.function);
    if (fn) parts.push(toolCallPart(str(call?.id), str(fn.name) ?? '', fn.arguments));
  }
  return parts;
}

/** A tool result's content as sent: text as text, documents as given. */
function toolResult(content: unknown): unknown {
  if (typeof content === 'string') return content;
  const texts = contentParts(content);
  return texts.every((part) => part.type === 'text')
    ? texts.map((part) => (part as { content: string }).content).join('')
    : content;
}

export function cohereAttributes(request: Obj) {
  const format = str(obj(request.responseFormat)?.type);
  return {
    [GEN_AI_REQUEST_MAX_TOKENS]: num(request.maxTokens),
    [GEN_AI_REQUEST_TEMPERATURE]: num(request.temperature),
    [GEN_AI_REQUEST_TOP_P]: num(request.p),
    [GEN_AI_REQUEST_TOP_K]: num(request.k),
    [GEN_AI_REQUEST_STOP_SEQUENCES]: strings(request.stopSequences),
    [GEN_AI_REQUEST_SEED]: num(request.seed),
    [GEN_AI_REQUEST_FREQUENCY_PENALTY]: num(request.frequencyPenalty),
    [GEN_AI_REQUEST_PRESENCE_PENALTY]: num(request.presencePenalty),
    [GEN_AI_OUTPUT_TYPE]: format === 'json_object' ? 'json' : format,
  };
}

export function cohereContent(request: Obj): RequestContent {
  const input = arr(request.messages).map((value): InputMessage => {
    const message = obj(value) ?? {};
    const role = str(message.role) ?? 'user';
    if (role === 'tool') {
      return { role, parts: [toolResponsePart(str(message.toolCallId), toolResult(message.content))] };
    }
    return { role, parts: role === 'assistant' ? assistantParts(message) : contentParts(message.content) };
  });
  return { input, tools: arr(request.tools) };
}

function cohereUsage(value: unknown): Usage | undefined {
  const usage = obj(value);
  if (!usage) return undefined;
  const counts = obj(usage.tokens) ?? obj(usage.billedUnits);
  return { input: num(counts?.inputTokens), output: num(counts?.outputTokens), cacheRead: num(usage.cachedTokens) };
}

export function cohereResult(parsed: unknown): CallResult {
  const response = obj(parsed) ?? {};
  const finish = str(response.finishReason);
  return {
    responseId: str(response.id),
    finishReasons: finish ? [finish] : undefined,
    usage: cohereUsage(response.usage),
    output: [
      {
        role: 'assistant',
        parts: assistantParts(obj(response.message) ?? {}),
        finish_reason: finishReasonOf(FINISH_REASONS, finish),
      },
    ],
  };
}

/**
 * Folds chatStream events (message-start, content-*, tool-plan-delta, tool-call-*,
 * message-end) into the response they describe; message-end carries the reason and the usage.
 */
export class CohereStreamAccumulator implements StreamAccumulator<unknown> {
  private id: unknown;
  private toolPlan = '';
  private readonly content: Obj[] = [];
  private readonly toolCalls: { id?: unknown; type?: unknown; function: { name?: unknown; arguments: string } }[] = [];
  private end: Obj = {};

  add(value: unknown): boolean {
    const event = obj(value) ?? {};
    const delta = obj(event.delta) ?? {};
    const message = obj(delta.message) ?? {};
    const index = num(event.index) ?? 0;
    switch (event.type) {
      case 'message-start':
        this.id = event.id;
        break;
      case 'content-start':
        this.content[index] = { ...obj(message.content) };
        break;
      case 'content-delta': {
        const block = this.content[index];
        const piece = obj(message.content) ?? {};
        if (block && typeof piece.text === 'string') block.text = `${str(block.text) ?? ''}${piece.text}`;
        if (block && typeof piece.thinking === 'string')
          block.thinking = `${str(block.thinking) ?? ''}${piece.thinking}`;
        break;
      }
      case 'tool-plan-delta':
        this.toolPlan += str(message.toolPlan) ?? '';
        break;
      case 'tool-call-start': {
        const call = obj(message.toolCalls) ?? {};
        const fn = obj(call.function) ?? {};
        this.toolCalls[index] = {
          id: call.id,
          type: call.type,
          function: { name: fn.name, arguments: str(fn.arguments) ?? '' },
        };
        break;
      }
      case 'tool-call-delta': {
        const call = this.toolCalls[index];
        const piece = str(obj(obj(message.toolCalls)?.function)?.arguments);
        if (call && piece) call.function.arguments += piece;
        break;
      }
      case 'message-end':
        this.end = delta;
        break;
    }
    return true;
  }

  result(): CallResult {
    const message = {
      toolPlan: this.toolPlan,
      content: this.content.filter(Boolean),
      toolCalls: this.toolCalls.filter(Boolean),
    };
    return cohereResult({ id: this.id, finishReason: this.end.finishReason, usage: this.end.usage, message });
  }
}
