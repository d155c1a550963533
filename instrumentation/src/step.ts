/**
 * One agent run, tool execution or workflow run: the spans around and between model calls
 * (semconv `invoke_agent`, `execute_tool`, `invoke_workflow`). Frameworks (AI SDK, LangChain,
 * MCP, OpenAI Agents) describe a step in plain terms; the span, its content attributes under
 * the capture mode and the caller's audit attributes are handled here, once, as GenAiCall does
 * for model calls.
 */
import {
  context,
  diag,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { put, setAll, type AttributeMap } from './attributes';
import type { Telemetry } from './call';
import { contentOnEvent, contentOnSpan } from './config';
import { toJson } from './content';
import { errorTypeOf } from './error-type';
import { putAuditAttributes } from './context/audit-context';
import { markToolCallRecorded } from './context/suppress';
import {
  AI_AUDIT_ABANDON_REASON,
  ERROR_TYPE,
  EVENT_INFERENCE_DETAILS,
  GEN_AI_AGENT_NAME,
  GEN_AI_OPERATION_NAME,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_TOOL_NAME,
  type AbandonReason,
} from './semconv';

export type StepOperation = 'invoke_agent' | 'execute_tool' | 'invoke_workflow';

/** Content attributes by name (e.g. `gen_ai.tool.call.arguments`); values that are not strings become JSON. */
export type StepContent = Record<string, unknown>;

export interface StepRequest {
  /** Left out for a step semconv gives no GenAI operation (an MCP resource read): then `spanName` names it. */
  operation?: StepOperation;
  /** The agent, tool or workflow name: the span is `{operation} {name}`. */
  name?: string;
  /** The span name, when the step's own convention names it otherwise (MCP: `{mcp.method.name} {target}`). */
  spanName?: string;
  /** `gen_ai.provider.name`, when the step is bound to one (an agent's model provider). */
  provider?: string;
  /** INTERNAL by default; CLIENT for a step that runs elsewhere (an MCP tool called remotely). */
  kind?: SpanKind;
  /** The context the step starts in; the active one by default. */
  parent?: Context;
  /** Further attributes; missing values are skipped. */
  attributes?: AttributeMap;
  /** Called only when content capture is on: what the step was given (tool arguments, agent input). */
  content?: () => StepContent;
}

export interface StepResult {
  attributes?: AttributeMap;
  /** Called only when content capture is on: what the step produced (tool result, agent output). */
  content?: () => StepContent;
}

/** The attribute that names the step's subject, by operation (the workflow name has none in semconv). */
const NAME_ATTRIBUTE: Partial<Record<StepOperation, string>> = {
  invoke_agent: GEN_AI_AGENT_NAME,
  execute_tool: GEN_AI_TOOL_NAME,
};

function putContent(target: Attributes, content: StepContent): void {
  for (const key in content) {
    const value = content[key];
    if (value === undefined || value === null) continue;
    target[key] = typeof value === 'string' ? value : toJson(value);
  }
}

/** Steps still open, so that shutdown can end them (their spans would be lost otherwise). */
const openSteps = new Set<GenAiStep>();
/** A step whose watched result is garbage collected before the step ended is abandoned. */
const unread = new FinalizationRegistry<GenAiStep>((step) => step.abandon('gc'));

/** Ends every step still open; used when the process is about to exit (after the calls in them). */
export function abandonOpenSteps(reason: AbandonReason): void {
  for (const step of [...openSteps]) step.abandon(reason);
}

export class GenAiStep {
  /** The parent context with this step's span: what the step does runs in it. */
  readonly context: Context;
  private readonly span: Span;
  private readonly contentAttributes: Attributes | undefined;
  private ended = false;
  private watched = false;

  constructor(
    private readonly telemetry: Telemetry,
    request: StepRequest,
  ) {
    const parent = request.parent ?? context.active();
    const attributes: Attributes = {};
    put(attributes, GEN_AI_OPERATION_NAME, request.operation);
    put(attributes, GEN_AI_PROVIDER_NAME, request.provider);
    const nameAttribute = request.operation && NAME_ATTRIBUTE[request.operation];
    if (nameAttribute) put(attributes, nameAttribute, request.name);
    setAll(attributes, request.attributes);
    putAuditAttributes(attributes, parent);
    if (telemetry.capture !== 'no_content') {
      this.contentAttributes = {};
      if (request.content) putContent(this.contentAttributes, request.content());
      if (this.onSpan) Object.assign(attributes, this.contentAttributes);
    }
    const name =
      request.spanName ?? (request.name ? `${request.operation} ${request.name}` : (request.operation ?? 'step'));
    this.span = telemetry.tracer.startSpan(name, { kind: request.kind ?? SpanKind.INTERNAL, attributes }, parent);
    const withSpan = trace.setSpan(parent, this.span);
    this.context = request.operation === 'execute_tool' ? markToolCallRecorded(withSpan) : withSpan;
    openSteps.add(this);
  }

  /**
   * Ends the step as abandoned ('gc') if `target` (what the application was handed, e.g. a
   * stream result) is garbage collected before the step ended: a result nobody reads never
   * reaches the framework's own end-of-run callbacks.
   */
  watch(target: object): void {
    if (this.ended || this.watched) return;
    this.watched = true;
    unread.register(target, this, this);
  }

  abandon(reason: AbandonReason): void {
    this.end({ attributes: { [AI_AUDIT_ABANDON_REASON]: reason } }, undefined);
  }

  /** Whether content is recorded: what is not need not be read. */
  get capturesContent(): boolean {
    return this.contentAttributes !== undefined;
  }

  private get onSpan(): boolean {
    return contentOnSpan(this.telemetry.capture);
  }

  private get onEvent(): boolean {
    return contentOnEvent(this.telemetry.capture);
  }

  /** Runs `fn` with this step's span active; a synchronous throw ends the step as failed. */
  run<T>(fn: () => T): T {
    try {
      return context.with(this.context, fn);
    } catch (err) {
      this.fail(err);
      throw err;
    }
  }

  /**
   * Ends the step when `value` settles, if it is a promise, and returns it unchanged (the
   * application sees the same object); anything else ends the step at once.
   */
  settle<T>(value: T, result?: (settled: Awaited<T>) => StepResult): T {
    if (value && typeof (value as { then?: unknown }).then === 'function') {
      (value as unknown as PromiseLike<Awaited<T>>).then(
        (settled) => this.succeed(this.guarded(result, settled)),
        (err: unknown) => this.fail(err),
      );
      return value;
    }
    this.succeed(this.guarded(result, value as Awaited<T>));
    return value;
  }

  private guarded<V>(result: ((settled: V) => StepResult) | undefined, settled: V): StepResult {
    try {
      return result?.(settled) ?? {};
    } catch (err) {
      diag.debug('ai-audit: could not read a step result', err);
      return {};
    }
  }

  succeed(result: StepResult = {}): void {
    this.end(result, undefined);
  }

  /** `errorType` overrides the error's class name (e.g. a JSON-RPC error code). */
  fail(err: unknown, errorType?: string, result: StepResult = {}): void {
    this.end(result, { err, errorType });
  }

  /** Never throws: it runs inside the application's promise chains. */
  private end(result: StepResult, failure: { err: unknown; errorType?: string } | undefined): void {
    if (this.ended) return;
    this.ended = true;
    openSteps.delete(this);
    if (this.watched) unread.unregister(this);
    try {
      const attributes: Attributes = {};
      setAll(attributes, result.attributes);
      const content = this.contentAttributes;
      if (content && result.content) {
        const output: Attributes = {};
        putContent(output, result.content());
        Object.assign(content, output);
        if (this.onSpan) Object.assign(attributes, output);
      }
      if (content && this.onEvent && Object.keys(content).length > 0) {
        this.span.addEvent(EVENT_INFERENCE_DETAILS, content);
      }
      if (failure) {
        attributes[ERROR_TYPE] = failure.errorType ?? errorTypeOf(failure.err);
        const message = (failure.err as { message?: unknown } | null)?.message;
        this.span.setStatus({ code: SpanStatusCode.ERROR, message: typeof message === 'string' ? message : undefined });
      }
      this.span.setAttributes(attributes);
    } catch (err) {
      diag.debug('ai-audit: could not record a step', err);
    }
    this.span.end();
  }
}
