import type { Attributes, Span, SpanEvent } from '../../model/traces';
import type { RecordContent } from '../../model/record';
import { isObject, textPart, toMessage, toMessages, toToolCallParts, toToolDefinition, type Message } from './messages';
import { documentText, documentValue, valueDocument, type ContentDocument } from '../../model/content';
import { asString, indexedList, toJson, toPlain, verbatim } from './values';
import { parseJson } from '../../model/json';
import { openInferenceContent, SPAN_KIND } from './openinference';

/**
 * Content (prompts, responses, system instructions, tool definitions, tool arguments and
 * results) in every dialect we receive, gathered into the four v1.41 JSON documents of a
 * record. This is also the single definition of which span attributes carry content: those
 * keys never reach the `attributes` column.
 */

const CONTENT_KEYS = new Set([
  // GenAI semconv v1.37+
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.retrieval.query.text',
  'gen_ai.retrieval.documents',
  'gen_ai.embeddings.input',
  // v1.28–v1.36 and event payloads that some exporters flatten onto spans
  'gen_ai.prompt',
  'gen_ai.completion',
  'gen_ai.event.content',
  // OpenInference, Vercel AI SDK, Traceloop
  'input.value',
  'output.value',
  'tool.description',
  'tool.parameters',
  'tool.json_schema',
  'ai.prompt',
  'ai.prompt.messages',
  'ai.prompt.tools',
  'ai.response.text',
  'ai.response.object',
  'ai.response.toolCalls',
  'ai.response.reasoning',
  'ai.toolCall.args',
  'ai.toolCall.result',
  'ai.toolCall.input',
  'ai.toolCall.output',
  'ai.value',
  'ai.values',
  'ai.embedding',
  'ai.embeddings',
  'traceloop.entity.input',
  'traceloop.entity.output',
  // Exceptions raised by providers can quote the request.
  'exception.message',
  'exception.stacktrace',
]);

const CONTENT_PREFIXES = [
  'gen_ai.prompt.',
  'gen_ai.completion.',
  'llm.prompts',
  'llm.completions',
  'llm.input_messages',
  'llm.output_messages',
  'llm.request.functions.',
  'llm.tools.',
  'retrieval.documents',
  'embedding.embeddings',
];

export function isContentKey(key: string): boolean {
  if (CONTENT_KEYS.has(key)) return true;
  for (const prefix of CONTENT_PREFIXES) if (key.startsWith(prefix)) return true;
  return false;
}

const messageList = (messages: Message[]): ContentDocument | undefined =>
  messages.length ? valueDocument(messages) : undefined;

export interface ExtractedContent {
  content: RecordContent;
  /** Content attributes a dialect repeats in another form beside its documents: sealed with `extra`. */
  repeated: Record<string, unknown> | undefined;
}

export function extractContent(span: Span, operation: string): ExtractedContent {
  const a = span.attributes;
  const content: RecordContent = {};
  const consumed = new Set<string>();
  const take = (key: string): ContentDocument | undefined => {
    const value = a[key];
    if (value === undefined || value === null) return undefined;
    consumed.add(key);
    return verbatim(value);
  };
  // v1.37+: the documents are already in the target schema; keep them byte for byte.
  content.input = take('gen_ai.input.messages');
  content.output = take('gen_ai.output.messages');
  content.system = take('gen_ai.system_instructions');
  content.tools = semconvTools(take('gen_ai.tool.definitions'));
  if (operation === 'execute_tool') {
    // The Vercel AI SDK's ai.toolCall spans: args/result before v5, input/output since.
    content.input ??= take('gen_ai.tool.call.arguments') ?? take('ai.toolCall.input') ?? take('ai.toolCall.args');
    content.output ??= take('gen_ai.tool.call.result') ?? take('ai.toolCall.output') ?? take('ai.toolCall.result');
  }
  let repeated: Record<string, unknown> | undefined;
  if (a[SPAN_KIND] !== undefined) {
    const openInference = openInferenceContent(a, operation);
    content.input ??= openInference.input;
    content.output ??= openInference.output;
    content.tools ??= openInference.tools;
    for (const key of openInference.consumed) consumed.add(key);
    if (Object.keys(openInference.repeated).length) repeated = openInference.repeated;
  }
  content.input ??=
    messageList(legacyEventMessages(span.events, 'input')) ??
    flattenedMessages(a, 'gen_ai.prompt.', 'user') ??
    vercelInput(a);
  content.output ??=
    messageList(legacyEventMessages(span.events, 'output')) ??
    flattenedMessages(a, 'gen_ai.completion.', 'assistant') ??
    vercelOutput(a);
  content.tools ??= flattenedTools(a) ?? vercelTools(a);
  // OpenLLMetry's framework spans (agent, tool, workflow): what went in and came out, as JSON.
  content.input ??= take('traceloop.entity.input');
  content.output ??= take('traceloop.entity.output');
  for (const key of Object.keys(a))
    if (DIALECT_KEYS.has(key) || DIALECT_PREFIXES.some((p) => key.startsWith(p))) consumed.add(key);
  addLeftovers(a, consumed, content);
  for (const field of Object.keys(content) as (keyof RecordContent)[])
    if (content[field] === undefined) delete content[field];
  return { content, repeated };
}

/**
 * `gen_ai.tool.definitions` as sent, unless some tool is in the Chat Completions request shape
 * (`{type, function: {name, ...}}`, OpenLLMetry): then the list becomes v1.41 definitions.
 */
function semconvTools(document: ContentDocument | undefined): ContentDocument | undefined {
  // Most services send the same definitions on every call: parsing them only to find them in
  // the target schema already was normalize's largest cost. Without a "function" key (or a
  // \u escape, which could spell one) no tool has the request shape.
  if (document?.kind === 'received' && !FUNCTION_KEY.test(document.text) && !document.text.includes('\\u'))
    return document;
  const list = document && documentValue(document);
  if (!Array.isArray(list) || !list.some((tool) => isObject(tool) && isObject(tool.function))) return document;
  return valueDocument(list.map(toToolDefinition));
}

/** A "function" key in JSON text. */
const FUNCTION_KEY = /"function"\s*:/;

/** Keys the dialect readers below consume whenever they are present. */
const DIALECT_KEYS = new Set([
  'ai.prompt',
  'ai.prompt.messages',
  'ai.prompt.tools',
  'ai.response.text',
  'ai.response.toolCalls',
]);
const DIALECT_PREFIXES = ['gen_ai.prompt.', 'gen_ai.completion.', 'llm.request.functions.'];

// ---- v1.28–v1.36: span events ----------------------------------------------------------

const INPUT_EVENTS: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};

/** Events whose payload is read as messages (content): the rest of a span's events are sealed as `extra`. */
export function isMessageEvent(name: string): boolean {
  return (
    name in INPUT_EVENTS ||
    name === 'gen_ai.choice' ||
    name === 'gen_ai.content.prompt' ||
    name === 'gen_ai.content.completion'
  );
}

/** Message events (v1.36 names) and the older gen_ai.content.prompt/completion events. */
function legacyEventMessages(events: SpanEvent[], side: 'input' | 'output'): Message[] {
  const messages: Message[] = [];
  for (const event of events) {
    const body = eventBody(event.attributes);
    if (side === 'input') {
      if (event.name === 'gen_ai.content.prompt')
        messages.push(...(toMessages(event.attributes['gen_ai.prompt'], 'user') ?? []));
      const role = INPUT_EVENTS[event.name];
      if (role) messages.push(toMessage({ role, ...body }, role));
    } else {
      if (event.name === 'gen_ai.content.completion')
        messages.push(...(toMessages(event.attributes['gen_ai.completion'], 'assistant') ?? []));
      if (event.name === 'gen_ai.choice') {
        const inner =
          typeof body.message === 'object' && body.message !== null ? (body.message as Record<string, unknown>) : body;
        const message = toMessage({ role: 'assistant', ...inner }, 'assistant');
        if (typeof body.finish_reason === 'string') message.finish_reason = body.finish_reason;
        messages.push(message);
      }
    }
  }
  return messages;
}

/** The body fields of a message event, sent as its attributes. */
const BODY_FIELDS = ['role', 'content', 'tool_calls', 'id', 'tool_call_id', 'message', 'finish_reason', 'index'];

/** Keys of a message event read as its message: the rest of the event is sealed as `extra`. */
export const MESSAGE_EVENT_KEYS: ReadonlySet<string> = new Set([
  ...BODY_FIELDS,
  'gen_ai.event.content',
  'gen_ai.prompt',
  'gen_ai.completion',
]);

/** An event's body: JSON in `gen_ai.event.content`, or the body fields as attributes. */
function eventBody(attributes: Attributes): Record<string, unknown> {
  const packed = attributes['gen_ai.event.content'];
  if (typeof packed === 'string') {
    const parsed = parseJson(packed);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  }
  const body: Record<string, unknown> = {};
  for (const key of BODY_FIELDS) {
    if (attributes[key] != null) body[key] = toPlain(attributes[key]);
  }
  return body;
}

// ---- Traceloop/OpenLLMetry: gen_ai.prompt.0.role, gen_ai.completion.0.tool_calls.1.name --------

function flattenedMessages(attributes: Attributes, prefix: string, defaultRole: string): ContentDocument | undefined {
  const messages = indexedList(attributes, prefix).map((fields) =>
    toMessage(
      {
        role: fields.role,
        content: fields.content,
        tool_call_id: fields.tool_call_id,
        finish_reason: fields.finish_reason,
        tool_calls: indexedList(fields, 'tool_calls.').map((call) => ({
          id: call.id,
          name: call.name,
          arguments: call.arguments,
        })),
      },
      defaultRole,
    ),
  );
  return messageList(messages);
}

function flattenedTools(attributes: Attributes): ContentDocument | undefined {
  const tools = indexedList(attributes, 'llm.request.functions.').map((f) => ({
    type: 'function',
    name: f.name,
    description: f.description,
    parameters: f.parameters === undefined ? undefined : (parseJson(f.parameters) ?? f.parameters),
  }));
  return tools.length ? valueDocument(tools) : undefined;
}

// ---- Vercel AI SDK: ai.prompt.messages, ai.response.text ------------------------------------

function vercelInput(attributes: Attributes): ContentDocument | undefined {
  const messages = toMessages(attributes['ai.prompt.messages'], 'user');
  if (messages) return messageList(messages);
  const prompt = attributes['ai.prompt'];
  if (typeof prompt !== 'string') return undefined;
  const parsed = parseJson(prompt) as { system?: string; prompt?: string; messages?: unknown } | undefined;
  const out: Message[] = [];
  if (parsed && typeof parsed === 'object') {
    if (typeof parsed.system === 'string') out.push({ role: 'system', parts: [textPart(parsed.system)] });
    if (typeof parsed.prompt === 'string') out.push({ role: 'user', parts: [textPart(parsed.prompt)] });
    out.push(...(toMessages(parsed.messages, 'user') ?? []));
  }
  return messageList(out);
}

function vercelOutput(attributes: Attributes): ContentDocument | undefined {
  const text = attributes['ai.response.text'];
  const calls = toToolCallParts(attributes['ai.response.toolCalls']);
  if (text == null && !calls) return undefined;
  const parts = text == null ? [] : [textPart(asString(text))];
  if (calls) parts.push(...calls);
  return valueDocument([{ role: 'assistant', parts }]);
}

/** `ai.prompt.tools`: one JSON text per tool (a string list), or one JSON list. */
function vercelTools(attributes: Attributes): ContentDocument | undefined {
  const value = attributes['ai.prompt.tools'];
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'string' ? parseJson(value) : toPlain(value);
  return Array.isArray(list) ? valueDocument(list.map(toToolDefinition)) : verbatim(value);
}

// ---- anything else that carries content -----------------------------------------------------

/**
 * Content keys no dialect above consumed (OpenInference input.value, tool call attributes
 * on non-tool spans, exception messages...) are still sealed, never dropped silently:
 * they are appended to the input (or output) document as a `{ type: "attribute" }` part.
 */
function addLeftovers(attributes: Attributes, consumed: Set<string>, content: RecordContent): void {
  const extra: Record<'input' | 'output', Message> = {
    input: { role: 'user', parts: [] },
    output: { role: 'assistant', parts: [] },
  };
  for (const key of Object.keys(attributes)) {
    if (consumed.has(key) || !isContentKey(key)) continue;
    const side = /output|completion|result|response/.test(key) ? 'output' : 'input';
    const value = attributes[key];
    extra[side].parts.push({ type: 'attribute', key, value: typeof value === 'string' ? value : toJson(value) });
  }
  for (const side of ['input', 'output'] as const) {
    if (extra[side].parts.length === 0) continue;
    const current = content[side];
    const role = extra[side].role;
    const value = current === undefined ? undefined : documentValue(current);
    const existing =
      current === undefined
        ? []
        : ((Array.isArray(value) ? toMessages(value, role) : undefined) ?? [
            { role, parts: [textPart(documentText(current))] },
          ]);
    content[side] = valueDocument([...existing, extra[side]]);
  }
}
