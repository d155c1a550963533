import { InstrumentationNodeModuleDefinition, isWrapped } from '@opentelemetry/instrumentation';
import type { GenAiCall } from '../call';
import { instrumentPromiseMethod, type Method } from '../promise';
import { OPERATION, PROVIDER } from '../semconv';
import { obj, serverOf, str, type Obj } from '../shape';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import {
  mistralAttributes,
  mistralContent,
  mistralErrorType,
  mistralResult,
  MistralStreamAccumulator,
} from './mistral-format';

/** 1.x and 2.x: the `Mistral` client whose `chat` getter makes the `Chat` resource. */
export const MISTRAL_VERSIONS = ['>=1.0.0 <3'];

/** The Chat methods that send a request, and whether they answer with a stream. */
const METHODS: Record<string, boolean> = { complete: false, parse: false, stream: true, parseStream: true };

type Chat = Record<string, Method>;

function clientPrototype(exports: unknown): object | undefined {
  const prototype = obj(obj(obj(exports)?.Mistral)?.prototype);
  const getter = prototype && Object.getOwnPropertyDescriptor(prototype, 'chat')?.get;
  return typeof getter === 'function' ? prototype : undefined;
}

/** Settles a call from what a Chat method resolved to: the response, or the event stream. */
function settle(call: GenAiCall, value: unknown, stream: boolean): void {
  const events = obj(value);
  if (!stream || !events) {
    call.succeed(mistralResult(value));
    return;
  }
  call.observeStream(events, Symbol.asyncIterator, new MistralStreamAccumulator());
}

/**
 * `@mistralai/mistralai`: chat.complete and chat.stream, and the structured-output helpers
 * chat.parse and chat.parseStream. The package does not export its `Chat` class, so its
 * prototype is patched when the client's `chat` getter first hands out an instance. The SDK's
 * own tracing stays as the application configured it: off unless asked for.
 */
export class MistralInstrumentation extends AuditInstrumentation {
  static readonly module = '@mistralai/mistralai';
  /** Per patched client prototype: its own `chat` accessor, and the Chat prototypes it led to. */
  private readonly patched = new Map<object, { getter: PropertyDescriptor; chats: Set<Chat> }>();

  constructor(config: AuditInstrumentationConfig) {
    super(MistralInstrumentation.module, config);
  }

  protected init() {
    return new InstrumentationNodeModuleDefinition(
      MistralInstrumentation.module,
      MISTRAL_VERSIONS,
      (exports: unknown) => {
        const prototype = clientPrototype(exports);
        if (prototype) this.patchChatGetter(prototype);
        return exports;
      },
      (exports: unknown) => {
        const prototype = clientPrototype(exports);
        const patched = prototype && this.patched.get(prototype);
        if (!prototype || !patched) return;
        Object.defineProperty(prototype, 'chat', patched.getter);
        for (const chat of patched.chats) {
          for (const name of Object.keys(METHODS)) if (isWrapped(chat[name])) this._unwrap(chat, name);
        }
        this.patched.delete(prototype);
      },
    );
  }

  private patchChatGetter(prototype: object): void {
    if (this.patched.has(prototype)) return;
    const getter = Object.getOwnPropertyDescriptor(prototype, 'chat') as PropertyDescriptor;
    const get = getter.get as () => unknown;
    const chats = new Set<Chat>();
    this.patched.set(prototype, { getter, chats });
    const instrumentation = this;
    Object.defineProperty(prototype, 'chat', {
      ...getter,
      get(this: unknown) {
        const chat = get.call(this);
        instrumentation.patchChat(obj(Object.getPrototypeOf(chat)) as Chat | undefined, chats);
        return chat;
      },
    });
  }

  private patchChat(chat: Chat | undefined, chats: Set<Chat>): void {
    if (!chat || chats.has(chat)) return;
    chats.add(chat);
    for (const [name, stream] of Object.entries(METHODS)) {
      if (typeof chat[name] === 'function' && !isWrapped(chat[name]))
        this._wrap(chat, name, (original: Method) => this.instrument(original, stream));
    }
  }

  private instrument(original: Method, stream: boolean): Method {
    return instrumentPromiseMethod((describe) => this.startCall(describe), original, {
      describe: (request: Obj, self: unknown) => ({
        operation: OPERATION.chat,
        provider: PROVIDER.mistral,
        model: str(request.model),
        server: serverOf(obj(self)?._baseURL),
        stream,
        attributes: mistralAttributes(request),
        content: () => mistralContent(request),
        errorType: mistralErrorType,
      }),
      settle: (call, value) => settle(call, value, stream),
    });
  }
}
