import { InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import type { GenAiCall } from '../call';
import { instrumentPromiseMethod, type Method } from '../promise';
import { OPERATION, PROVIDER } from '../semconv';
import { obj, serverOf, str } from '../shape';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import { cohereAttributes, cohereContent, cohereResult, CohereStreamAccumulator } from './cohere-format';

/** 7.14 added the v2 client (class `V2`, `V2Client` since 8); v1 chat is not recorded. */
export const COHERE_VERSIONS = ['>=7.14.0 <9'];

/** The package exports the v2 client only inside `CohereClientV2`, so its module is patched. */
const V2_CLIENT_FILE = 'cohere-ai/api/resources/v2/client/Client.js';

/** The v2 methods that send a chat request, and whether they answer with a stream. */
const METHODS: Record<string, boolean> = { chat: false, chatStream: true };

type V2Client = Record<string, Method>;

function v2Client(exports: unknown): V2Client | undefined {
  const module = obj(exports);
  return obj(obj(module?.V2Client ?? module?.V2)?.prototype) as V2Client | undefined;
}

/** Where the client sends requests: its `baseUrl`, else its environment's URL, when given as text. */
function server(self: unknown) {
  const options = obj(obj(self)?._options);
  return serverOf(str(options?.baseUrl) ?? str(options?.environment) ?? 'https://api.cohere.com');
}

function settle(call: GenAiCall, value: unknown, stream: boolean): void {
  const events = obj(value);
  if (!stream || !events) {
    call.succeed(cohereResult(value));
    return;
  }
  call.observeStream(events, Symbol.asyncIterator, new CohereStreamAccumulator());
}

/** `cohere-ai`: the v2 client's chat and chatStream (`CohereClientV2`, or `client.v2`). */
export class CohereInstrumentation extends AuditInstrumentation {
  static readonly module = 'cohere-ai';

  constructor(config: AuditInstrumentationConfig) {
    super(CohereInstrumentation.module, config);
  }

  protected init() {
    const file = new InstrumentationNodeModuleFile(
      V2_CLIENT_FILE,
      COHERE_VERSIONS,
      (exports: unknown) => {
        const client = v2Client(exports);
        for (const [name, stream] of Object.entries(METHODS)) {
          if (typeof client?.[name] === 'function')
            this._wrap(client, name, (original: Method) => this.instrument(original, stream));
        }
        return exports;
      },
      (exports: unknown) => {
        const client = v2Client(exports);
        if (client) for (const name of Object.keys(METHODS)) this._unwrap(client, name);
      },
    );
    return new InstrumentationNodeModuleDefinition(
      CohereInstrumentation.module,
      COHERE_VERSIONS,
      (exports: unknown) => exports,
      undefined,
      [file],
    );
  }

  private instrument(original: Method, stream: boolean): Method {
    return instrumentPromiseMethod((describe) => this.startCall(describe), original, {
      describe: (request, self) => ({
        operation: OPERATION.chat,
        provider: PROVIDER.cohere,
        model: str(request.model),
        server: server(self),
        stream,
        attributes: cohereAttributes(request),
        content: () => cohereContent(request),
      }),
      settle: (call, value) => settle(call, value, stream),
    });
  }
}
