/**
 * Bedrock Runtime shapes: Converse / ConverseStream, and InvokeModel bodies of the model
 * families whose format is known (Anthropic Messages, Amazon Nova, Amazon Titan, Meta Llama).
 *
 * Token rule: Converse's `inputTokens` excludes cache reads and writes (AWS: totalTokens =
 * inputTokens + outputTokens + cacheReadInputTokens + cacheWriteInputTokens), so they are added.
 */
import type { CallRequest, CallResult, StreamAccumulator, Usage } from '../call';
import {
  blobPart,
  genericPart,
  reasoningPart,
  textPart,
  toolCallPart,
  toolResponsePart,
  uriPart,
  type InputMessage,
  type Part,
  type RequestContent,
} from '../content';
import {
  FINISH_REASON_INCOMPLETE,
  GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_P,
  OPERATION,
  type Operation,
} from '../semconv';
import { arr, finishReasonOf, num, obj, str, strings, sum, type Obj } from '../shape';
import { ANTHROPIC_FINISH_REASONS, anthropicAttributes, anthropicContent, anthropicResult } from './anthropic-format';

/** Converse stop reasons: Anthropic's, plus Bedrock's own guardrail outcomes. */
const FINISH_REASONS: Readonly<Record<string, string>> = {
  ...ANTHROPIC_FINISH_REASONS,
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

const finishReason = (raw: string | undefined): string => finishReasonOf(FINISH_REASONS, raw);

function mediaPart(media: Obj, modality: string): Part {
  const format = str(media.format);
  const mime = format ? `${modality === 'document' ? 'application' : modality}/${format}` : null;
  const source = obj(media.source) ?? {};
  const s3 = str(obj(source.s3Location)?.uri);
  return s3 ? uriPart(s3, mime, modality) : blobPart(mime, source.bytes, modality);
}

/** A tool result as the value that was sent: its text, its one JSON document, or the blocks as given. */
function toolResultValue(content: unknown): unknown {
  const blocks = arr(content).map((block) => obj(block) ?? {});
  if (blocks.length > 0 && blocks.every((block) => typeof block.text === 'string'))
    return blocks.map((block) => block.text).join('');
  if (blocks.length === 1 && blocks[0]?.json !== undefined) return blocks[0].json;
  return content;
}

/** Converse content blocks (one member set per block). */
export function converseParts(content: unknown): Part[] {
  return arr(content).flatMap((value): Part[] => {
    const block = obj(value);
    if (!block) return [];
    if (typeof block.text === 'string') return [textPart(block.text)];
    const image = obj(block.image) ?? obj(block.video) ?? obj(block.document);
    if (image) return [mediaPart(image, block.image ? 'image' : block.video ? 'video' : 'document')];
    const use = obj(block.toolUse);
    if (use) return [toolCallPart(str(use.toolUseId), str(use.name) ?? '', use.input)];
    const result = obj(block.toolResult);
    if (result) return [toolResponsePart(str(result.toolUseId), toolResultValue(result.content))];
    const reasoning = obj(obj(block.reasoningContent)?.reasoningText);
    if (reasoning) return [reasoningPart(str(reasoning.text) ?? '')];
    if (block.cachePoint) return [];
    const [type] = Object.keys(block);
    return [genericPart({ type: type ?? 'unknown', ...block })];
  });
}

export function converseAttributes(input: Obj) {
  const config = obj(input.inferenceConfig) ?? {};
  return {
    [GEN_AI_REQUEST_MAX_TOKENS]: num(config.maxTokens),
    [GEN_AI_REQUEST_TEMPERATURE]: num(config.temperature),
    [GEN_AI_REQUEST_TOP_P]: num(config.topP),
    [GEN_AI_REQUEST_STOP_SEQUENCES]: strings(config.stopSequences),
  };
}

export function converseContent(input: Obj): RequestContent {
  const messages = arr(input.messages).map((value): InputMessage => {
    const message = obj(value) ?? {};
    return { role: str(message.role) ?? 'user', parts: converseParts(message.content) };
  });
  return { input: messages, system: converseParts(input.system), tools: arr(obj(input.toolConfig)?.tools) };
}

function converseUsage(value: unknown): Usage | undefined {
  const usage = obj(value);
  if (!usage) return undefined;
  const cacheRead = num(usage.cacheReadInputTokens);
  const cacheWrite = num(usage.cacheWriteInputTokens);
  return {
    input: sum(num(usage.inputTokens), cacheRead, cacheWrite),
    output: num(usage.outputTokens),
    cacheRead,
    cacheWrite,
  };
}

export function converseResult(parsed: unknown): CallResult {
  const output = obj(parsed) ?? {};
  const message = obj(obj(output.output)?.message) ?? {};
  const stop = str(output.stopReason);
  return {
    finishReasons: stop ? [stop] : undefined,
    usage: converseUsage(output.usage),
    output: [
      {
        role: str(message.role) ?? 'assistant',
        parts: converseParts(message.content),
        finish_reason: finishReason(stop),
      },
    ],
  };
}

type StreamBlock = {
  text?: string;
  reasoning?: string;
  toolUse?: { toolUseId?: string; name?: string; input: string };
};

/** Folds ConverseStream events (messageStart, contentBlock*, messageStop, metadata). */
export class ConverseStreamAccumulator implements StreamAccumulator<unknown> {
  private role: string | undefined;
  private readonly blocks: StreamBlock[] = [];
  private stop: string | undefined;
  private usage: unknown;

  add(value: unknown): boolean {
    const event = obj(value) ?? {};
    const start = obj(event.contentBlockStart);
    const delta = obj(event.contentBlockDelta);
    if (obj(event.messageStart)) this.role = str(obj(event.messageStart)?.role);
    if (start) {
      const use = obj(obj(start.start)?.toolUse);
      this.blocks[num(start.contentBlockIndex) ?? this.blocks.length] = use
        ? { toolUse: { toolUseId: str(use.toolUseId), name: str(use.name), input: '' } }
        : {};
    }
    if (delta) {
      const index = num(delta.contentBlockIndex) ?? 0;
      const block = (this.blocks[index] ??= {});
      const change = obj(delta.delta) ?? {};
      if (typeof change.text === 'string') block.text = (block.text ?? '') + change.text;
      const reasoning = str(obj(change.reasoningContent)?.text);
      if (reasoning) block.reasoning = (block.reasoning ?? '') + reasoning;
      const input = str(obj(change.toolUse)?.input);
      if (input && block.toolUse) block.toolUse.input += input;
    }
    if (obj(event.messageStop)) this.stop = str(obj(event.messageStop)?.stopReason);
    if (obj(event.metadata)) this.usage = obj(event.metadata)?.usage;
    return true;
  }

  result(): CallResult {
    const parts = this.blocks.filter(Boolean).flatMap((block): Part[] => {
      if (block.toolUse) return [toolCallPart(block.toolUse.toolUseId, block.toolUse.name ?? '', block.toolUse.input)];
      if (block.reasoning !== undefined) return [reasoningPart(block.reasoning)];
      return block.text !== undefined ? [textPart(block.text)] : [];
    });
    return {
      finishReasons: this.stop ? [this.stop] : undefined,
      usage: converseUsage(this.usage),
      output: [{ role: this.role ?? 'assistant', parts, finish_reason: finishReason(this.stop) }],
    };
  }
}

// --- InvokeModel ----------------------------------------------------------------------------

/** An InvokeModel body: JSON as a string or bytes. */
export function parseBody(body: unknown): Obj | undefined {
  try {
    const text =
      typeof body === 'string'
        ? body
        : body instanceof Uint8Array
          ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
          : undefined;
    return text === undefined ? undefined : obj(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export interface InvokeFormat {
  operation: Operation;
  attributes(body: Obj): CallRequest['attributes'];
  content(body: Obj): RequestContent;
  result(body: Obj | undefined): CallResult;
}

const ANTHROPIC: InvokeFormat = {
  operation: OPERATION.chat,
  attributes: anthropicAttributes,
  content: anthropicContent,
  result: anthropicResult,
};

/** Amazon Nova takes Converse-shaped messages and answers like Converse. */
const NOVA: InvokeFormat = {
  operation: OPERATION.chat,
  attributes: converseAttributes,
  content: converseContent,
  result: converseResult,
};

/** Titan's completionReason and Llama's stop_reason, as output-message finish reasons. */
const COMPLETION_REASONS: Record<string, string> = {
  FINISH: 'stop',
  LENGTH: 'length',
  CONTENT_FILTERED: 'content_filter',
  stop: 'stop',
  length: 'length',
};

const TEXT_COMPLETION: InvokeFormat = {
  operation: OPERATION.textCompletion,
  attributes: (body) => {
    const titan = obj(body.textGenerationConfig) ?? {};
    return {
      [GEN_AI_REQUEST_MAX_TOKENS]: num(titan.maxTokenCount) ?? num(body.max_gen_len) ?? num(body.max_tokens),
      [GEN_AI_REQUEST_TEMPERATURE]: num(titan.temperature) ?? num(body.temperature),
      [GEN_AI_REQUEST_TOP_P]: num(titan.topP) ?? num(body.top_p),
      [GEN_AI_REQUEST_STOP_SEQUENCES]: strings(titan.stopSequences) ?? strings(body.stop),
    };
  },
  content: (body) => {
    const prompt = str(body.inputText) ?? str(body.prompt);
    return { input: prompt === undefined ? undefined : [{ role: 'user', parts: [textPart(prompt)] }] };
  },
  result: (body) => {
    const titan = obj(arr(body?.results)[0]);
    const text = str(titan?.outputText) ?? str(body?.generation);
    const stop = str(titan?.completionReason) ?? str(body?.stop_reason);
    return {
      finishReasons: stop ? [stop] : undefined,
      usage: {
        input: num(body?.inputTextTokenCount) ?? num(body?.prompt_token_count),
        output: num(titan?.tokenCount) ?? num(body?.generation_token_count),
      },
      output:
        text === undefined
          ? undefined
          : [
              {
                role: 'assistant',
                parts: [textPart(text)],
                finish_reason: stop ? (COMPLETION_REASONS[stop] ?? stop) : FINISH_REASON_INCOMPLETE,
              },
            ],
    };
  },
};

const EMBEDDINGS: InvokeFormat = {
  operation: OPERATION.embeddings,
  attributes: (body) => ({ [GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: num(body.dimensions) }),
  content: (body) => {
    const texts = [str(body.inputText), ...arr(body.texts).map(str)].filter(
      (text): text is string => text !== undefined,
    );
    return { input: texts.length ? [{ role: 'user', parts: texts.map(textPart) }] : undefined };
  },
  result: (body) => {
    const vector = body?.embedding ?? arr(body?.embeddings)[0];
    return {
      usage: { input: num(body?.inputTextTokenCount) },
      attributes: { [GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: Array.isArray(vector) ? vector.length : undefined },
    };
  },
};

export function invokeFormat(modelId: string, body: Obj): InvokeFormat {
  if (/embed/i.test(modelId)) return EMBEDDINGS;
  if (body.anthropic_version !== undefined || /anthropic\./.test(modelId)) return ANTHROPIC;
  if (Array.isArray(body.messages)) return NOVA;
  return TEXT_COMPLETION;
}
