import { createContextKey, type Context } from '@opentelemetry/api';

/**
 * A framework that records a model call itself (its own `chat` span) makes that call in a
 * context marked with this key, and the provider SDK patched below it then starts no span of
 * its own: one model call, one span. Only the hook's provider spans are suppressed; HTTP and
 * other instrumentations are untouched (unlike `@opentelemetry/core`'s suppressTracing).
 */
const PROVIDER_CALL_RECORDED = createContextKey('ai-audit.provider-call-recorded');

export function suppressProviderCalls(ctx: Context): Context {
  return ctx.setValue(PROVIDER_CALL_RECORDED, true);
}

export function providerCallsSuppressed(ctx: Context): boolean {
  return ctx.getValue(PROVIDER_CALL_RECORDED) === true;
}

/**
 * The same for tool calls: inside a framework's `execute_tool` step (a LangChain or AI SDK
 * tool), an MCP client's call of that tool is the same tool call, and records no step of its
 * own; the request still carries the trace context, so the server's span joins the step.
 */
const TOOL_CALL_RECORDED = createContextKey('ai-audit.tool-call-recorded');

export function markToolCallRecorded(ctx: Context): Context {
  return ctx.setValue(TOOL_CALL_RECORDED, true);
}

export function toolCallRecorded(ctx: Context): boolean {
  return ctx.getValue(TOOL_CALL_RECORDED) === true;
}
