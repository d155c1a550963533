import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { OPERATION, PROVIDER } from '../semconv';
import { obj, serverOf, str } from '../shape';
import { instrumentMethod, type Create } from '../stainless';
import {
  anthropicAttributes,
  anthropicContent,
  anthropicErrorType,
  anthropicResult,
  AnthropicStreamAccumulator,
} from './anthropic-format';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';

/** Every release with the `Anthropic.Messages` resource on the Stainless core. */
export const ANTHROPIC_VERSIONS = ['>=0.20.0 <2'];

type Resource = { create: Create };

function resources(exports: unknown): Resource[] {
  const module = obj(exports);
  const Anthropic = obj(module?.Anthropic ?? module?.default);
  if (!Anthropic) return [];
  return [obj(Anthropic.Messages), obj(obj(Anthropic.Beta)?.Messages)].flatMap((resource): Resource[] => {
    const prototype = obj(resource?.prototype);
    return typeof prototype?.create === 'function' ? [prototype as Resource] : [];
  });
}

/**
 * Newer SDKs trace their own calls through the global tracer provider. With the hook's SDK
 * registered that would record every call twice (their span and this one), and send trace
 * headers to the API that the application never sent before. Their client keeps its tracer in
 * `_tracer` (assigned in the constructor); an accessor on the prototype keeps it unset, which is
 * the SDK's own "tracing off" state, exactly as the application ran without the hook.
 */
function clientPrototype(exports: unknown): object | undefined {
  const module = obj(exports);
  const prototype = obj(obj(module?.BaseAnthropic ?? module?.Anthropic)?.prototype);
  return prototype && 'openTelemetry' in prototype ? prototype : undefined;
}

function silenceNativeTracing(exports: unknown): void {
  const prototype = clientPrototype(exports);
  if (!prototype) return;
  Object.defineProperty(prototype, '_tracer', { configurable: true, get: () => undefined, set: () => undefined });
}

function restoreNativeTracing(exports: unknown): void {
  const prototype = clientPrototype(exports);
  if (prototype) delete (prototype as { _tracer?: unknown })._tracer;
}

/**
 * `@anthropic-ai/sdk`: messages.create (plain and `stream: true`) and beta.messages.create.
 * `messages.stream()` sends its request through messages.create and reads the SDK's own stream
 * object, so its events and `finalMessage()` work unchanged and the call is recorded once.
 */
export class AnthropicInstrumentation extends AuditInstrumentation {
  static readonly module = '@anthropic-ai/sdk';

  constructor(config: AuditInstrumentationConfig) {
    super(AnthropicInstrumentation.module, config);
  }

  protected init() {
    return new InstrumentationNodeModuleDefinition(
      AnthropicInstrumentation.module,
      ANTHROPIC_VERSIONS,
      (exports: unknown) => {
        for (const resource of resources(exports))
          this._wrap(resource, 'create', (original) => this.instrument(original));
        silenceNativeTracing(exports);
        return exports;
      },
      (exports: unknown) => {
        for (const resource of resources(exports)) this._unwrap(resource, 'create');
        restoreNativeTracing(exports);
      },
    );
  }

  private instrument(original: Create): Create {
    return instrumentMethod((describe) => this.startCall(describe), original, {
      describe: (body, client) => ({
        operation: OPERATION.chat,
        provider: PROVIDER.anthropic,
        model: str(body.model),
        server: serverOf(client?.baseURL),
        stream: body.stream === true,
        attributes: anthropicAttributes(body),
        content: () => anthropicContent(body),
        errorType: anthropicErrorType,
      }),
      handlers: (body) => ({
        result: anthropicResult,
        stream: body.stream === true ? () => new AnthropicStreamAccumulator() : undefined,
      }),
    });
  }
}
