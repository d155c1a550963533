/**
 * The OpenAI Agents SDK's trace spans (`@openai/agents-core` tracing: task, agent, turn,
 * response, function, handoff, guardrail, ...) in GenAI step terms. Pure mapping: which SDK span
 * becomes which step, and what its data says when it ends.
 */
import type { StepContent, StepRequest, StepResult } from '../step';
import {
  ERROR_TYPE_OTHER,
  GEN_AI_TOOL_CALL_ARGUMENTS,
  GEN_AI_TOOL_CALL_ID,
  GEN_AI_TOOL_CALL_RESULT,
  GEN_AI_TOOL_TYPE,
  OPENAI_AGENTS_GUARDRAIL_NAMES,
  OPENAI_AGENTS_GUARDRAIL_TRIGGERED,
  OPERATION,
} from '../semconv';
import { obj, str, type Obj } from '../shape';

/** What the hook reads of an SDK span (`Span` in agents-core): ids, its typed data, its error. */
export interface SdkSpan {
  spanId: string;
  parentId: string | undefined;
  data: Obj;
  error: Obj | undefined;
}

export function sdkSpan(value: unknown): SdkSpan | undefined {
  const span = obj(value);
  const spanId = str(span?.spanId);
  const data = obj(span?.spanData);
  if (!span || !spanId || !data) return undefined;
  return { spanId, parentId: str(span.parentId), data, error: obj(span.error) };
}

/**
 * The step an SDK span starts, or undefined for the spans that are only structure to the audit
 * trail (turn, response, generation, custom, mcp_tools, ...): what runs inside them belongs to
 * the nearest step above. Model calls are recorded by the model client's own instrumentation
 * (see openai-agents.ts), so response and generation spans start nothing here.
 */
export function stepOf(data: Obj): StepRequest | undefined {
  switch (data.type) {
    case 'task':
      return { operation: OPERATION.invokeWorkflow, name: str(data.name) };
    case 'agent':
      return { operation: OPERATION.invokeAgent, name: str(data.name) };
    case 'function':
      return { operation: OPERATION.executeTool, name: str(data.name), attributes: { [GEN_AI_TOOL_TYPE]: 'function' } };
    default:
      return undefined;
  }
}

/**
 * A handoff is the model calling the SDK's transfer tool: an `execute_tool` step named after
 * the agent it hands to, known only once the handoff is done (the SDK fills `to_agent` then).
 */
export function handoffStep(data: Obj): StepRequest {
  return { operation: OPERATION.executeTool, name: str(data.to_agent), attributes: { [GEN_AI_TOOL_TYPE]: 'handoff' } };
}

/** A guardrail's outcome, kept for the agent step it guards. */
export interface GuardrailOutcome {
  name: string;
  triggered: boolean;
}

export function guardrailOf(data: Obj): GuardrailOutcome | undefined {
  const name = str(data.name);
  return data.type === 'guardrail' && name ? { name, triggered: data.triggered === true } : undefined;
}

function guardrailAttributes(guardrails: GuardrailOutcome[]): StepResult['attributes'] {
  if (guardrails.length === 0) return undefined;
  const triggered = guardrails.filter((g) => g.triggered).map((g) => g.name);
  return {
    [OPENAI_AGENTS_GUARDRAIL_NAMES]: guardrails.map((g) => g.name),
    [OPENAI_AGENTS_GUARDRAIL_TRIGGERED]: triggered.length > 0 ? triggered : undefined,
  };
}

/**
 * What an ended SDK span adds to its step. A function span's arguments and result are filled
 * while it runs (and only when the run's `traceIncludeSensitiveData` is on, the SDK's default).
 */
export function resultOf(data: Obj, extra: { toolCallId?: string; guardrails: GuardrailOutcome[] }): StepResult {
  if (data.type === 'function') {
    return {
      attributes: { [GEN_AI_TOOL_CALL_ID]: extra.toolCallId },
      content: (): StepContent => ({
        [GEN_AI_TOOL_CALL_ARGUMENTS]: str(data.input),
        [GEN_AI_TOOL_CALL_RESULT]: str(data.output),
      }),
    };
  }
  if (data.type === 'agent') return { attributes: guardrailAttributes(extra.guardrails) };
  return {};
}

/**
 * An SDK span error as an error for the step. The SDK keeps only a message (`Error in agent
 * run`) and, for runs, the error as text (`InputGuardrailTripwireTriggered: ...`): its class name
 * is the `error.type`. The rest of that text can quote content, so it is not the status message.
 */
export function errorOf(error: Obj): { message: string | undefined; errorType: string } {
  const text = str(obj(error.data)?.error);
  const name = text && /^([A-Za-z_$][\w$]*):/.exec(text)?.[1];
  return { message: str(error.message), errorType: name && name !== 'Error' ? name : ERROR_TYPE_OTHER };
}
