import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { GenAiCall } from '../call';
import { instrumentPromiseMethod, type Method } from '../promise';
import { OPERATION, PROVIDER } from '../semconv';
import { obj, serverOf, str, type Obj } from '../shape';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import { ollamaAttributes, ollamaContent, ollamaResult, OllamaStreamAccumulator } from './ollama-format';

/** 0.5 onwards: `Ollama.prototype.chat` resolving to the body or to an `AbortableAsyncIterator`. */
export const OLLAMA_VERSIONS = ['>=0.5.0 <1'];

type Client = { chat: Method };

/**
 * The prototype that defines `chat`: the Node build's `Ollama` extends the browser build's, and
 * the default export is an instance made when the module loads, so the method is patched where
 * both find it.
 */
function chatOwner(exports: unknown): Client | undefined {
  let prototype = obj(obj(obj(exports)?.Ollama)?.prototype);
  while (prototype && !Object.prototype.hasOwnProperty.call(prototype, 'chat')) {
    prototype = obj(Object.getPrototypeOf(prototype));
  }
  return typeof prototype?.chat === 'function' ? (prototype as Client) : undefined;
}

function settle(call: GenAiCall, value: unknown, request: Obj): void {
  const stream = obj(value);
  if (request.stream !== true || !stream) {
    call.succeed(ollamaResult(value));
    return;
  }
  call.observeStream(stream, Symbol.asyncIterator, new OllamaStreamAccumulator());
}

/** `ollama`: chat, plain and `stream: true`, with tool calls. */
export class OllamaInstrumentation extends AuditInstrumentation {
  static readonly module = 'ollama';

  constructor(config: AuditInstrumentationConfig) {
    super(OllamaInstrumentation.module, config);
  }

  protected init() {
    return new InstrumentationNodeModuleDefinition(
      OllamaInstrumentation.module,
      OLLAMA_VERSIONS,
      (exports: unknown) => {
        const client = chatOwner(exports);
        if (client) this._wrap(client, 'chat', (original: Method) => this.instrument(original));
        return exports;
      },
      (exports: unknown) => {
        const client = chatOwner(exports);
        if (client) this._unwrap(client, 'chat');
      },
    );
  }

  private instrument(original: Method): Method {
    return instrumentPromiseMethod((describe) => this.startCall(describe), original, {
      describe: (request, self) => ({
        operation: OPERATION.chat,
        provider: PROVIDER.ollama,
        model: str(request.model),
        server: serverOf(obj(obj(self)?.config)?.host),
        stream: request.stream === true,
        attributes: ollamaAttributes(request),
        content: () => ollamaContent(request),
      }),
      settle,
    });
  }
}
