import type { ContentDocument } from './content';

/**
 * The audit record: one per GenAI span, the row shape of `ai_audit.records`
 * (README.md, "The audit record"). Field names are the column names.
 *
 * Plaintext content lives only in `content`, in memory, between normalize and protect.
 * Nothing serializes `content`: rows are built from the columns alone, so a record that
 * skipped the protect stage simply carries no content to disk.
 */
export interface AuditRecord {
  /** Span start, nanoseconds since the epoch. */
  timestamp: bigint;
  tenant_id: string;
  record_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  span_name: string;
  scope_name: string;
  scope_version: string;
  service_name: string;
  service_version: string;
  environment: string;
  user_id: string;
  session_id: string;
  conversation_id: string;
  feature: string;
  operation: string;
  provider: string;
  request_model: string;
  response_model: string;
  response_id: string;
  server_address: string;
  agent_name: string;
  tool_name: string;
  tool_call_id: string;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  latency_ms: number;
  ttft_ms: number | null;
  streaming: boolean;
  status: 'ok' | 'error';
  error_type: string;
  finish_reasons: string[];
  violations: string[];
  prompt_hash: string;
  response_hash: string;
  content_key_id: string;
  input_sealed: string;
  output_sealed: string;
  system_sealed: string;
  tools_sealed: string;
  extra_sealed: string;
  /** Raw bytes: the record's content in one envelope (empty when there is none). */
  content_sealed: Buffer;
  /** The span's other attributes known to be metadata, as strings (see normalize/metadata.ts). */
  attributes: Record<string, string>;
  resource: Record<string, string>;
  /** Plaintext content, in memory only (see the note above), as structure (model/content.ts). */
  content: RecordContent;
  /**
   * In memory only, for the join processor (docs/architecture.md, "Joining events to spans"):
   * `span` is a model call's record from an instrumentation that may send GenAI events (log
   * records) for it; `events` is the record made of those events.
   */
  join?: 'span' | 'events';
}

/**
 * Content of one record in the GenAI semconv v1.41 shapes: `input` and `output` are message
 * lists (for execute_tool spans: the call arguments and result), `system` the system
 * instructions, `tools` the tool definitions. `extra` holds what of the span is not known to
 * be metadata (default-deny): `{ attributes, resource, events }`.
 */
export type RecordContent = Partial<Record<ContentField, ContentDocument>>;

/** The attribute that marks a record made of a span's GenAI events alone, never joined to the span. */
export const EVENTS_ONLY = 'ai_audit.events_only';

/** In this order for good: a field's place here is its code in sealed envelopes (keys/envelope.ts). */
export const CONTENT_FIELDS = ['input', 'output', 'system', 'tools', 'extra'] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];

/** The column that holds a record's sealed content: one envelope, raw bytes. */
export const CONTENT_SEALED = 'content_sealed';

/** The column that held each content field before `content_sealed` (still read, no longer written). */
export const SEALED_COLUMN: Record<
  ContentField,
  'input_sealed' | 'output_sealed' | 'system_sealed' | 'tools_sealed' | 'extra_sealed'
> = {
  input: 'input_sealed',
  output: 'output_sealed',
  system: 'system_sealed',
  tools: 'tools_sealed',
  extra: 'extra_sealed',
};

/** Every column that holds sealed content, old and new: what content retention and erasure clear. */
export const ALL_SEALED_COLUMNS = [...Object.values(SEALED_COLUMN), CONTENT_SEALED] as const;
