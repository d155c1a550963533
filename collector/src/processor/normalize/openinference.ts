import type { Attributes } from '../../model/traces';
import { parseJson } from '../../model/json';
import { valueDocument, type ContentDocument } from '../../model/content';
import { textPart, toMessage, toToolDefinition, type Message } from './messages';
import { asString, indexedList, toPlain, verbatim } from './values';

/**
 * The OpenInference dialect (Arize: `openinference.span.kind`, `llm.*`, `input.value`):
 * which of its spans are audit records, their operation, and their content. Its messages
 * are flattened into attributes (`llm.input_messages.0.message.role`), its request
 * parameters are one JSON text (`llm.invocation_parameters`).
 */

export const SPAN_KIND = 'openinference.span.kind';

/** Span kinds that are GenAI operations by themselves; LLM is chat or text_completion. */
const KIND_OPERATIONS: Record<string, string> = {
  EMBEDDING: 'embeddings',
  TOOL: 'execute_tool',
  AGENT: 'invoke_agent',
  RETRIEVER: 'retrieval',
  RERANKER: 'rerank',
};

/**
 * The operation of an OpenInference span, or undefined when it is not an audit record:
 * CHAIN, GUARDRAIL, EVALUATOR and PROMPT spans are plumbing around the calls (which have
 * spans of their own) unless they carry a model call's `llm.*` data themselves.
 */
export function openInferenceOperation(attributes: Attributes): string | undefined {
  const kind = asString(attributes[SPAN_KIND]).trim().toUpperCase();
  if (!kind) return undefined;
  const operation = KIND_OPERATIONS[kind];
  if (operation) return operation;
  if (kind !== 'LLM' && !Object.keys(attributes).some((key) => key.startsWith('llm.'))) return undefined;
  return isCompletion(attributes) ? 'text_completion' : 'chat';
}

/** A legacy completion: prompts instead of messages, or a plain-text input and no messages. */
function isCompletion(attributes: Attributes): boolean {
  const keys = Object.keys(attributes);
  if (keys.some((key) => key.startsWith('llm.input_messages.'))) return false;
  return keys.some((key) => key.startsWith('llm.prompts')) || attributes['input.mime_type'] === 'text/plain';
}

export interface Invocation {
  model: string;
  stream: boolean | null;
}

/** What a model name or id can look like: short, no spaces. Anything else there is not trusted as one. */
const MODEL_NAME = /^[\w.:/@+-]{1,256}$/;

/**
 * The requested model and stream flag from `llm.invocation_parameters`, the request body
 * as JSON text. The text is content (it may hold anything) and is sealed with `extra`;
 * only these two fields are read from it, because OpenInference overwrites
 * `llm.model_name` with the model that answered and has no stream attribute.
 */
export function invocation(attributes: Attributes): Invocation | undefined {
  const text = attributes['llm.invocation_parameters'];
  if (typeof text !== 'string') return undefined;
  const parsed = parseJson(text) as { model?: unknown; stream?: unknown } | undefined;
  if (!parsed || typeof parsed !== 'object') return undefined;
  return {
    model: typeof parsed.model === 'string' && MODEL_NAME.test(parsed.model) ? parsed.model : '',
    stream: typeof parsed.stream === 'boolean' ? parsed.stream : null,
  };
}

export interface OpenInferenceContent {
  input?: ContentDocument;
  output?: ContentDocument;
  tools?: ContentDocument;
  /** Content attributes read into the documents above. */
  consumed: string[];
  /**
   * Content attributes that repeat what the documents hold in another form (the raw
   * request and response beside the messages, embedding vectors beside their texts):
   * sealed with `extra`, so the message documents stay message lists.
   */
  repeated: Record<string, unknown>;
}

export function openInferenceContent(attributes: Attributes, operation: string): OpenInferenceContent {
  const result: OpenInferenceContent = { consumed: [], repeated: Object.create(null) };
  const keys = Object.keys(attributes);
  const consume = (prefix: string): void => {
    for (const key of keys) if (key.startsWith(prefix)) result.consumed.push(key);
  };
  const repeat = (key: string): void => {
    const value = attributes[key];
    if (value !== undefined && value !== null) result.repeated[key] = toPlain(value);
  };

  if (operation === 'execute_tool') {
    // A tool's input and output are its arguments and result, whatever their form.
    result.input = verbatim(attributes['input.value']);
    result.output = verbatim(attributes['output.value']);
    result.tools = toolOfSpan(attributes);
    result.consumed.push('input.value', 'output.value', 'tool.description', 'tool.parameters', 'tool.json_schema');
    return result;
  }

  const input =
    messages(attributes, 'llm.input_messages.', 'user') ?? prompts(attributes) ?? embeddingTexts(attributes);
  if (input) {
    result.input = valueDocument(input);
    consume('llm.input_messages.');
    consume('llm.prompts');
    consume('embedding.embeddings.');
    repeat('input.value');
    for (const key of keys) if (key.startsWith('embedding.embeddings.') && key.endsWith('.vector')) repeat(key);
  } else {
    result.input = plainOrVerbatim(attributes, 'input', 'user');
  }
  const output = messages(attributes, 'llm.output_messages.', 'assistant');
  if (output) {
    result.output = valueDocument(output);
    consume('llm.output_messages.');
    repeat('output.value');
  } else {
    result.output = plainOrVerbatim(attributes, 'output', 'assistant');
  }
  result.consumed.push('input.value', 'output.value');

  const tools = indexedList(attributes, 'llm.tools.').map((fields) => toToolDefinition(fields['tool.json_schema']));
  if (tools.length) {
    result.tools = valueDocument(tools);
    consume('llm.tools.');
  }
  return result;
}

/** `prefix` + `N.message.*` attributes → v1.41 messages, or undefined when there are none. */
function messages(attributes: Attributes, prefix: string, defaultRole: string): Message[] | undefined {
  const list = indexedList(attributes, prefix);
  if (list.length === 0) return undefined;
  return list.map((fields) => {
    const contents = indexedList(fields, 'message.contents.').map(contentPart);
    // OpenAI's shape, which toMessage reads.
    const toolCalls = indexedList(fields, 'message.tool_calls.').map((call) => ({
      id: call['tool_call.id'],
      function: { name: call['tool_call.function.name'], arguments: call['tool_call.function.arguments'] },
    }));
    const functionCall = fields['message.function_call_name'];
    if (functionCall !== undefined)
      toolCalls.push({
        id: '',
        function: { name: functionCall, arguments: fields['message.function_call_arguments_json'] },
      });
    return toMessage(
      {
        role: fields['message.role'],
        content: contents.length ? contents : fields['message.content'],
        tool_calls: toolCalls,
        tool_call_id: fields['message.tool_call_id'],
        name: fields['message.name'],
      },
      defaultRole,
    );
  });
}

/** One `message.contents.M.*` entry: text as a text block, anything else (images...) kept whole. */
function contentPart(fields: Record<string, string>): unknown {
  const type = fields['message_content.type'] ?? 'text';
  if (type === 'text') return { type: 'text', text: fields['message_content.text'] ?? '' };
  const part: Record<string, string> = Object.create(null);
  for (const key of Object.keys(fields)) part[key.replace(/^message_content\./, '')] = fields[key];
  return part;
}

/** Completion prompts: `llm.prompts` as a string list, or flattened `llm.prompts.N.prompt.text`. */
function prompts(attributes: Attributes): Message[] | undefined {
  const list = attributes['llm.prompts'];
  const texts = Array.isArray(list)
    ? list.map((item) => asString(item))
    : indexedList(attributes, 'llm.prompts.').map((fields) => fields['prompt.text'] ?? '');
  return texts.length ? texts.map((text) => ({ role: 'user', parts: [textPart(text)] })) : undefined;
}

/** The texts an embedding span embedded, as one user message. */
function embeddingTexts(attributes: Attributes): Message[] | undefined {
  const texts = indexedList(attributes, 'embedding.embeddings.').flatMap((fields) =>
    fields['embedding.text'] === undefined ? [] : [textPart(fields['embedding.text'])],
  );
  return texts.length ? [{ role: 'user', parts: texts }] : undefined;
}

/**
 * `input.value` / `output.value` without messages: plain text is one message (so the
 * prompt hash covers it), anything else is kept as received.
 */
function plainOrVerbatim(attributes: Attributes, side: 'input' | 'output', role: string): ContentDocument | undefined {
  const value = attributes[`${side}.value`];
  if (typeof value === 'string' && attributes[`${side}.mime_type`] === 'text/plain')
    return valueDocument([{ role, parts: [textPart(value)] }]);
  return verbatim(value);
}

/** A TOOL span's own definition: `tool.json_schema`, or its name, description and parameters. */
function toolOfSpan(attributes: Attributes): ContentDocument | undefined {
  const schema = attributes['tool.json_schema'];
  if (typeof schema === 'string') return valueDocument([toToolDefinition(schema)]);
  const description = attributes['tool.description'];
  const parameters = attributes['tool.parameters'];
  if (description == null && parameters == null) return undefined;
  return valueDocument([
    toToolDefinition({
      type: 'function',
      name: asString(attributes['tool.name']) || undefined,
      description: description == null ? undefined : asString(description),
      parameters: typeof parameters === 'string' ? (parseJson(parameters) ?? parameters) : toPlain(parameters ?? null),
    }),
  ]);
}
