/**
 * OpenAI API shapes (Chat Completions, Responses, Embeddings) mapped onto semconv attributes,
 * content and results. Token rule: OpenAI's prompt/input tokens already include cached tokens
 * and its completion/output tokens already include reasoning tokens, so they are reported as is.
 */
import type { CallResult, StreamAccumulator, Usage } from '../call';
import {
  filePart,
  genericPart,
  reasoningPart,
  textPart,
  textParts,
  toolCallPart,
  toolResponsePart,
  urlPart,
  blobPart,
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
  GEN_AI_REQUEST_ENCODING_FORMATS,
  GEN_AI_REQUEST_FREQUENCY_PENALTY,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_PRESENCE_PENALTY,
  GEN_AI_REQUEST_SEED,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_P,
  OPENAI_REQUEST_SERVICE_TIER,
  OPENAI_RESPONSE_SERVICE_TIER,
} from '../semconv';
import { arr, num, obj, str, strings, type Obj } from '../shape';

/** semconv output-message finish reasons for OpenAI's own values. */
const FINISH_REASONS: Record<string, string> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_call',
  function_call: 'tool_call',
  content_filter: 'content_filter',
};

function finishReason(raw: string | undefined): string {
  return raw ? (FINISH_REASONS[raw] ?? raw) : FINISH_REASON_INCOMPLETE;
}

function outputType(format: unknown): string | undefined {
  const type = str(obj(format)?.type);
  if (type === 'json_object' || type === 'json_schema') return 'json';
  return type === 'text' ? 'text' : undefined;
}

/**
 * A service tier worth recording: not the one every request gets unless it asks for another
 * (`auto` asked, `default` served). semconv itself leaves out a requested `auto`; a served
 * `default` says as little, and the collector would seal it apart with every record.
 */
function serviceTier(value: unknown, usual: 'auto' | 'default'): string | undefined {
  const tier = str(value);
  return tier === usual ? undefined : tier;
}

function role(value: unknown): string {
  const name = str(value) ?? 'user';
  // "developer" is the newer name OpenAI gives to system instructions kept in the chat history.
  return name === 'developer' ? 'system' : name;
}

/** A content part of a Chat Completions or Responses message. */
function contentPart(part: unknown): Part[] {
  if (typeof part === 'string') return [textPart(part)];
  const block = obj(part);
  if (!block) return [];
  switch (block.type) {
    case 'text':
    case 'input_text':
    case 'output_text':
      return [textPart(str(block.text) ?? '')];
    case 'refusal':
      return [genericPart({ type: 'refusal', content: block.refusal })];
    case 'image_url': {
      const url = str(obj(block.image_url)?.url);
      return url ? [urlPart(url, 'image')] : [];
    }
    case 'input_image': {
      const url = str(block.image_url);
      if (url) return [urlPart(url, 'image')];
      const fileId = str(block.file_id);
      return fileId ? [filePart(fileId, null, 'image')] : [];
    }
    case 'input_audio': {
      const audio = obj(block.input_audio);
      return [blobPart(audio?.format ? `audio/${String(audio.format)}` : null, audio?.data, 'audio')];
    }
    case 'file':
    case 'input_file': {
      const file = obj(block.file) ?? block;
      const fileId = str(file.file_id);
      if (fileId) return [filePart(fileId, null)];
      const data = str(file.file_data);
      if (data) return [urlPart(data, 'document')];
      const url = str(file.file_url);
      return url ? [urlPart(url, 'document')] : [];
    }
    default:
      return [genericPart(block)];
  }
}

function contentParts(content: unknown): Part[] {
  return typeof content === 'string' ? [textPart(content)] : arr(content).flatMap(contentPart);
}

/** A tool result's content as the value that was sent: text as text, anything else as given. */
function toolResult(content: unknown): unknown {
  if (typeof content === 'string') return content;
  const texts = textParts(content);
  return texts.length === arr(content).length
    ? texts.map((part) => (part as { content: string }).content).join('')
    : content;
}

function toolCalls(calls: unknown): Part[] {
  return arr(calls).flatMap((value) => {
    const call = obj(value);
    const fn = obj(call?.function);
    return fn ? [toolCallPart(str(call?.id), str(fn.name) ?? '', fn.arguments)] : [];
  });
}

// --- Chat Completions -----------------------------------------------------------------------

export function chatAttributes(body: Obj) {
  const n = num(body.n);
  return {
    [GEN_AI_REQUEST_MAX_TOKENS]: num(body.max_completion_tokens) ?? num(body.max_tokens),
    [GEN_AI_REQUEST_TEMPERATURE]: num(body.temperature),
    [GEN_AI_REQUEST_TOP_P]: num(body.top_p),
    [GEN_AI_REQUEST_FREQUENCY_PENALTY]: num(body.frequency_penalty),
    [GEN_AI_REQUEST_PRESENCE_PENALTY]: num(body.presence_penalty),
    [GEN_AI_REQUEST_STOP_SEQUENCES]: strings(body.stop),
    [GEN_AI_REQUEST_SEED]: num(body.seed),
    [GEN_AI_REQUEST_CHOICE_COUNT]: n !== undefined && n !== 1 ? n : undefined,
    [GEN_AI_OUTPUT_TYPE]: outputType(body.response_format),
    [OPENAI_REQUEST_SERVICE_TIER]: serviceTier(body.service_tier, 'auto'),
  };
}

export function chatContent(body: Obj): RequestContent {
  const input = arr(body.messages).map((value): InputMessage => {
    const message = obj(value) ?? {};
    const name = role(message.role);
    if (name === 'tool') {
      return { role: 'tool', parts: [toolResponsePart(str(message.tool_call_id), toolResult(message.content))] };
    }
    if (name === 'function') {
      return { role: 'tool', parts: [toolResponsePart(str(message.name), toolResult(message.content))] };
    }
    const parts = contentParts(message.content);
    if (message.refusal) parts.push(genericPart({ type: 'refusal', content: message.refusal }));
    parts.push(...toolCalls(message.tool_calls));
    const legacy = obj(message.function_call);
    if (legacy) parts.push(toolCallPart(null, str(legacy.name) ?? '', legacy.arguments));
    const result: InputMessage = { role: name, parts };
    const speaker = str(message.name);
    if (speaker) result.name = speaker;
    return result;
  });
  return { input, tools: arr(body.tools) };
}

function chatUsage(value: unknown): Usage | undefined {
  const usage = obj(value);
  if (!usage) return undefined;
  return {
    input: num(usage.prompt_tokens),
    output: num(usage.completion_tokens),
    cacheRead: num(obj(usage.prompt_tokens_details)?.cached_tokens),
    reasoning: num(obj(usage.completion_tokens_details)?.reasoning_tokens),
  };
}

export function chatResult(parsed: unknown, withOutput = true): CallResult {
  const body = obj(parsed) ?? {};
  const choices = arr(body.choices).map((value) => obj(value) ?? {});
  return {
    responseId: str(body.id),
    responseModel: str(body.model),
    finishReasons: choices.map((choice) => str(choice.finish_reason) ?? ''),
    usage: chatUsage(body.usage),
    output: withOutput ? choices.map(chatOutput) : undefined,
    attributes: { [OPENAI_RESPONSE_SERVICE_TIER]: serviceTier(body.service_tier, 'default') },
  };
}

function chatOutput(choice: Obj): OutputMessage {
  const message = obj(choice.message) ?? {};
  const parts = message.content ? contentParts(message.content) : [];
  if (message.refusal) parts.push(genericPart({ type: 'refusal', content: message.refusal }));
  parts.push(...toolCalls(message.tool_calls));
  return { role: str(message.role) ?? 'assistant', parts, finish_reason: finishReason(str(choice.finish_reason)) };
}

interface ChoiceState {
  role?: string;
  text: string;
  refusal: string;
  tools: { id?: string; name: string; args: string }[];
  finish?: string;
}

/**
 * Folds `chat.completion.chunk`s, including tool calls whose arguments arrive in pieces.
 * When the hook itself asked for usage (`stream_options.include_usage`), the extra usage-only
 * chunk is kept from the application and the `usage: null` that every other chunk then carries
 * is removed, so the application sees the chunks it would have seen without the hook.
 */
export class ChatStreamAccumulator implements StreamAccumulator<unknown> {
  private readonly choices = new Map<number, ChoiceState>();
  private id: string | undefined;
  private model: string | undefined;
  private usage: Usage | undefined;
  private serviceTier: string | undefined;

  constructor(private readonly usageAddedByHook: boolean) {}

  add(value: unknown): boolean {
    const chunk = obj(value);
    if (!chunk) return true;
    this.id ??= str(chunk.id);
    this.model ??= str(chunk.model);
    this.serviceTier ??= str(chunk.service_tier);
    if (chunk.usage) this.usage = chatUsage(chunk.usage);
    for (const choiceValue of arr(chunk.choices)) this.addChoice(obj(choiceValue) ?? {});
    if (this.usageAddedByHook) {
      if (arr(chunk.choices).length === 0 && chunk.usage) return false;
      if (chunk.usage === null) delete chunk.usage;
    }
    return true;
  }

  private addChoice(choice: Obj): void {
    const index = num(choice.index) ?? 0;
    let state = this.choices.get(index);
    if (!state) {
      state = { text: '', refusal: '', tools: [] };
      this.choices.set(index, state);
    }
    const delta = obj(choice.delta) ?? {};
    state.role ??= str(delta.role);
    if (typeof delta.content === 'string') state.text += delta.content;
    if (typeof delta.refusal === 'string') state.refusal += delta.refusal;
    for (const toolValue of arr(delta.tool_calls)) {
      const tool = obj(toolValue) ?? {};
      const slot = num(tool.index) ?? state.tools.length;
      const fn = obj(tool.function) ?? {};
      state.tools[slot] ??= { name: '', args: '' };
      const entry = state.tools[slot];
      entry.id ??= str(tool.id);
      if (typeof fn.name === 'string') entry.name += fn.name;
      if (typeof fn.arguments === 'string') entry.args += fn.arguments;
    }
    state.finish = str(choice.finish_reason) ?? state.finish;
  }

  result(): CallResult {
    const indexes = [...this.choices.keys()].sort((a, b) => a - b);
    const states = indexes.map((index) => this.choices.get(index) as ChoiceState);
    return {
      responseId: this.id,
      responseModel: this.model,
      finishReasons: states.flatMap((state) => (state.finish ? [state.finish] : [])),
      usage: this.usage,
      output: states.map((state): OutputMessage => {
        const parts: Part[] = state.text ? [textPart(state.text)] : [];
        if (state.refusal) parts.push(genericPart({ type: 'refusal', content: state.refusal }));
        for (const tool of state.tools.filter(Boolean)) parts.push(toolCallPart(tool.id, tool.name, tool.args));
        return { role: state.role ?? 'assistant', parts, finish_reason: finishReason(state.finish) };
      }),
      attributes: { [OPENAI_RESPONSE_SERVICE_TIER]: serviceTier(this.serviceTier, 'default') },
    };
  }
}

// --- Responses ------------------------------------------------------------------------------

export function responsesAttributes(body: Obj) {
  return {
    [GEN_AI_REQUEST_MAX_TOKENS]: num(body.max_output_tokens),
    [GEN_AI_REQUEST_TEMPERATURE]: num(body.temperature),
    [GEN_AI_REQUEST_TOP_P]: num(body.top_p),
    [GEN_AI_OUTPUT_TYPE]: outputType(obj(body.text)?.format),
    [OPENAI_REQUEST_SERVICE_TIER]: serviceTier(body.service_tier, 'auto'),
  };
}

/** One Responses API input or output item as a message. */
function itemMessage(value: unknown, defaultRole: string): InputMessage {
  if (typeof value === 'string') return { role: defaultRole, parts: [textPart(value)] };
  const item = obj(value) ?? {};
  switch (item.type) {
    case 'function_call':
      return { role: 'assistant', parts: [toolCallPart(str(item.call_id), str(item.name) ?? '', item.arguments)] };
    case 'function_call_output':
      return { role: 'tool', parts: [toolResponsePart(str(item.call_id), item.output)] };
    case 'reasoning':
      return { role: 'assistant', parts: reasoningParts(item) };
    case undefined:
    case 'message':
      return { role: role(item.role), parts: contentParts(item.content) };
    default:
      return { role: 'assistant', parts: [genericPart(item)] };
  }
}

function reasoningParts(item: Obj): Part[] {
  return [...arr(item.summary), ...arr(item.content)].flatMap((value) => {
    const text = str(obj(value)?.text);
    return text ? [reasoningPart(text)] : [];
  });
}

export function responsesContent(body: Obj): RequestContent {
  const input =
    typeof body.input === 'string'
      ? [itemMessage(body.input, 'user')]
      : arr(body.input).map((item) => itemMessage(item, 'user'));
  const instructions = str(body.instructions);
  return { input, system: instructions ? [textPart(instructions)] : undefined, tools: arr(body.tools) };
}

function responsesFinishReason(response: Obj, hasToolCall: boolean): string {
  switch (response.status) {
    case 'completed':
      return hasToolCall ? 'tool_call' : 'stop';
    case 'incomplete': {
      const reason = str(obj(response.incomplete_details)?.reason);
      return reason === 'max_output_tokens' ? 'length' : (reason ?? FINISH_REASON_INCOMPLETE);
    }
    case 'failed':
      return 'error';
    default:
      return str(response.status) ?? FINISH_REASON_INCOMPLETE;
  }
}

export function responsesResult(parsed: unknown): CallResult {
  const response = obj(parsed) ?? {};
  const parts = arr(response.output).flatMap((item) => itemMessage(item, 'assistant').parts);
  const finish = responsesFinishReason(
    response,
    parts.some((part) => part.type === 'tool_call'),
  );
  const usage = obj(response.usage);
  const error = obj(response.error);
  return {
    responseId: str(response.id),
    responseModel: str(response.model),
    finishReasons: [finish],
    usage: usage && {
      input: num(usage.input_tokens),
      output: num(usage.output_tokens),
      cacheRead: num(obj(usage.input_tokens_details)?.cached_tokens),
      reasoning: num(obj(usage.output_tokens_details)?.reasoning_tokens),
    },
    output: [{ role: 'assistant', parts, finish_reason: finish }],
    attributes: { [OPENAI_RESPONSE_SERVICE_TIER]: serviceTier(response.service_tier, 'default') },
    failure:
      response.status === 'failed'
        ? { type: str(error?.code) ?? 'response_failed', message: str(error?.message) }
        : undefined,
  };
}

/**
 * Folds Responses streaming events. The terminal event (completed, incomplete, failed) carries
 * the whole response; text deltas only matter when the stream is cut short.
 */
export class ResponsesStreamAccumulator implements StreamAccumulator<unknown> {
  private final: Obj | undefined;
  private started: Obj | undefined;
  private text = '';

  add(value: unknown): boolean {
    const event = obj(value) ?? {};
    const response = obj(event.response);
    switch (event.type) {
      case 'response.created':
      case 'response.in_progress':
        this.started = response ?? this.started;
        break;
      case 'response.output_text.delta':
        if (typeof event.delta === 'string') this.text += event.delta;
        break;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.final = response;
        break;
    }
    return true;
  }

  result(): CallResult {
    if (this.final) return responsesResult(this.final);
    return {
      responseId: str(this.started?.id),
      responseModel: str(this.started?.model),
      output: [
        { role: 'assistant', parts: this.text ? [textPart(this.text)] : [], finish_reason: FINISH_REASON_INCOMPLETE },
      ],
    };
  }
}

// --- Embeddings -----------------------------------------------------------------------------

export function embeddingsAttributes(body: Obj) {
  const format = str(body.encoding_format);
  return {
    [GEN_AI_REQUEST_ENCODING_FORMATS]: format ? [format] : undefined,
    [GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: num(body.dimensions),
  };
}

/** Not a semconv requirement, but an audit one: what text left the service to be embedded. */
export function embeddingsContent(body: Obj): RequestContent {
  const texts =
    typeof body.input === 'string'
      ? [body.input]
      : arr(body.input).filter((item): item is string => typeof item === 'string');
  return { input: texts.length ? [{ role: 'user', parts: texts.map(textPart) }] : undefined };
}

export function embeddingsResult(parsed: unknown): CallResult {
  const body = obj(parsed) ?? {};
  const usage = obj(body.usage);
  const first = obj(arr(body.data)[0])?.embedding;
  return {
    responseModel: str(body.model),
    usage: usage && { input: num(usage.prompt_tokens) },
    attributes: { [GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: Array.isArray(first) ? first.length : undefined },
  };
}
