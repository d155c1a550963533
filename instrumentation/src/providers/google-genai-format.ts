/**
 * Gemini API shapes (generateContent, streamGenerateContent, embedContent) mapped onto semconv.
 *
 * Token rule: `promptTokenCount` already includes `cachedContentTokenCount`; tool-use prompt
 * tokens are counted apart and added to input. `candidatesTokenCount` excludes
 * `thoughtsTokenCount`, so output = candidates + thoughts and reasoning = thoughts.
 */
import type { CallResult, StreamAccumulator, Usage } from '../call';
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
import {
  FINISH_REASON_INCOMPLETE,
  GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  GEN_AI_OUTPUT_TYPE,
  GEN_AI_REQUEST_CHOICE_COUNT,
  GEN_AI_REQUEST_FREQUENCY_PENALTY,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_PRESENCE_PENALTY,
  GEN_AI_REQUEST_SEED,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_K,
  GEN_AI_REQUEST_TOP_P,
} from '../semconv';
import { arr, num, obj, str, strings, sum, type Obj } from '../shape';

const FINISH_REASONS: Record<string, string> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
};

function finishReason(raw: string | undefined, parts: Part[]): string {
  if (!raw) return FINISH_REASON_INCOMPLETE;
  // Gemini answers STOP when it asks for a function call.
  if (raw === 'STOP' && parts.some((part) => part.type === 'tool_call')) return 'tool_call';
  return FINISH_REASONS[raw] ?? raw.toLowerCase();
}

function geminiPart(value: unknown): Part[] {
  if (typeof value === 'string') return [textPart(value)];
  const part = obj(value);
  if (!part) return [];
  if (typeof part.text === 'string') return [part.thought === true ? reasoningPart(part.text) : textPart(part.text)];
  const call = obj(part.functionCall);
  if (call) return [toolCallPart(str(call.id), str(call.name) ?? '', call.args)];
  const response = obj(part.functionResponse);
  if (response) return [toolResponsePart(str(response.id), response.response)];
  const inline = obj(part.inlineData);
  if (inline) return [blobPart(str(inline.mimeType), inline.data)];
  const file = obj(part.fileData);
  if (file) return [uriPart(str(file.fileUri) ?? '', str(file.mimeType))];
  const [type] = Object.keys(part);
  return [genericPart({ type: type ?? 'unknown', ...part })];
}

function role(value: unknown): string {
  const name = str(value) ?? 'user';
  if (name === 'model') return 'assistant';
  return name === 'function' ? 'tool' : name;
}

function isContent(value: unknown): boolean {
  const content = obj(value);
  return !!content && (Array.isArray(content.parts) || 'role' in content);
}

/** `contents` in every form the SDK accepts: a string, a part, a content, or lists of either. */
export function geminiMessages(contents: unknown): InputMessage[] {
  const list = Array.isArray(contents) ? contents : [contents];
  if (list.every(isContent)) {
    return list.map((value) => {
      const content = obj(value) ?? {};
      return { role: role(content.role), parts: arr(content.parts).flatMap(geminiPart) };
    });
  }
  return [{ role: 'user', parts: list.flatMap(geminiPart) }];
}

function systemParts(instruction: unknown): Part[] | undefined {
  if (instruction === undefined || instruction === null) return undefined;
  return geminiMessages(instruction).flatMap((message) => message.parts);
}

export function geminiAttributes(params: Obj) {
  const config = obj(params.config) ?? {};
  const candidates = num(config.candidateCount);
  const mime = str(config.responseMimeType);
  return {
    [GEN_AI_REQUEST_MAX_TOKENS]: num(config.maxOutputTokens),
    [GEN_AI_REQUEST_TEMPERATURE]: num(config.temperature),
    [GEN_AI_REQUEST_TOP_P]: num(config.topP),
    [GEN_AI_REQUEST_TOP_K]: num(config.topK),
    [GEN_AI_REQUEST_STOP_SEQUENCES]: strings(config.stopSequences),
    [GEN_AI_REQUEST_SEED]: num(config.seed),
    [GEN_AI_REQUEST_PRESENCE_PENALTY]: num(config.presencePenalty),
    [GEN_AI_REQUEST_FREQUENCY_PENALTY]: num(config.frequencyPenalty),
    [GEN_AI_REQUEST_CHOICE_COUNT]: candidates !== undefined && candidates !== 1 ? candidates : undefined,
    [GEN_AI_OUTPUT_TYPE]: mime === 'application/json' ? 'json' : mime === 'text/plain' ? 'text' : undefined,
  };
}

export function geminiContent(params: Obj): RequestContent {
  const config = obj(params.config) ?? {};
  return {
    input: geminiMessages(params.contents),
    system: systemParts(config.systemInstruction),
    tools: arr(config.tools),
  };
}

function geminiUsage(value: unknown): Usage | undefined {
  const usage = obj(value);
  if (!usage) return undefined;
  const thoughts = num(usage.thoughtsTokenCount);
  return {
    input: sum(num(usage.promptTokenCount), num(usage.toolUsePromptTokenCount)),
    output: sum(num(usage.candidatesTokenCount), thoughts),
    cacheRead: num(usage.cachedContentTokenCount),
    reasoning: thoughts,
  };
}

interface Candidate {
  role?: string;
  parts: Part[];
  finish?: string;
}

function candidateOutput(candidate: Candidate): OutputMessage {
  return {
    role: role(candidate.role ?? 'model'),
    parts: candidate.parts,
    finish_reason: finishReason(candidate.finish, candidate.parts),
  };
}

function resultOf(response: Obj, candidates: Candidate[]): CallResult {
  return {
    responseId: str(response.responseId),
    responseModel: str(response.modelVersion),
    finishReasons: candidates.flatMap((candidate) => (candidate.finish ? [candidate.finish.toLowerCase()] : [])),
    usage: geminiUsage(response.usageMetadata),
    output: candidates.map(candidateOutput),
  };
}

function candidatesOf(response: Obj): Candidate[] {
  return arr(response.candidates).map((value) => {
    const candidate = obj(value) ?? {};
    const content = obj(candidate.content) ?? {};
    return {
      role: str(content.role),
      parts: arr(content.parts).flatMap(geminiPart),
      finish: str(candidate.finishReason),
    };
  });
}

export function geminiResult(parsed: unknown): CallResult {
  const response = obj(parsed) ?? {};
  return resultOf(response, candidatesOf(response));
}

/** Folds streamed GenerateContentResponse chunks; text pieces are joined, usage is cumulative. */
export class GeminiStreamAccumulator implements StreamAccumulator<unknown> {
  private readonly candidates = new Map<number, Candidate>();
  private last: Obj = {};
  private first: Obj | undefined;

  add(value: unknown): boolean {
    const response = obj(value) ?? {};
    this.first ??= response;
    this.last = response;
    arr(response.candidates).forEach((value, position) => {
      const candidate = obj(value) ?? {};
      const index = num(candidate.index) ?? position;
      const state = this.candidates.get(index) ?? { parts: [] };
      this.candidates.set(index, state);
      const content = obj(candidate.content) ?? {};
      state.role ??= str(content.role);
      for (const part of arr(content.parts).flatMap(geminiPart)) this.append(state.parts, part);
      state.finish = str(candidate.finishReason) ?? state.finish;
    });
    return true;
  }

  private append(parts: Part[], part: Part): void {
    const previous = parts[parts.length - 1];
    if (previous && previous.type === part.type && (part.type === 'text' || part.type === 'reasoning')) {
      (previous as { content: string }).content += (part as { content: string }).content;
    } else {
      parts.push(part);
    }
  }

  result(): CallResult {
    const candidates = [...this.candidates.entries()].sort(([a], [b]) => a - b).map(([, candidate]) => candidate);
    const response = {
      ...this.last,
      responseId: this.first?.responseId ?? this.last.responseId,
      modelVersion: this.first?.modelVersion ?? this.last.modelVersion,
    };
    return resultOf(response, candidates);
  }
}

export function embedAttributes(params: Obj) {
  return { [GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: num(obj(params.config)?.outputDimensionality) };
}

export function embedContent(params: Obj): RequestContent {
  return { input: geminiMessages(params.contents) };
}

export function embedResult(parsed: unknown): CallResult {
  const embeddings = arr(obj(parsed)?.embeddings).map((value) => obj(value) ?? {});
  const values = embeddings[0]?.values;
  return {
    usage: { input: sum(...embeddings.map((embedding) => num(obj(embedding.statistics)?.tokenCount))) },
    attributes: { [GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: Array.isArray(values) ? values.length : undefined },
  };
}

/** The RPC status Google puts in the error body (`INVALID_ARGUMENT`); the SDK keeps that body as the message. */
export function geminiErrorType(err: unknown): string | undefined {
  const message = str(obj(err)?.message);
  if (!message) return undefined;
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    return str(obj(obj(JSON.parse(message.slice(start)))?.error)?.status);
  } catch {
    return undefined;
  }
}
