/** Reading back what the hook exported, per application run and per app case. */
import type { AttributeValue, OtlpSink, SinkSpan } from '../../helpers/otlp-sink';

/** OTLP SpanKind CLIENT and StatusCode values. */
export const CLIENT = 3;
export const STATUS_UNSET = 0;
export const STATUS_ERROR = 2;

/** What every test app passes to withAuditContext, besides `feature` (the case name). */
export const AUDIT = {
  'user.id': 'user-42',
  'session.id': 'session-7',
  'gen_ai.conversation.id': 'conversation-9',
  'ai_audit.tenant_id': 'acme',
};

/** The spans of one application run (its OTEL_SERVICE_NAME), in start order. */
export function spansOf(sink: OtlpSink, service: string): SinkSpan[] {
  return sink.spans
    .filter((span) => span.resource['service.name'] === service)
    .sort((a, b) =>
      a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0,
    );
}

/** The spans of one app case (the `ai_audit.feature` it ran under). */
export function caseSpans(spans: SinkSpan[], feature: string): SinkSpan[] {
  return spans.filter((span) => span.attributes['ai_audit.feature'] === feature);
}

/** The one span of a case; fails when there is not exactly one. */
export function only(spans: SinkSpan[], feature: string): SinkSpan {
  const found = caseSpans(spans, feature);
  if (found.length !== 1)
    throw new Error(`expected one span for ${feature}, got ${found.length}: ${found.map((s) => s.name).join(', ')}`);
  return found[0] as SinkSpan;
}

/** A content attribute (a JSON string) as the value it encodes. */
export function json(value: AttributeValue | undefined): unknown {
  if (typeof value !== 'string') throw new Error(`expected a JSON string attribute, got ${String(value)}`);
  return JSON.parse(value);
}

/** Waits until every run's spans arrived (the hook flushes before each app exits). */
export async function waitForSpans(sink: OtlpSink, counts: Record<string, number>, timeoutMs = 15_000): Promise<void> {
  await sink.waitFor((s) => Object.entries(counts).every(([service, n]) => spansOf(s, service).length >= n), timeoutMs);
}

/** The content attributes of a chat span: none of them when content capture is off. */
export const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
];

/** The content attributes of chat spans and of agent and tool steps. */
export const CONTENT_KEYS_WITH_TOOLS = [...CONTENT_KEYS, 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result'];

/**
 * The attributes every span of one provider's calls carries, for a case (`feature`) and model:
 * `common('chat')`, or `common('error-404', 'missing-model')`. `port` is read when called (the
 * fake server starts in beforeAll).
 */
export function commonAttributes(options: {
  provider: string;
  model: string;
  port: () => number;
  operation?: string;
}): (feature: string, model?: string) => Record<string, AttributeValue> {
  return (feature, model = options.model) => ({
    'gen_ai.operation.name': options.operation ?? 'chat',
    'gen_ai.provider.name': options.provider,
    'gen_ai.request.model': model,
    'server.address': '127.0.0.1',
    'server.port': options.port(),
    ...AUDIT,
    'ai_audit.feature': feature,
  });
}

/** What the hook records for the apps' shared `messages` (apps/shared/app-cases.cjs): a system and a user message. */
export const HELLO_MESSAGES = [
  { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'Say hello.' }] },
];

/** A model's text answer as the hook records it in gen_ai.output.messages. */
export function textReply(text: string, finishReason = 'stop') {
  return [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: finishReason }];
}

/** A model's answer asking for tool calls (`parts`), as the hook records it in gen_ai.output.messages. */
export function toolCallReply(parts: unknown[]) {
  return [{ role: 'assistant', parts, finish_reason: 'tool_call' }];
}

/** What the hook records in gen_ai.tool.definitions for the apps' shared `tools` (apps/shared/app-cases.cjs). */
export const WEATHER_TOOL_DEFINITIONS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
