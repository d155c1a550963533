import { context, createContextKey, diag, type Context } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition, isWrapped } from '@opentelemetry/instrumentation';
import { ReadableStream, TransformStream, type Transformer } from 'node:stream/web';
import type { CallRequest, GenAiCall } from '../call';
import { suppressProviderCalls } from '../context/suppress';
import {
  AI_AUDIT_ABANDON_REASON,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_TOOL_CALL_ARGUMENTS,
  GEN_AI_TOOL_CALL_ID,
  GEN_AI_TOOL_CALL_RESULT,
  GEN_AI_TOOL_DESCRIPTION,
  GEN_AI_TOOL_TYPE,
  OPERATION,
} from '../semconv';
import { obj, str, type Obj } from '../shape';
import type { GenAiStep } from '../step';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import {
  apiErrorType,
  callAttributes,
  embedContent,
  embedResult,
  generateResult,
  modelServer,
  promptContent,
  providerName,
  StreamPartAccumulator,
} from './ai-sdk-format';

/** `ai` 5 (LanguageModelV2) and 6 (LanguageModelV3): the same top-level functions and options. */
export const AI_SDK_VERSIONS = ['>=5.0.0 <7'];

type Fn = (this: unknown, ...args: unknown[]) => unknown;

/** The functions patched, by what their `model` option is asked to do. */
const FUNCTIONS = {
  generateText: 'language',
  streamText: 'language',
  generateObject: 'language',
  streamObject: 'language',
  embed: 'embedding',
  embedMany: 'embedding',
} as const;
type FunctionName = keyof typeof FUNCTIONS;
const NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/**
 * ToolLoopAgent (ai 6; `Experimental_Agent` is the same class): the methods that call the
 * SDK's own generateText and streamText, not the exports, with the options its prepareCall
 * makes. ai 5's Experimental_Agent has no prepareCall and is not recorded.
 */
const AGENT_METHODS = { generate: 'generateText', stream: 'streamText' } as const;
type AgentMethod = keyof typeof AGENT_METHODS;

/** An agent's generate or stream under way, in whose context its prepareCall runs. */
interface AgentCall {
  /** The agent whose generate or stream this is. */
  self: unknown;
  name: (typeof AGENT_METHODS)[AgentMethod];
  agent: string;
  run?: Run;
}
const AGENT_CALL = createContextKey('ai-audit AI SDK agent call');
const AGENT_PATCHED = [...(Object.keys(AGENT_METHODS) as AgentMethod[]), 'prepareCall'] as const;

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

/** What one top-level call records under: its agent step, if any, and the context its spans start in. */
interface Run {
  step: GenAiStep | undefined;
  scope: Context;
}

/** semconv's provider name for a model's `provider` ('openai.chat', 'anthropic.messages', ...). */
function providerOf(model: Obj): string {
  return providerName(str(model.provider) ?? '');
}

function isAsyncIterable(value: unknown): boolean {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}

/**
 * `model` with some of its methods replaced, and nothing else changed: every other property is
 * read from the model itself (getters and private fields see the real instance), and its other
 * methods stay bound to it.
 */
function withMethods(model: Obj, methods: Record<string, Fn>): Obj {
  return new Proxy(model, {
    get(target, key) {
      if (typeof key === 'string' && Object.hasOwn(methods, key)) return methods[key];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as Fn).bind(target) : value;
    },
  });
}

/**
 * The Vercel AI SDK (`ai`): generateText, streamText, generateObject, streamObject, embed and
 * embedMany. Each model request the SDK makes is one `chat` (or `embeddings`) span, recorded
 * at the model interface every provider package implements (`doGenerate`, `doStream`,
 * `doEmbed`), so the span has what that request sent and got whatever the provider. A
 * generateText or streamText given tools is an `invoke_agent` span (named by the telemetry
 * `functionId`, else the function), parent of its model calls and of one `execute_tool` span
 * per tool execution. A call with the SDK's own telemetry on is left to the SDK's spans.
 *
 * Patch point: the CommonJS build exports through non-configurable getters (esbuild's
 * `__export`), which can be neither reassigned nor redefined. So the CJS exports are replaced by
 * a copy whose patched functions are plain properties (the rest still read through the
 * original getters); the ES module namespace of `index.mjs` is patched in place, as the ESM
 * loader makes its bindings assignable. Calls between the SDK's own functions do not go
 * through the exports: a ToolLoopAgent's generate and stream are patched on its class, and
 * their run is recorded from the options its prepareCall hands the SDK's generateText or
 * streamText (an `invoke_agent` span named by the agent's id, tools or not).
 */
export class AiSdkInstrumentation extends AuditInstrumentation {
  static readonly module = 'ai';
  /**
   * The CJS exports' patched copy, by the exports: the base class hands unpatch (and a patch
   * after re-enabling) the module's own exports, while the application holds the copy.
   */
  private readonly copies = new WeakMap<object, Record<FunctionName, Fn>>();
  /** ToolLoopAgent prototypes this instrumentation wrapped (all three methods, or none). */
  private readonly agents = new WeakSet<object>();

  constructor(config: AuditInstrumentationConfig) {
    super(AiSdkInstrumentation.module, config);
  }

  protected init() {
    return new InstrumentationNodeModuleDefinition(
      AiSdkInstrumentation.module,
      AI_SDK_VERSIONS,
      (exports: Obj) => {
        const target = this.copies.get(exports) ?? (assignable(exports) as Record<FunctionName, Fn>);
        if (target !== exports) this.copies.set(exports, target);
        for (const name of NAMES) {
          if (typeof target[name] === 'function' && !isWrapped(target[name]))
            this._wrap(target, name, (original: Fn) => this.instrument(name, original));
        }
        // The three together or not at all: prepareCall alone would find no mark, and
        // another wrapper already there is not ours to stack on or to remove.
        const agent = agentPrototype(exports);
        if (agent && !this.agents.has(agent) && !AGENT_PATCHED.some((method) => isWrapped(agent[method]))) {
          for (const method of Object.keys(AGENT_METHODS) as AgentMethod[])
            this._wrap(agent, method, (original: Fn) => this.instrumentAgent(AGENT_METHODS[method], original));
          this._wrap(agent, 'prepareCall', (original: Fn) => this.instrumentPrepareCall(original));
          this.agents.add(agent);
        }
        return target;
      },
      (exports: Record<FunctionName, Fn>) => {
        const target = this.copies.get(exports) ?? exports;
        for (const name of NAMES) if (isWrapped(target[name])) this._unwrap(target, name);
        const agent = agentPrototype(exports);
        if (agent && this.agents.delete(agent)) for (const method of AGENT_PATCHED) this._unwrap(agent, method);
      },
    );
  }

  /**
   * An agent's generate or stream: runs with a mark its prepareCall finds, and ends the step
   * prepareCall started when the call settles (a stream's, with the run, as for streamText).
   */
  private instrumentAgent(name: AgentCall['name'], original: Fn): Fn {
    return function instrumentedAgent(this: unknown, ...args: unknown[]): unknown {
      const call: AgentCall = { self: this, name, agent: str(obj(this)?.id) ?? 'ToolLoopAgent' };
      const result = context.with(context.active().setValue(AGENT_CALL, call), () => original.apply(this, args));
      if (!isPromiseLike(result)) return result;
      return result.then(
        (value: unknown) => {
          const step = call.run?.step;
          if (step && name === 'generateText') step.succeed();
          else if (step && value !== null && typeof value === 'object') step.watch(value);
          return value;
        },
        (err: unknown) => {
          call.run?.step?.fail(err);
          throw err;
        },
      );
    };
  }

  /** The agent's prepareCall, whose options it hands generateText or streamText, recorded as the exports' are. */
  private instrumentPrepareCall(original: Fn): Fn {
    const instrumentation = this;
    return async function instrumentedPrepareCall(this: unknown, ...args: unknown[]): Promise<unknown> {
      const call = context.active().getValue(AGENT_CALL) as AgentCall | undefined;
      const prepared = await original.apply(this, args);
      const options = obj(prepared);
      // Only this agent's own call: another agent's prepareCall run inside it is not it.
      if (!call || call.self !== this || call.run || !options) return prepared;
      const run = instrumentation.prepare(call.name, options, call.agent);
      if (!run) return prepared;
      try {
        const replaced = instrumentation.replaceOptions(call.name, options, run);
        call.run = run;
        return call.name === 'streamText' && run.step ? endStepWithStream(replaced, run.step) : replaced;
      } catch (err) {
        diag.debug('ai-audit: could not instrument an AI SDK agent call', err);
        run.step?.succeed();
        return prepared;
      }
    };
  }

  private instrument(name: FunctionName, original: Fn): Fn {
    const instrumentation = this;
    return function instrumented(this: unknown, ...args: unknown[]): unknown {
      const options = obj(args[0]);
      const run = options && instrumentation.prepare(name, options);
      if (!options || !run) return original.apply(this, args);
      let replaced: Obj;
      try {
        replaced = instrumentation.replaceOptions(name, options, run);
      } catch (err) {
        // Options of a shape nobody foresaw: the call runs as the application made it, unrecorded.
        diag.debug('ai-audit: could not instrument an AI SDK call', err);
        run.step?.succeed();
        return original.apply(this, args);
      }
      if (!run.step) return original.call(this, replaced, ...args.slice(1));
      const step = run.step;
      if (name === 'streamText') {
        const result = step.run(() => original.call(this, endStepWithStream(replaced, step)));
        if (result !== null && typeof result === 'object') step.watch(result);
        return result;
      }
      return step.settle(step.run(() => original.call(this, replaced, ...args.slice(1))));
    };
  }

  /**
   * Undefined when the call is left alone: the SDK's telemetry records it, or its model is an
   * id string. An agent's call (`agent`, its name) is an agent step with or without tools.
   */
  private prepare(name: FunctionName, options: Obj, agent?: string): Run | undefined {
    if (obj(options.experimental_telemetry)?.isEnabled === true) return undefined;
    const model = obj(options.model);
    if (!model) return undefined;
    const scope = context.active();
    const tools = obj(options.tools);
    const hasTools = tools !== undefined && Object.keys(tools).length > 0;
    if ((name !== 'generateText' && name !== 'streamText') || (!hasTools && agent === undefined))
      return { step: undefined, scope };
    const step = this.startStep(() => ({
      operation: OPERATION.invokeAgent,
      name: agent ?? str(obj(options.experimental_telemetry)?.functionId) ?? name,
      provider: providerOf(model),
      attributes: { [GEN_AI_REQUEST_MODEL]: str(model.modelId) },
    }));
    return { step, scope: step?.context ?? scope };
  }

  /** The options the SDK gets: the same, with the model (and the tools' `execute`) recorded. */
  private replaceOptions(name: FunctionName, options: Obj, run: Run): Obj {
    const model = options.model as Obj;
    const replaced: Obj = {
      ...options,
      model:
        FUNCTIONS[name] === 'embedding' ? this.embeddingModel(model, run.scope) : this.languageModel(model, run.scope),
    };
    const tools = obj(options.tools);
    if (run.step && tools) replaced.tools = this.tools(tools, run.scope);
    return replaced;
  }

  /**
   * Starts a model call in `scope` (the step's context, whatever context the SDK's stream
   * pipeline later calls the model from) and runs `send` under it, marked so that a provider
   * SDK patched below (the `openai` package under a compatible provider) records no second span.
   */
  private send<T>(scope: Context, describe: () => CallRequest, send: () => T): { call?: GenAiCall; value: T } {
    const call = context.with(scope, () => this.startCall(describe));
    if (!call) return { value: context.with(scope, send) };
    return { call, value: call.run(() => context.with(suppressProviderCalls(context.active()), send)) };
  }

  private languageModel(model: Obj, scope: Context): Obj {
    const describe = (options: Obj, stream: boolean) => (): CallRequest => ({
      operation: OPERATION.chat,
      provider: providerOf(model),
      model: str(model.modelId),
      server: modelServer(model),
      stream,
      attributes: callAttributes(options),
      content: () => promptContent(options),
      errorType: apiErrorType,
    });
    const doGenerate = (options: unknown) => {
      const { call, value } = this.send(scope, describe(obj(options) ?? {}, false), () =>
        (model.doGenerate as Fn).call(model, options),
      );
      Promise.resolve(value).then(
        (result) => call?.guard(() => call.succeed(generateResult(result))),
        (err: unknown) => call?.fail(err),
      );
      return value;
    };
    // The stream part list goes to the SDK, not to the application: observing it through a
    // TransformStream hands the SDK an equivalent stream.
    const doStream = async (options: unknown) => {
      const { call, value } = this.send(scope, describe(obj(options) ?? {}, true), () =>
        (model.doStream as Fn).call(model, options),
      );
      let result: Obj | undefined;
      try {
        result = obj(await value);
      } catch (err) {
        call?.fail(err);
        throw err;
      }
      const stream = result?.stream;
      if (!call || !result || !(stream instanceof ReadableStream)) {
        call?.succeed({});
        return result;
      }
      return { ...result, stream: observed(stream, call, signalOf(options)) };
    };
    return withMethods(model, { doGenerate, doStream });
  }

  private embeddingModel(model: Obj, scope: Context): Obj {
    const doEmbed = (options: unknown) => {
      const request = obj(options) ?? {};
      const { call, value } = this.send(
        scope,
        () => ({
          operation: OPERATION.embeddings,
          provider: providerOf(model),
          model: str(model.modelId),
          server: modelServer(model),
          stream: false,
          content: () => embedContent(request),
          errorType: apiErrorType,
        }),
        () => (model.doEmbed as Fn).call(model, options),
      );
      Promise.resolve(value).then(
        (result) => call?.guard(() => call.succeed(embedResult(result))),
        (err: unknown) => call?.fail(err),
      );
      return value;
    };
    return withMethods(model, { doEmbed });
  }

  /** The tools, each with an `execute` that records an `execute_tool` step. */
  private tools(tools: Obj, scope: Context): Obj {
    const replaced: Obj = {};
    for (const [name, value] of Object.entries(tools)) {
      const tool = obj(value);
      const execute = tool?.execute;
      replaced[name] =
        tool && typeof execute === 'function'
          ? { ...tool, execute: this.execute(name, tool, execute as Fn, scope) }
          : value;
    }
    return replaced;
  }

  private execute(name: string, tool: Obj, execute: Fn, scope: Context): Fn {
    const instrumentation = this;
    return function (this: unknown, input: unknown, options: unknown): unknown {
      const step = instrumentation.startStep(() => ({
        operation: OPERATION.executeTool,
        name,
        parent: scope,
        attributes: {
          [GEN_AI_TOOL_CALL_ID]: str(obj(options)?.toolCallId),
          [GEN_AI_TOOL_TYPE]: 'function',
          [GEN_AI_TOOL_DESCRIPTION]: str(tool.description),
        },
        content: () => ({ [GEN_AI_TOOL_CALL_ARGUMENTS]: input }),
      }));
      if (!step) return execute.call(this, input, options);
      const output = step.run(() => execute.call(this, input, options));
      // A streaming tool yields preliminary outputs and the SDK takes the last one as the
      // result: reading them would take them from the SDK, so the step ends without a result.
      if (isAsyncIterable(output)) {
        step.succeed();
        return output;
      }
      return step.settle(output, (result) => ({ content: () => ({ [GEN_AI_TOOL_CALL_RESULT]: result }) }));
    };
  }
}

/**
 * The exports with the patched functions assignable: the CJS build's getters are copied onto a
 * new object (so every other export still reads through to the module), with the functions as
 * plain values. An ES module namespace from the loader is assignable already.
 */
function assignable(exports: Obj): Obj {
  const descriptor = Object.getOwnPropertyDescriptor(exports, 'generateText');
  if (!descriptor || descriptor.configurable || descriptor.writable) return exports;
  const descriptors = Object.getOwnPropertyDescriptors(exports);
  for (const name of NAMES) {
    if (descriptors[name])
      descriptors[name] = { value: exports[name], writable: true, configurable: true, enumerable: true };
  }
  return Object.defineProperties({}, descriptors) as Obj;
}

/** ToolLoopAgent's prototype, when the module has one with prepareCall (ai 6). */
function agentPrototype(exports: Obj): Record<AgentMethod | 'prepareCall', Fn> | undefined {
  const agent = exports.ToolLoopAgent;
  const prototype = typeof agent === 'function' ? obj((agent as { prototype?: unknown }).prototype) : undefined;
  return prototype && AGENT_PATCHED.every((method) => typeof prototype[method] === 'function')
    ? (prototype as Record<AgentMethod | 'prepareCall', Fn>)
    : undefined;
}

/** The call options' signal: the application's, merged with the SDK's timeouts. */
function signalOf(options: unknown): AbortSignal | undefined {
  const signal = obj(options)?.abortSignal;
  return signal instanceof AbortSignal ? signal : undefined;
}

/** Passes the stream parts on unchanged, folding them into `call`'s end. */
function observed(stream: ReadableStream, call: GenAiCall, signal: AbortSignal | undefined): ReadableStream {
  const accumulator = new StreamPartAccumulator();
  const isAborted = () => signal?.aborted === true;
  const observer = call.observe(accumulator, isAborted);
  // An aborted request ends the call at once: the SDK may stop reading without cancelling the
  // stream, which then neither ends nor fails.
  const abort = () => call.abandon('abort', accumulator.result());
  signal?.addEventListener('abort', abort, { once: true });
  const settled = () => signal?.removeEventListener('abort', abort);
  const out = stream.pipeThrough(
    new TransformStream({
      transform(chunk: unknown, controller) {
        // A part the hook cannot read ends the call without a result, never the SDK's stream.
        // `stream-start` is the provider's own opening part, made before any of the response
        // is read: the first chunk is the next one.
        call.guard(() => (obj(chunk)?.type === 'stream-start' ? accumulator.add(chunk) : observer.chunk(chunk)));
        controller.enqueue(chunk);
      },
      flush() {
        settled();
        observer.done();
      },
      // Called when the SDK cancels the stream; where the runtime has no cancel hook for
      // transformers, the watch below still ends the call.
      cancel() {
        settled();
        if (isAborted()) abort();
        else observer.closed();
      },
    } as Transformer),
  );
  call.watch(out);
  return out;
}

/**
 * streamText returns at once and streams on; its agent step ends with the SDK's own end-of-run
 * callbacks, each still passed on to the application's. `onError` has a default in the SDK
 * (`console.error(error)`), kept when the application gave none.
 */
function endStepWithStream(options: Obj, step: GenAiStep): Obj {
  const onFinish = options.onFinish as Fn | undefined;
  const onAbort = options.onAbort as Fn | undefined;
  const onError = options.onError as Fn | undefined;
  return {
    ...options,
    onFinish(this: unknown, ...args: unknown[]) {
      step.succeed();
      return onFinish?.apply(this, args);
    },
    onAbort(this: unknown, ...args: unknown[]) {
      step.succeed({ attributes: { [AI_AUDIT_ABANDON_REASON]: 'abort' } });
      return onAbort?.apply(this, args);
    },
    onError(this: unknown, event: unknown, ...rest: unknown[]) {
      const error = obj(event)?.error;
      step.fail(error);
      if (onError) return onError.call(this, event, ...rest);
      console.error(error);
      return undefined;
    },
  };
}
