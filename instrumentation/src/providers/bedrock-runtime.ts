import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { CallRequest, CallResult, GenAiCall, ServerAddress, StreamAccumulator } from '../call';
import { OPERATION, PROVIDER } from '../semconv';
import { obj, str, type Obj } from '../shape';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import {
  converseAttributes,
  converseContent,
  converseResult,
  ConverseStreamAccumulator,
  invokeFormat,
  parseBody,
} from './bedrock-format';

export const BEDROCK_RUNTIME_VERSIONS = ['>=3.0.0 <4'];

type Send = (this: unknown, ...args: unknown[]) => unknown;

/** How a command's input becomes a call, and its output a result. */
interface CommandHandler {
  describe(input: Obj): Omit<CallRequest, 'provider' | 'server' | 'errorType'>;
  result(output: Obj): CallResult;
  stream?: () => StreamAccumulator<unknown>;
}

const CONVERSE: CommandHandler = {
  describe: (input) => ({
    operation: OPERATION.chat,
    model: str(input.modelId),
    stream: false,
    attributes: converseAttributes(input),
    content: () => converseContent(input),
  }),
  result: converseResult,
};

const CONVERSE_STREAM: CommandHandler = {
  ...CONVERSE,
  describe: (input) => ({ ...CONVERSE.describe(input), stream: true }),
  stream: () => new ConverseStreamAccumulator(),
};

const INVOKE_MODEL: CommandHandler = {
  describe: (input) => {
    const model = str(input.modelId) ?? '';
    const body = parseBody(input.body) ?? {};
    const format = invokeFormat(model, body);
    return {
      operation: format.operation,
      model: model || undefined,
      stream: false,
      attributes: format.attributes(body),
      content: () => format.content(body),
    };
  },
  result: (output) => {
    // The body's format was chosen from the request; the response is read the same way.
    const body = parseBody(output.body);
    return invokeFormat(str(output.modelId) ?? '', body ?? {}).result(body);
  },
};

const HANDLERS: Record<string, CommandHandler> = {
  ConverseCommand: CONVERSE,
  ConverseStreamCommand: CONVERSE_STREAM,
  InvokeModelCommand: INVOKE_MODEL,
};

/** A command class of the SDK (`new ConverseCommand(input)`). */
type CommandClass = abstract new (...args: never[]) => unknown;

/** The command classes of this copy of the module, mapped to their handlers. */
function commandHandlers(exports: unknown): [CommandClass, CommandHandler][] {
  const module = obj(exports);
  return Object.entries(HANDLERS).flatMap(([name, handler]): [CommandClass, CommandHandler][] => {
    const command = module?.[name];
    return typeof command === 'function' ? [[command as CommandClass, handler]] : [];
  });
}

/** server.address of the client: its custom endpoint, or the regional Bedrock Runtime host. */
async function serverOfClient(config: Obj | undefined): Promise<ServerAddress | undefined> {
  const endpoint = typeof config?.endpoint === 'function' ? obj(await config.endpoint()) : undefined;
  if (endpoint) {
    const hostname = str(endpoint.hostname);
    const port = typeof endpoint.port === 'number' ? endpoint.port : str(endpoint.protocol) === 'http:' ? 80 : 443;
    return hostname ? { address: hostname, port } : undefined;
  }
  const region = typeof config?.region === 'function' ? await config.region() : config?.region;
  return typeof region === 'string' ? { address: `bedrock-runtime.${region}.amazonaws.com`, port: 443 } : undefined;
}

function settle(call: GenAiCall, handler: CommandHandler, output: unknown, modelId: unknown): void {
  const result = obj(output) ?? {};
  const stream = obj(result.stream);
  if (handler.stream && stream) {
    call.observeStream(stream, Symbol.asyncIterator, handler.stream());
    return;
  }
  call.succeed(handler.result({ ...result, modelId }));
}

/**
 * `@aws-sdk/client-bedrock-runtime`: the client's `send`, for Converse, ConverseStream and
 * InvokeModel commands (the aggregated `BedrockRuntime` client sends through it too). Other
 * commands pass straight through.
 */
export class BedrockRuntimeInstrumentation extends AuditInstrumentation {
  static readonly module = '@aws-sdk/client-bedrock-runtime';

  constructor(config: AuditInstrumentationConfig) {
    super(BedrockRuntimeInstrumentation.module, config);
  }

  protected init() {
    return new InstrumentationNodeModuleDefinition(
      BedrockRuntimeInstrumentation.module,
      BEDROCK_RUNTIME_VERSIONS,
      (exports: unknown) => {
        const prototype = obj(obj(obj(exports)?.BedrockRuntimeClient)?.prototype) as { send: Send } | undefined;
        if (typeof prototype?.send === 'function') {
          const handlers = commandHandlers(exports);
          this._wrap(prototype, 'send', (original) => this.instrument(original, handlers));
        }
        return exports;
      },
      (exports: unknown) => {
        const prototype = obj(obj(obj(exports)?.BedrockRuntimeClient)?.prototype) as { send: Send } | undefined;
        if (prototype) this._unwrap(prototype, 'send');
      },
    );
  }

  private instrument(original: Send, handlers: [CommandClass, CommandHandler][]): Send {
    const instrumentation = this;
    return function send(this: unknown, ...args: unknown[]): unknown {
      const command = args[0];
      const handler = handlers.find(([Command]) => command instanceof Command)?.[1];
      const input = obj(obj(command)?.input);
      const call =
        handler &&
        input &&
        instrumentation.startCall(() => ({ ...handler.describe(input), provider: PROVIDER.awsBedrock }));
      if (!handler || !input || !call) return original.apply(this, args);

      serverOfClient(obj(obj(this)?.config)).then(
        (server) => server && call.setServer(server),
        () => undefined,
      );
      // send(command, [options], callback) answers through the callback and returns nothing.
      const last = args.length - 1;
      const callback = last > 0 ? args[last] : undefined;
      if (typeof callback === 'function') {
        const sent = [...args];
        sent[last] = (err: unknown, output: unknown) => {
          if (err) call.fail(err);
          else call.guard(() => settle(call, handler, output, input.modelId));
          return callback(err, output);
        };
        return call.run(() => original.apply(this, sent));
      }
      const promise = call.run(() => original.apply(this, args));
      if (typeof obj(promise)?.then !== 'function') return promise;
      // An equivalent promise rather than a handler on the SDK's: a failure nobody reads stays
      // unhandled, as before. Its reactions run first, so a stream is observed before it is read.
      return (promise as Promise<unknown>).then(
        (output) => {
          call.guard(() => settle(call, handler, output, input.modelId));
          return output;
        },
        (err: unknown) => {
          call.fail(err);
          throw err;
        },
      );
    };
  }
}
