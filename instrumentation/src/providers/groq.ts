import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { CallResult, StreamAccumulator } from '../call';
import { OPERATION, PROVIDER } from '../semconv';
import { obj, serverOf, str } from '../shape';
import { instrumentMethod, type Create } from '../stainless';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import { chatAttributes, chatContent, chatResult, ChatStreamAccumulator } from './openai-format';

/** 0.3 onwards have `Groq.Chat.Completions` on the Stainless core; 1.x moved to the newer core. */
export const GROQ_VERSIONS = ['>=0.3.0 <2'];

type Resource = { create: Create };

function completions(exports: unknown): Resource | undefined {
  const module = obj(exports);
  const Groq = obj(module?.Groq ?? module?.default);
  const prototype = obj(obj(obj(Groq?.Chat)?.Completions)?.prototype);
  return typeof prototype?.create === 'function' ? (prototype as Resource) : undefined;
}

/**
 * Groq speaks the Chat Completions API, but reports a stream's usage in the last chunk's
 * `x_groq.usage` (it has no `stream_options`), so the request is sent as the application wrote it.
 */
class GroqStreamAccumulator implements StreamAccumulator<unknown> {
  private readonly chat = new ChatStreamAccumulator(false);

  add(value: unknown): boolean {
    const chunk = obj(value);
    const usage = obj(chunk?.x_groq)?.usage;
    return this.chat.add(usage && !chunk?.usage ? { ...chunk, usage } : value);
  }

  result(): CallResult {
    return this.chat.result();
  }
}

/**
 * Groq's error code (`model_not_found`) or type (`invalid_request_error`). An HTTP error keeps the
 * whole body (`{error: {...}}`) on the SDK's error, an error sent inside a stream only its inside.
 */
export function groqErrorType(err: unknown): string | undefined {
  const body = obj(obj(err)?.error);
  const error = obj(body?.error) ?? body;
  return str(error?.code) ?? str(error?.type);
}

/** `groq-sdk`: chat.completions.create, plain and streamed, with tool calls. */
export class GroqInstrumentation extends AuditInstrumentation {
  static readonly module = 'groq-sdk';

  constructor(config: AuditInstrumentationConfig) {
    super(GroqInstrumentation.module, config);
  }

  protected init() {
    return new InstrumentationNodeModuleDefinition(
      GroqInstrumentation.module,
      GROQ_VERSIONS,
      (exports: unknown) => {
        const resource = completions(exports);
        if (resource) this._wrap(resource, 'create', (original) => this.instrument(original));
        return exports;
      },
      (exports: unknown) => {
        const resource = completions(exports);
        if (resource) this._unwrap(resource, 'create');
      },
    );
  }

  private instrument(original: Create): Create {
    return instrumentMethod((describe) => this.startCall(describe), original, {
      describe: (body, client) => ({
        operation: OPERATION.chat,
        provider: PROVIDER.groq,
        model: str(body.model),
        server: serverOf(client?.baseURL),
        stream: body.stream === true,
        attributes: chatAttributes(body),
        content: () => chatContent(body),
        errorType: groqErrorType,
      }),
      handlers: (body) => ({
        result: chatResult,
        stream: body.stream === true ? () => new GroqStreamAccumulator() : undefined,
      }),
    });
  }
}
