import { context, diag, type Context } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition, isWrapped } from '@opentelemetry/instrumentation';
import type { Method } from '../promise';
import { obj, str, type Obj } from '../shape';
import type { GenAiStep } from '../step';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import {
  errorOf,
  guardrailOf,
  handoffStep,
  resultOf,
  sdkSpan,
  stepOf,
  type GuardrailOutcome,
  type SdkSpan,
} from './openai-agents-format';

/** Tested with 0.20 (task and turn spans, `MultiTracingProcessor`, the Responses model by default). */
export const OPENAI_AGENTS_VERSIONS = ['>=0.20.0 <1'];

/** One SDK span the hook saw start, until it ends. */
interface Tracked {
  /** What runs under the SDK span runs in: its step's context, or the one of the nearest step above. */
  context: Context;
  step: GenAiStep | undefined;
  /** Set by the runner's `agent_tool_start` event, which only it carries (function spans do not). */
  toolCallId?: string;
  /** The guardrails run for an agent step, reported when it ends. */
  guardrails?: GuardrailOutcome[];
}

/** The model classes of `@openai/agents-openai` whose calls go through the `openai` package. */
const MODEL_CLASSES = ['OpenAIResponsesModel', 'OpenAIChatCompletionsModel'];
const MODEL_METHODS = ['getResponse', 'getStreamedResponse'] as const;

interface Targets {
  /** Every SDK span reaches `onSpanStart`/`onSpanEnd` of the trace provider's MultiTracingProcessor. */
  processor: Obj | undefined;
  runner: Obj | undefined;
  models: Obj[];
}

function prototypeOf(value: unknown): Obj | undefined {
  return obj(obj(value)?.prototype);
}

function targets(exports: unknown): Targets {
  const module = obj(exports);
  return {
    processor: prototypeOf(module?.MultiTracingProcessor),
    runner: prototypeOf(module?.Runner),
    models: MODEL_CLASSES.map((name) => prototypeOf(module?.[name])).filter((p): p is Obj => p !== undefined),
  };
}

function hasMethod(target: Obj | undefined, name: string): target is Record<string, Method> {
  return typeof target?.[name] === 'function';
}

/** Runs every step of an async iterator in `ctx`: an async generator's body runs inside `next()`. */
function bindIterator(iterator: unknown, ctx: Context): void {
  const target = obj(iterator);
  if (!target) return;
  for (const key of ['next', 'return', 'throw']) {
    const method = target[key];
    if (typeof method !== 'function') continue;
    Object.defineProperty(target, key, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: (...args: unknown[]) => context.with(ctx, () => (method as Method).apply(target, args)),
    });
  }
}

/**
 * `@openai/agents` (and the agents-core and agents-openai packages it re-exports): runs, agents,
 * function tools, handoffs and guardrails, as `invoke_workflow` / `invoke_agent` /
 * `execute_tool` steps, from the SDK's own tracing.
 *
 * Every SDK span goes through `MultiTracingProcessor.prototype.onSpanStart/onSpanEnd` (the trace
 * provider's fan-out to the processors), synchronously from `span.start()`. Hooking there rather
 * than registering a processor keeps the steps whatever processors the application sets:
 * `@openai/agents` itself replaces the list with its OpenAI exporter when it loads
 * (`setTraceProcessors`), and applications do too. What the SDK does not trace, the hook does not
 * see: with the SDK's tracing disabled (`setTracingDisabled(true)`, OPENAI_AGENTS_DISABLE_TRACING,
 * NODE_ENV=test, `tracingDisabled` in the run config) no step is recorded, and model calls are
 * still recorded by the `openai` instrumentation, under the application's context.
 *
 * Model calls: the `openai` package below records each request as its chat span (one span per
 * model call, with the server, request parameters, streaming, usage and the API's errors), and the
 * SDK's response/generation spans start nothing here. For that chat span to nest under its agent,
 * the model classes' `getResponse`/`getStreamedResponse` run in the OpenTelemetry context of the
 * step the SDK's current span belongs to: the SDK tracks its current span in an AsyncLocalStorage
 * of its own, which OpenTelemetry's context does not follow. Recording the chat span from the
 * response span instead would need the provider call suppressed, and lose what only the client
 * sees (server address, HTTP status, request parameters) and every model call when the SDK's
 * tracing is off.
 */
export class OpenAIAgentsInstrumentation extends AuditInstrumentation {
  static readonly module = '@openai/agents';

  private readonly spans = new Map<string, Tracked>();
  /** agents-core's `getCurrentSpan`, from the patched module. */
  private currentSpan: (() => unknown) | undefined;

  constructor(config: AuditInstrumentationConfig) {
    super(OpenAIAgentsInstrumentation.module, config);
  }

  protected init() {
    return new InstrumentationNodeModuleDefinition(
      OpenAIAgentsInstrumentation.module,
      OPENAI_AGENTS_VERSIONS,
      (exports: unknown) => {
        this.patch(exports);
        return exports;
      },
      (exports: unknown) => this.unpatch(exports),
    );
  }

  private patch(exports: unknown): void {
    const { processor, runner, models } = targets(exports);
    const getCurrentSpan = obj(exports)?.getCurrentSpan;
    if (typeof getCurrentSpan === 'function') this.currentSpan = getCurrentSpan as () => unknown;
    if (hasMethod(processor, 'onSpanStart') && hasMethod(processor, 'onSpanEnd')) {
      this.wrapOnce(processor, 'onSpanStart', (original) => this.observe(original, (span) => this.started(span)));
      this.wrapOnce(processor, 'onSpanEnd', (original) => this.observe(original, (span) => this.ended(span)));
    }
    if (hasMethod(runner, 'emit')) this.wrapOnce(runner, 'emit', (original) => this.events(original));
    for (const model of models) {
      if (hasMethod(model, 'getResponse')) this.wrapOnce(model, 'getResponse', (original) => this.inStep(original));
      if (hasMethod(model, 'getStreamedResponse'))
        this.wrapOnce(model, 'getStreamedResponse', (original) => this.inStepStreamed(original));
    }
  }

  /** Patch and unpatch touch only what is (not) wrapped: the same classes can come through twice. */
  private wrapOnce(target: Record<string, Method>, name: string, wrapper: (original: Method) => Method): void {
    if (!isWrapped(target[name])) this._wrap(target, name, wrapper);
  }

  private unwrapIfWrapped(target: Obj | undefined, name: string): void {
    if (target && isWrapped(target[name])) this._unwrap(target, name);
  }

  private unpatch(exports: unknown): void {
    const { processor, runner, models } = targets(exports);
    for (const method of ['onSpanStart', 'onSpanEnd']) this.unwrapIfWrapped(processor, method);
    this.unwrapIfWrapped(runner, 'emit');
    for (const model of models) for (const method of MODEL_METHODS) this.unwrapIfWrapped(model, method);
    this.currentSpan = undefined;
  }

  /** The processor's method, after the hook has seen the span; its result (a promise) untouched. */
  private observe(original: Method, see: (span: SdkSpan) => void): Method {
    return function observed(this: unknown, ...args: unknown[]): unknown {
      try {
        const span = sdkSpan(args[0]);
        if (span) see(span);
      } catch (err) {
        diag.debug('ai-audit: could not read an OpenAI Agents span', err);
      }
      return original.apply(this, args);
    };
  }

  private started(span: SdkSpan): void {
    // A processor nested in another MultiTracingProcessor sees the span a second time.
    if (this.spans.has(span.spanId)) return;
    const parent = span.parentId === undefined ? undefined : this.spans.get(span.parentId);
    const parentContext = parent?.context ?? context.active();
    const request = stepOf(span.data);
    const step = request && this.startStep(() => ({ ...request, parent: parentContext }));
    this.spans.set(span.spanId, {
      context: step?.context ?? parentContext,
      step,
      guardrails: span.data.type === 'agent' ? [] : undefined,
    });
  }

  private ended(span: SdkSpan): void {
    const tracked = this.spans.get(span.spanId);
    if (!tracked) return;
    this.spans.delete(span.spanId);
    const guardrail = guardrailOf(span.data);
    if (guardrail && span.parentId !== undefined) this.spans.get(span.parentId)?.guardrails?.push(guardrail);
    const step =
      tracked.step ??
      (span.data.type === 'handoff'
        ? this.startStep(() => ({ ...handoffStep(span.data), parent: tracked.context }))
        : undefined);
    if (!step) return;
    const result = resultOf(span.data, { toolCallId: tracked.toolCallId, guardrails: tracked.guardrails ?? [] });
    if (span.error) {
      const { message, errorType } = errorOf(span.error);
      step.fail({ message }, errorType, result);
    } else {
      step.succeed(result);
    }
  }

  /** The step context of the SDK's current span, if the hook tracks it. */
  private currentContext(): Context | undefined {
    try {
      const current = sdkSpan(this.currentSpan?.());
      return current && this.spans.get(current.spanId)?.context;
    } catch (err) {
      diag.debug('ai-audit: could not read the OpenAI Agents current span', err);
      return undefined;
    }
  }

  /** At a function tool's start, the call id its SDK span does not carry (`agent_tool_start`'s details). */
  private toolStarted(details: unknown): void {
    try {
      const callId = str(obj(obj(details)?.toolCall)?.callId);
      const current = sdkSpan(this.currentSpan?.());
      const tracked = current?.data.type === 'function' ? this.spans.get(current.spanId) : undefined;
      if (tracked && callId) tracked.toolCallId = callId;
    } catch (err) {
      diag.debug('ai-audit: could not read an OpenAI Agents tool call', err);
    }
  }

  /** `Runner.emit(event, runContext, agent, tool, details)`, seen before the listeners are. */
  private events(original: Method): Method {
    const toolStarted = (details: unknown) => this.toolStarted(details);
    return function emit(this: unknown, ...args: unknown[]): unknown {
      if (args[0] === 'agent_tool_start') toolStarted(args[4]);
      return original.apply(this, args);
    };
  }

  /** `getResponse`: the model call (and the `openai` request in it) runs in its step's context. */
  private inStep(original: Method): Method {
    const currentContext = () => this.currentContext();
    return function getResponse(this: unknown, ...args: unknown[]): unknown {
      const ctx = currentContext();
      return ctx ? context.with(ctx, () => original.apply(this, args)) : original.apply(this, args);
    };
  }

  /** `getStreamedResponse`, an async generator: the very generator, each of its steps in the step's context. */
  private inStepStreamed(original: Method): Method {
    const currentContext = () => this.currentContext();
    return function getStreamedResponse(this: unknown, ...args: unknown[]): unknown {
      const ctx = currentContext();
      const iterator = original.apply(this, args);
      if (ctx) bindIterator(iterator, ctx);
      return iterator;
    };
  }
}
