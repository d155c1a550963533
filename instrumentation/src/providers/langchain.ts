import { context, type Context } from '@opentelemetry/api';
import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';
import type { CallRequest, GenAiCall } from '../call';
import { suppressProviderCalls } from '../context/suppress';
import type { Method } from '../promise';
import {
  GEN_AI_AGENT_DESCRIPTION,
  GEN_AI_TOOL_CALL_ID,
  GEN_AI_TOOL_DESCRIPTION,
  GEN_AI_TOOL_TYPE,
  OPERATION,
} from '../semconv';
import { arr, obj, serverOf, str, type Obj } from '../shape';
import type { StepRequest } from '../step';
import { observeIterator } from '../stream';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import {
  chatAttributes,
  chatResult,
  ChunkAccumulator,
  graphInput,
  graphOutput,
  messagesContent,
  providerOf,
  toolArguments,
  toolCallOf,
  toolOutput,
} from './langchain-format';

/** 1.x: BaseChatModel._generateUncached / _streamIterator and StructuredTool.call as patched here. */
export const LANGCHAIN_CORE_VERSIONS = ['>=1.0.0 <2'];
/** 1.x: Pregel._runLoop (one graph run) and prebuilt createReactAgent. */
export const LANGGRAPH_VERSIONS = ['>=1.0.0 <2'];

/** Calls an optional method of a LangChain object; undefined when it has none. */
function callMethod(self: Obj, name: string, ...args: unknown[]): unknown {
  const method = self[name];
  return typeof method === 'function' ? (method as Method).apply(self, args) : undefined;
}

/**
 * A model call as LangChain describes it to its own tracers: `getLsParams` (provider, model,
 * temperature, max tokens, stop) and the provider request parameters (`invocationParams`),
 * which hold the tool definitions in the provider's own format.
 */
function describeChat(model: Obj, messages: () => unknown, options: Obj, stream: boolean): CallRequest {
  const ls = obj(callMethod(model, 'getLsParams', options)) ?? {};
  const params =
    obj(
      callMethod(model, '_getInvocationParamsForTracing', options) ?? callMethod(model, 'invocationParams', options),
    ) ?? {};
  return {
    operation: OPERATION.chat,
    provider: providerOf(str(ls.ls_provider)),
    model: str(ls.ls_model_name) ?? str(params.model) ?? str(params.modelName),
    // ChatOpenAI's (and its subclasses'); integrations keep their endpoint each their own way.
    server: serverOf(obj(model.clientConfig)?.baseURL),
    stream: stream || params.stream === true,
    attributes: chatAttributes(ls, params),
    content: () => messagesContent(messages(), params.tools),
  };
}

function describeTool(tool: Obj, arg: unknown, config: unknown): StepRequest {
  return {
    operation: OPERATION.executeTool,
    name: str(tool.name),
    attributes: {
      [GEN_AI_TOOL_CALL_ID]: str(toolCallOf(arg)?.id) ?? str(obj(obj(config)?.toolCall)?.id),
      [GEN_AI_TOOL_TYPE]: 'function',
      [GEN_AI_TOOL_DESCRIPTION]: str(tool.description),
    },
    content: () => toolArguments(arg),
  };
}

/**
 * Whether a callback handler asks the model to stream (LangGraph's "messages" stream mode,
 * streamEvents): _generateUncached then streams the call, where the model can.
 */
function handlersPreferStreaming(callbacks: unknown): boolean {
  const handlers = Array.isArray(callbacks) ? callbacks : arr(obj(callbacks)?.handlers);
  return handlers.some((handler) => obj(handler)?.lc_prefer_streaming === true);
}

/** The generation a model call resolved to, for the `index`th prompt of `_generateUncached`. */
function generation(output: unknown, index: number): Obj {
  return obj(arr(arr(obj(output)?.generations)[index])[0]) ?? {};
}

/** Runs each of an async generator's steps in `ctx`: its body runs whenever the consumer reads. */
function bindIterator(iterator: Obj, ctx: Context): void {
  for (const name of ['next', 'return', 'throw']) {
    const method = iterator[name];
    if (typeof method !== 'function') continue;
    Object.defineProperty(iterator, name, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: context.bind(ctx, method as Method),
    });
  }
}

/** The BaseChatModel methods patched. */
const CHAT_METHODS = ['_generateUncached', '_streamIterator'];

/** Graphs made by createReactAgent: their runs are agent runs, every other graph's a workflow. */
const agents = new WeakSet<object>();

/**
 * LangChain.js (`@langchain/core`) and LangGraph (`@langchain/langgraph`): chat model calls,
 * tool executions, and graph runs (`invoke_workflow`, or `invoke_agent` for a prebuilt agent).
 *
 * Methods are patched rather than a callback handler added: a handler hears of a run but cannot
 * make it the active context, and only the active context puts what runs inside (a tool's own
 * model call, a subgraph, the provider SDK) under the right parent.
 *
 * The chat span is recorded here, and the model call runs with provider calls suppressed
 * (context/suppress.ts), so the SDK below (the openai package inside @langchain/openai, ...)
 * records nothing: one span per model call. LangChain rather than the SDK records it because it
 * sees every integration alike, those over SDKs the hook does not patch or plain fetch too,
 * with the same messages and `usage_metadata`, and sees one model call where its retries make
 * several SDK requests.
 */
export class LangChainInstrumentation extends AuditInstrumentation {
  static readonly module = '@langchain/core';
  /** The Pregel prototypes patched, however they were reached. */
  private readonly graphs = new Set<object>();

  constructor(config: AuditInstrumentationConfig) {
    super(LangChainInstrumentation.module, config);
  }

  protected init() {
    const chat = [
      (exports: unknown) => this.patchChatModels(exports),
      (exports: unknown) => this.unpatch(obj(obj(exports)?.BaseChatModel)?.prototype, CHAT_METHODS),
    ] as const;
    const tools = [
      (exports: unknown) => this.patchTools(exports),
      (exports: unknown) => this.unpatch(obj(obj(exports)?.StructuredTool)?.prototype, ['call']),
    ] as const;
    const prebuilt = [
      (exports: unknown) => this.patchPrebuilt(exports),
      (exports: unknown) => this.unpatch(exports, ['createReactAgent']),
    ] as const;
    const graphs = [
      (exports: unknown) => this.patchGraphs(exports),
      () => {
        for (const prototype of this.graphs) this.unpatch(prototype, ['_runLoop']);
        this.graphs.clear();
      },
    ] as const;
    return [
      // require(): the files behind the packages' subpath exports, however they were reached.
      new InstrumentationNodeModuleDefinition('@langchain/core', LANGCHAIN_CORE_VERSIONS, undefined, undefined, [
        new InstrumentationNodeModuleFile(
          '@langchain/core/dist/language_models/chat_models.cjs',
          LANGCHAIN_CORE_VERSIONS,
          ...chat,
        ),
        new InstrumentationNodeModuleFile('@langchain/core/dist/tools/index.cjs', LANGCHAIN_CORE_VERSIONS, ...tools),
      ]),
      new InstrumentationNodeModuleDefinition('@langchain/langgraph', LANGGRAPH_VERSIONS, ...graphs, [
        new InstrumentationNodeModuleFile(
          '@langchain/langgraph/dist/prebuilt/index.cjs',
          LANGGRAPH_VERSIONS,
          ...prebuilt,
        ),
      ]),
      // import: the ESM loader wraps a module by the specifier it is imported with.
      new InstrumentationNodeModuleDefinition(
        '@langchain/core/language_models/chat_models',
        LANGCHAIN_CORE_VERSIONS,
        ...chat,
      ),
      new InstrumentationNodeModuleDefinition('@langchain/core/tools', LANGCHAIN_CORE_VERSIONS, ...tools),
      new InstrumentationNodeModuleDefinition('@langchain/langgraph/prebuilt', LANGGRAPH_VERSIONS, ...prebuilt),
    ];
  }

  /** Wraps `target[name]` once, if it is a method. */
  private wrapMethod(target: Obj, name: string, wrapper: (original: Method) => Method): void {
    if (typeof target[name] !== 'function' || isWrapped(target[name])) return;
    this._wrap(target as Record<string, Method>, name, wrapper);
  }

  private unpatch(target: unknown, names: readonly string[]): void {
    const methods = obj(target) as Record<string, Method> | undefined;
    if (!methods) return;
    for (const name of names) if (isWrapped(methods[name])) this._unwrap(methods, name);
  }

  private patchChatModels(exports: unknown): unknown {
    const BaseChatModel = obj(obj(exports)?.BaseChatModel);
    const prototype = obj(BaseChatModel?.prototype);
    if (!BaseChatModel || !prototype) return exports;
    const notStreaming = prototype._streamResponseChunks;
    // As LangChain decides: a model without a streaming implementation answers through
    // _generate() even when asked to stream.
    const streams = (model: Obj) => model._streamResponseChunks !== notStreaming && !model.disableStreaming;
    this.wrapMethod(prototype, '_generateUncached', (original) => this.instrumentGenerate(original, streams));
    const toMessages = (input: unknown) =>
      callMethod(obj(callMethod(BaseChatModel, '_convertInputToPromptValue', input)) ?? {}, 'toChatMessages');
    this.wrapMethod(prototype, '_streamIterator', (original) => this.instrumentStream(original, streams, toMessages));
    return exports;
  }

  /** `_generateUncached(messages[][], callOptions, runnableConfig)`: every model call but a streamed one. */
  private instrumentGenerate(original: Method, streams: (model: Obj) => boolean): Method {
    const instrumentation = this;
    return function generateUncached(this: unknown, ...args: unknown[]): unknown {
      const model = obj(this);
      const prompts = arr(args[0]);
      const options = obj(args[1]) ?? {};
      // LangChain streams a single prompt when a callback handler asks for it.
      const streamed = (model: Obj) =>
        prompts.length === 1 && streams(model) && handlersPreferStreaming(obj(args[2])?.callbacks);
      const calls = model
        ? prompts.map((prompt) =>
            instrumentation.startCall(() => describeChat(model, () => prompt, options, streamed(model))),
          )
        : [];
      const recorded = calls.filter((call): call is GenAiCall => call !== undefined);
      if (recorded.length === 0) return original.apply(this, args);
      const run = () => context.with(suppressProviderCalls(context.active()), () => original.apply(this, args));
      // One prompt (invoke, stream, batch all send one): the model call runs in its span. The
      // legacy generate() with several runs them side by side, under the caller.
      const single = calls.length === 1 ? recorded[0] : undefined;
      let promise: unknown;
      try {
        promise = single ? single.run(run) : run();
      } catch (err) {
        for (const call of recorded) call.fail(err);
        throw err;
      }
      Promise.resolve(promise).then(
        (output) => {
          calls.forEach((call, index) =>
            call?.guard(() => {
              const { message, generationInfo } = generation(output, index);
              call.succeed(chatResult(message, generationInfo));
            }),
          );
        },
        (err: unknown) => {
          for (const call of recorded) call.fail(err);
        },
      );
      return promise;
    };
  }

  /** `_streamIterator(input, options)`: `model.stream()`, an async generator of AIMessageChunks. */
  private instrumentStream(
    original: Method,
    streams: (model: Obj) => boolean,
    toMessages: (input: unknown) => unknown,
  ): Method {
    const instrumentation = this;
    return function streamIterator(this: unknown, ...args: unknown[]): unknown {
      const model = obj(this);
      const [input, options] = args;
      const call =
        model &&
        streams(model) &&
        instrumentation.startCall(() => {
          const split = arr(callMethod(model, '_separateRunnableConfigFromCallOptionsCompat', options));
          return describeChat(model, () => toMessages(input), obj(split[1]) ?? obj(options) ?? {}, true);
        });
      if (!call) return original.apply(this, args);
      const generator = call.run(() => original.apply(this, args));
      const iterator = obj(generator);
      if (!iterator || typeof iterator.next !== 'function') {
        call.succeed({});
        return generator;
      }
      bindIterator(iterator, suppressProviderCalls(call.context));
      observeIterator(iterator as Parameters<typeof observeIterator>[0], call.observe(new ChunkAccumulator()));
      call.watch(iterator);
      return generator;
    };
  }

  private patchTools(exports: unknown): unknown {
    const prototype = obj(obj(obj(exports)?.StructuredTool)?.prototype);
    // Tool.call and DynamicTool.call end in StructuredTool.call (super.call): one span a call.
    if (prototype) this.wrapMethod(prototype, 'call', (original) => this.instrumentToolCall(original));
    return exports;
  }

  /** `call(args or ToolCall, config)`: what `tool.invoke()` and LangGraph's ToolNode end in. */
  private instrumentToolCall(original: Method): Method {
    const instrumentation = this;
    return function call(this: unknown, ...args: unknown[]): unknown {
      const tool = obj(this);
      const step = tool && instrumentation.startStep(() => describeTool(tool, args[0], args[1]));
      if (!step) return original.apply(this, args);
      return step.settle(
        step.run(() => original.apply(this, args)),
        (output) => ({ content: () => toolOutput(output) }),
      );
    };
  }

  private patchPrebuilt(exports: unknown): unknown {
    const prebuilt = obj(exports);
    if (!prebuilt) return exports;
    const instrumentation = this;
    this.wrapMethod(prebuilt, 'createReactAgent', (original) => {
      return function createReactAgent(this: unknown, ...args: unknown[]): unknown {
        const graph = original.apply(this, args);
        const agent = obj(graph);
        if (agent) {
          agents.add(agent);
          // The agent's Pregel may come from a module the application never imported itself.
          instrumentation.patchGraphPrototype(Object.getPrototypeOf(agent));
        }
        return graph;
      };
    });
    return exports;
  }

  private patchGraphs(exports: unknown): unknown {
    this.patchGraphPrototype(obj(obj(obj(exports)?.CompiledStateGraph)?.prototype));
    return exports;
  }

  /** Patches the prototype in `prototype`'s chain that defines `_runLoop` (Pregel's). */
  private patchGraphPrototype(prototype: object | null | undefined): void {
    let owner = prototype;
    while (owner && !Object.prototype.hasOwnProperty.call(owner, '_runLoop')) owner = Object.getPrototypeOf(owner);
    const pregel = obj(owner);
    if (!pregel) return;
    this.graphs.add(pregel);
    this.wrapMethod(pregel, '_runLoop', (original) => this.instrumentRunLoop(original));
  }

  /**
   * `_runLoop({ loop, ... })`: one graph run, from its first step to its last, whether started
   * by invoke(), stream() or as a subgraph node. The loop holds the input state and, at the
   * end, the output. LangGraph ends the loop of an interrupted graph normally (the run is
   * paused, not failed); a subgraph's interrupt reaches its parent as an error.
   */
  private instrumentRunLoop(original: Method): Method {
    const instrumentation = this;
    return function runLoop(this: unknown, ...args: unknown[]): unknown {
      // A graph class reached only through createReactAgent can outlive an unpatch: it then records nothing.
      if (!instrumentation.isEnabled()) return original.apply(this, args);
      const graph = obj(this);
      const loop = obj(obj(args[0])?.loop);
      const step =
        graph &&
        instrumentation.startStep(() => {
          const agent = agents.has(graph);
          const input = loop?.input;
          return {
            operation: agent ? OPERATION.invokeAgent : OPERATION.invokeWorkflow,
            name: str(callMethod(graph, 'getName')) ?? str(graph.name) ?? 'LangGraph',
            attributes: { [GEN_AI_AGENT_DESCRIPTION]: agent ? str(graph.description) : undefined },
            content: () => graphInput(input),
          };
        });
      if (!step) return original.apply(this, args);
      return step.settle(
        step.run(() => original.apply(this, args)),
        () => ({ content: () => graphOutput(loop?.output) }),
      );
    };
  }
}
