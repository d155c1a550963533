/**
 * MCP requests and results in semconv terms (gen-ai/mcp.md), the same on the client and the
 * server side: a tools/call is an `execute_tool` step; resources/read and prompts/get are MCP
 * spans without a GenAI operation (semconv sets `gen_ai.operation.name` for tool calls only), so
 * the collector keeps no audit record of them. Their span name is semconv's `{mcp.method.name}
 * {target}`; a resource's URI stays out of it (high cardinality), as semconv advises.
 */
import type { AttributeMap } from '../attributes';
import {
  ERROR_TYPE_TOOL_ERROR,
  GEN_AI_PROMPT_NAME,
  GEN_AI_TOOL_CALL_ARGUMENTS,
  GEN_AI_TOOL_CALL_RESULT,
  MCP_METHOD_NAME,
  MCP_RESOURCE_URI,
  OPERATION,
} from '../semconv';
import { obj, str, type Obj } from '../shape';
import type { StepRequest, StepResult } from '../step';

/** The requests recorded: those that hand a model content from elsewhere. */
export const MCP_METHODS = ['tools/call', 'resources/read', 'prompts/get'] as const;
export type McpMethod = (typeof MCP_METHODS)[number];

export function isRecordedMethod(method: unknown): method is McpMethod {
  return (MCP_METHODS as readonly unknown[]).includes(method);
}

function spanName(method: McpMethod, target: string | undefined): string {
  return target ? `${method} ${target}` : method;
}

/** The step of one request; `attributes` are what the side knows besides the request (session, request id). */
export function mcpStep(method: McpMethod, params: Obj, attributes: AttributeMap): StepRequest {
  const common = { [MCP_METHOD_NAME]: method, ...attributes };
  switch (method) {
    case 'tools/call': {
      const tool = str(params.name);
      return {
        operation: OPERATION.executeTool,
        name: tool,
        spanName: spanName(method, tool),
        attributes: common,
        content: () => ({ [GEN_AI_TOOL_CALL_ARGUMENTS]: params.arguments }),
      };
    }
    case 'resources/read':
      return { spanName: method, attributes: { ...common, [MCP_RESOURCE_URI]: str(params.uri) } };
    case 'prompts/get': {
      const prompt = str(params.name);
      return { spanName: spanName(method, prompt), attributes: { ...common, [GEN_AI_PROMPT_NAME]: prompt } };
    }
  }
}

/** How an answered request ends: a tool result with `isError: true` is a failed tool call. */
export function mcpOutcome(method: McpMethod, value: unknown): { result: StepResult; errorType?: string } {
  if (method !== 'tools/call') return { result: {} };
  const result: StepResult = { content: () => ({ [GEN_AI_TOOL_CALL_RESULT]: value }) };
  return obj(value)?.isError === true ? { result, errorType: ERROR_TYPE_TOOL_ERROR } : { result };
}

/** A JSON-RPC error's code (the SDK's McpError carries it), as the string semconv records. */
export function jsonRpcCode(err: unknown): string | undefined {
  const code = obj(err)?.code;
  return typeof code === 'number' && Number.isInteger(code) ? String(code) : undefined;
}

/** `jsonrpc.request.id`: semconv records ids as strings, and none for a null id. */
export function requestId(id: unknown): string | undefined {
  return typeof id === 'number' || (typeof id === 'string' && id !== '') ? String(id) : undefined;
}
