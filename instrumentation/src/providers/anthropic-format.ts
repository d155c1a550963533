/**
 * Anthropic Messages API shapes mapped onto semconv: used for `@anthropic-ai/sdk` and for
 * Claude models called through Bedrock InvokeModel, which take the same body.
 *
 * Token rule (semconv anthropic.md): Anthropic's `input_tokens` excludes cached tokens, so
 * gen_ai.usage.input_tokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens.
 * `output_tokens` already includes thinking tokens; Anthropic does not report them separately.
 */
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
  type InputMessage,
  type Part,
  type RequestContent,
} from '../content';
import {
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_K,
  GEN_AI_REQUEST_TOP_P,
} from '../semconv';
import { arr, finishReasonOf, num, obj, str, strings, sum, type Obj } from '../shape';

export const ANTHROPIC_FINISH_REASONS: Readonly<Record<string, string>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_call',
  refusal: 'content_filter',
};

const finishReason = (raw: string | undefined): string => finishReasonOf(ANTHROPIC_FINISH_REASONS, raw);

function sourcePart(source: Obj | undefined, modality: string): Part[] {
  if (!source) return [];
  const mime = str(source.media_type);
  switch (source.type) {
    case 'base64':
      return [blobPart(mime, source.data, modality)];
    case 'url':
      return [uriPart(str(source.url) ?? '', mime, modality)];
    case 'file':
      return [filePart(str(source.file_id) ?? '', mime, modality)];
    case 'text':
      return [textPart(str(source.data) ?? '')];
    default:
      return [genericPart(source)];
  }
}

/** A tool result's content as the value that was sent: text as text, blocks as blocks. */
function toolResult(content: unknown): unknown {
  if (typeof content === 'string' || content === undefined) return content ?? '';
  const texts = textParts(content);
  return texts.length === arr(content).length
    ? texts.map((part) => (part as { content: string }).content).join('')
    : content;
}

export function anthropicParts(content: unknown): Part[] {
  if (typeof content === 'string') return [textPart(content)];
  return arr(content).flatMap((value): Part[] => {
    const block = obj(value);
    if (!block) return [];
    switch (block.type) {
      case 'text':
        return [textPart(str(block.text) ?? '')];
      case 'image':
        return sourcePart(obj(block.source), 'image');
      case 'document':
        return sourcePart(obj(block.source), 'document');
      case 'tool_use':
        return [toolCallPart(str(block.id), str(block.name) ?? '', block.input)];
      case 'tool_result':
        return [toolResponsePart(str(block.tool_use_id), toolResult(block.content))];
      case 'thinking':
        return [reasoningPart(str(block.thinking) ?? '')];
      default:
        return [genericPart(block)];
    }
  });
}

export function anthropicAttributes(body: Obj) {
  return {
    [GEN_AI_REQUEST_MAX_TOKENS]: num(body.max_tokens),
    [GEN_AI_REQUEST_TEMPERATURE]: num(body.temperature),
    [GEN_AI_REQUEST_TOP_P]: num(body.top_p),
    [GEN_AI_REQUEST_TOP_K]: num(body.top_k),
    [GEN_AI_REQUEST_STOP_SEQUENCES]: strings(body.stop_sequences),
  };
}

export function anthropicContent(body: Obj): RequestContent {
  const input = arr(body.messages).map((value): InputMessage => {
    const message = obj(value) ?? {};
    return { role: str(message.role) ?? 'user', parts: anthropicParts(message.content) };
  });
  return { input, system: anthropicParts(body.system), tools: arr(body.tools) };
}

export function anthropicUsage(value: unknown): Usage | undefined {
  const usage = obj(value);
  if (!usage) return undefined;
  const cacheRead = num(usage.cache_read_input_tokens);
  const cacheWrite = num(usage.cache_creation_input_tokens);
  return {
    input: sum(num(usage.input_tokens), cacheRead, cacheWrite),
    output: num(usage.output_tokens),
    cacheRead,
    cacheWrite,
  };
}

export function anthropicResult(parsed: unknown, withOutput = true): CallResult {
  const message = obj(parsed) ?? {};
  const stop = str(message.stop_reason);
  return {
    responseId: str(message.id),
    responseModel: str(message.model),
    finishReasons: stop ? [stop] : undefined,
    usage: anthropicUsage(message.usage),
    output: withOutput
      ? [
          {
            role: str(message.role) ?? 'assistant',
            parts: anthropicParts(message.content),
            finish_reason: finishReason(stop),
          },
        ]
      : undefined,
  };
}

type Block = Obj & { json?: string };

/**
 * Folds Messages streaming events (message_start, content_block_*, message_delta) into the
 * message they describe. Usage in message_delta is cumulative and wins over message_start's.
 */
export class AnthropicStreamAccumulator implements StreamAccumulator<unknown> {
  private message: Obj = {};
  private readonly blocks: Block[] = [];
  private usage: Obj = {};

  add(value: unknown): boolean {
    const event = obj(value) ?? {};
    switch (event.type) {
      case 'message_start': {
        this.message = obj(event.message) ?? {};
        this.usage = { ...obj(this.message.usage) };
        break;
      }
      case 'content_block_start': {
        const index = num(event.index) ?? this.blocks.length;
        this.blocks[index] = { ...obj(event.content_block) };
        break;
      }
      case 'content_block_delta':
        this.applyDelta(this.blocks[num(event.index) ?? this.blocks.length - 1], obj(event.delta) ?? {});
        break;
      case 'message_delta': {
        const delta = obj(event.delta) ?? {};
        this.message = { ...this.message, ...delta };
        for (const [key, count] of Object.entries(obj(event.usage) ?? {})) if (count !== null) this.usage[key] = count;
        break;
      }
    }
    return true;
  }

  private applyDelta(block: Block | undefined, delta: Obj): void {
    if (!block) return;
    switch (delta.type) {
      case 'text_delta':
        block.text = `${str(block.text) ?? ''}${str(delta.text) ?? ''}`;
        break;
      case 'input_json_delta':
        block.json = `${block.json ?? ''}${str(delta.partial_json) ?? ''}`;
        break;
      case 'thinking_delta':
        block.thinking = `${str(block.thinking) ?? ''}${str(delta.thinking) ?? ''}`;
        break;
    }
  }

  result(): CallResult {
    const content = this.blocks
      .filter(Boolean)
      .map(({ json, ...block }) => (json === undefined ? block : { ...block, input: json }));
    return anthropicResult({ ...this.message, content, usage: this.usage });
  }
}

/** The error type Anthropic put in the body: `{"type":"error","error":{"type":"overloaded_error"}}`. */
export function anthropicErrorType(err: unknown): string | undefined {
  return str(obj(obj(obj(err)?.error)?.error)?.type);
}
