/**
 * The GenAI semconv v1.41 message schemas (gen-ai-input-messages.json,
 * gen-ai-output-messages.json, gen-ai-system-instructions.json) and the part builders that
 * every provider maps its own message shapes onto, so all providers emit the same JSON.
 */

export interface TextPart {
  type: 'text';
  content: string;
}
export interface ToolCallPart {
  type: 'tool_call';
  id: string | null;
  name: string;
  arguments: unknown;
}
export interface ToolCallResponsePart {
  type: 'tool_call_response';
  id: string | null;
  response: unknown;
}
export interface BlobPart {
  type: 'blob';
  mime_type: string | null;
  modality: string;
  /** base64; emptied above MAX_INLINE_BLOB_CHARS (see `blobPart`). */
  content: string;
  ai_audit_omitted_chars?: number;
}
export interface UriPart {
  type: 'uri';
  mime_type: string | null;
  modality: string;
  uri: string;
}
export interface FilePart {
  type: 'file';
  mime_type: string | null;
  modality: string;
  file_id: string;
}
export interface ReasoningPart {
  type: 'reasoning';
  content: string;
}
/** Anything else a provider sends (server tool calls, citations...), kept as the provider shaped it. */
export interface GenericPart {
  type: string;
  [key: string]: unknown;
}
export type Part =
  TextPart | ToolCallPart | ToolCallResponsePart | BlobPart | UriPart | FilePart | ReasoningPart | GenericPart;

export interface InputMessage {
  role: string;
  parts: Part[];
  name?: string;
}
export interface OutputMessage {
  role: string;
  parts: Part[];
  finish_reason: string;
}

/** What a call sent, as content attributes. Built only when content capture is on. */
export interface RequestContent {
  input?: InputMessage[];
  system?: Part[];
  /** In the provider's own tool definition format, as semconv asks. */
  tools?: unknown[];
}

/**
 * Inline media above this size (base64 characters) is left out of the span: one large image
 * would otherwise push an export request past the gRPC message limit and lose the whole batch.
 */
export const MAX_INLINE_BLOB_CHARS = 256 * 1024;

export function textPart(content: string): TextPart {
  return { type: 'text', content };
}

export function reasoningPart(content: string): ReasoningPart {
  return { type: 'reasoning', content };
}

/** Tool arguments arrive as JSON text from most APIs; the schema wants the value. */
export function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  if (value === '') return null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function toolCallPart(id: string | null | undefined, name: string, args: unknown): ToolCallPart {
  return { type: 'tool_call', id: id ?? null, name, arguments: parseArguments(args) };
}

export function toolResponsePart(id: string | null | undefined, response: unknown): ToolCallResponsePart {
  return { type: 'tool_call_response', id: id ?? null, response };
}

export function modalityOf(mimeType: string | null | undefined, fallback = 'document'): string {
  const top = mimeType?.split('/')[0];
  return top === 'image' || top === 'audio' || top === 'video' ? top : fallback;
}

export function base64(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  return undefined;
}

export function blobPart(
  mimeType: string | null | undefined,
  data: unknown,
  modality = modalityOf(mimeType),
): BlobPart {
  const content = base64(data) ?? '';
  const part: BlobPart = { type: 'blob', mime_type: mimeType ?? null, modality, content };
  if (content.length > MAX_INLINE_BLOB_CHARS) {
    part.content = '';
    part.ai_audit_omitted_chars = content.length;
  }
  return part;
}

export function uriPart(uri: string, mimeType: string | null | undefined, modality = modalityOf(mimeType)): UriPart {
  return { type: 'uri', mime_type: mimeType ?? null, modality, uri };
}

export function filePart(
  fileId: string,
  mimeType: string | null | undefined,
  modality = modalityOf(mimeType),
): FilePart {
  return { type: 'file', mime_type: mimeType ?? null, modality, file_id: fileId };
}

/** `data:` URLs become blobs (the bytes were sent inline); other URLs stay references. */
export function urlPart(url: string, modality: string): BlobPart | UriPart {
  const match = /^data:([^;,]+)?(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  if (match) return blobPart(match[1] ?? null, match[2] ?? '', modality);
  return uriPart(url, null, modality);
}

/** A provider block with no schema equivalent, kept whole: auditors see what was sent. */
export function genericPart(block: Record<string, unknown> & { type?: unknown }): GenericPart {
  return { ...block, type: typeof block.type === 'string' ? block.type : 'unknown' };
}

/** Text parts from a string or a list of text-ish blocks. */
export function textParts(value: unknown): Part[] {
  if (typeof value === 'string') return [textPart(value)];
  if (!Array.isArray(value)) return [];
  return value.flatMap((block): Part[] => {
    if (typeof block === 'string') return [textPart(block)];
    const text = (block as { text?: unknown } | null)?.text;
    return typeof text === 'string' ? [textPart(text)] : [];
  });
}

/**
 * JSON for span attributes: bytes as base64, bigints as strings, and no throw on cycles
 * (tool definitions may hold callables with back references).
 */
export function toJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, item: unknown) {
    // `this[key]` is the value before its toJSON ran (Buffer#toJSON would give a byte array).
    const raw = this[key];
    if (raw instanceof Uint8Array) return base64(raw);
    if (typeof item === 'bigint') return item.toString();
    if (typeof item === 'object' && item !== null) {
      if (seen.has(item)) return '[Circular]';
      seen.add(item);
    }
    return item;
  });
}
