import { parseJson } from '../../model/json';

/**
 * Conversion of the message shapes older instrumentations record (OpenAI chat format,
 * Anthropic content blocks, Vercel AI SDK parts) into the GenAI semconv v1.41 message
 * schema: `{ role, parts: [{ type: 'text' | 'tool_call' | 'tool_call_response' | ... }] }`.
 * Unknown part types are kept whole, so sealing never loses what the producer sent.
 */

export interface Part {
  type: string;
  [field: string]: unknown;
}

export interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string;
  name?: string;
}

type Loose = Record<string, unknown>;

export function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Tool-call arguments arrive as JSON text (OpenAI) or objects (Anthropic); keep objects. */
function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const parsed = parseJson(value);
  return parsed === undefined ? value : parsed;
}

export function textPart(content: string): Part {
  return { type: 'text', content };
}

function toolCallPart(call: Loose): Part {
  const fn = isObject(call.function) ? call.function : call;
  return {
    type: 'tool_call',
    id: call.id ?? call.toolCallId,
    name: fn.name ?? call.toolName,
    arguments: parseArguments(fn.arguments ?? call.input ?? call.args),
  };
}

/** One content block of any supported shape → a v1.41 part. */
function toPart(block: unknown): Part {
  if (typeof block === 'string') return textPart(block);
  if (!isObject(block)) return { type: 'unknown', value: block };
  switch (block.type) {
    case 'text':
    case 'input_text':
    case 'output_text':
      return textPart(String(block.text ?? block.content ?? ''));
    case 'tool_use':
    case 'tool-call':
    case 'function_call':
      return toolCallPart(block);
    case 'tool_result':
    case 'tool-result':
    case 'function_call_output':
      return {
        type: 'tool_call_response',
        id: block.tool_use_id ?? block.toolCallId ?? block.call_id,
        response: block.content ?? block.result ?? block.output,
      };
    case 'thinking':
    case 'reasoning':
      return { type: 'reasoning', content: block.thinking ?? block.text ?? block.content };
    default:
      return block.type === undefined ? { type: 'unknown', value: block } : (block as Part);
  }
}

/** A message in OpenAI/Anthropic/Vercel shape → v1.41. Already-v1.41 messages pass through. */
export function toMessage(raw: unknown, defaultRole: string): Message {
  if (!isObject(raw)) return { role: defaultRole, parts: [toPart(raw)] };
  if (Array.isArray(raw.parts)) return raw as unknown as Message;
  const role = typeof raw.role === 'string' ? raw.role : defaultRole;
  const parts: Part[] = [];
  const content = raw.content;
  if (typeof content === 'string') {
    if (role === 'tool') parts.push({ type: 'tool_call_response', id: raw.tool_call_id ?? raw.id, response: content });
    else if (content !== '') parts.push(textPart(content));
  } else if (Array.isArray(content)) {
    parts.push(...content.map(toPart));
  } else if (content !== undefined && content !== null) {
    parts.push(toPart(content));
  }
  const toolCalls = typeof raw.tool_calls === 'string' ? parseJson(raw.tool_calls) : raw.tool_calls;
  if (Array.isArray(toolCalls)) parts.push(...toolCalls.filter(isObject).map(toolCallPart));
  const message: Message = { role, parts };
  if (typeof raw.finish_reason === 'string') message.finish_reason = raw.finish_reason;
  if (typeof raw.name === 'string' && role !== 'tool') message.name = raw.name;
  return message;
}

/**
 * Tool calls listed on their own (the Vercel AI SDK's `ai.response.toolCalls`:
 * `[{ toolCallId, toolName, input }]`, `args` before v5) → v1.41 tool_call parts, or
 * undefined when the value is not a list.
 */
export function toToolCallParts(value: unknown): Part[] | undefined {
  const data = typeof value === 'string' ? parseJson(value) : value;
  if (!Array.isArray(data)) return undefined;
  return data.map((call) => (isObject(call) ? toolCallPart(call) : { type: 'unknown', value: call }));
}

/**
 * A tool definition (JSON text or data) in the v1.41 shape `{ type, name, description,
 * parameters }`: OpenAI's `{ type, function: {...} }` is flattened and the Vercel AI SDK's
 * `inputSchema` is the parameters. Other fields are kept.
 */
export function toToolDefinition(raw: unknown): unknown {
  const tool = typeof raw === 'string' ? (parseJson(raw) ?? raw) : raw;
  if (!isObject(tool)) return tool;
  const { function: fn, ...rest } = tool;
  const flat: Loose = isObject(fn) ? { ...rest, ...fn } : tool;
  if (flat.parameters !== undefined || flat.inputSchema === undefined) return flat;
  const { inputSchema, ...others } = flat;
  return { ...others, parameters: inputSchema };
}

/**
 * A list of messages given as JSON text or data → v1.41 messages, or undefined when the
 * value is not a message list (the caller then seals it verbatim).
 */
export function toMessages(value: unknown, defaultRole: string): Message[] | undefined {
  const data = typeof value === 'string' ? parseJson(value) : value;
  if (!Array.isArray(data)) return undefined;
  return data.map((item) => toMessage(item, defaultRole));
}
