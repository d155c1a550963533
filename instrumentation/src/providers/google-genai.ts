import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { CallRequest, CallResult, GenAiCall, StreamAccumulator } from '../call';
import type { RequestContent } from '../content';
import { instrumentPromiseMethod, type Method } from '../promise';
import { OPERATION, PROVIDER, type Operation } from '../semconv';
import { obj, serverOf, str, type Obj } from '../shape';
import { observeIterator } from '../stream';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import {
  embedAttributes,
  embedContent,
  embedResult,
  geminiAttributes,
  geminiContent,
  geminiErrorType,
  geminiResult,
  GeminiStreamAccumulator,
} from './google-genai-format';

export const GOOGLE_GENAI_VERSIONS = ['>=1.0.0 <4'];

interface Endpoint {
  operation: Operation;
  attributes(params: Obj): CallRequest['attributes'];
  content(params: Obj): RequestContent;
  result(parsed: unknown): CallResult;
  stream?: () => StreamAccumulator<unknown>;
}

/**
 * The public methods (models.generateContent, ...) are arrow functions created per instance, so
 * the prototype methods they call for each API request are patched instead. That also gives one
 * span per request when the SDK makes several for one call (automatic function calling,
 * continuation).
 */
const ENDPOINTS: Record<string, Endpoint> = {
  generateContentInternal: {
    operation: OPERATION.generateContent,
    attributes: geminiAttributes,
    content: geminiContent,
    result: geminiResult,
  },
  generateContentStreamInternal: {
    operation: OPERATION.generateContent,
    attributes: geminiAttributes,
    content: geminiContent,
    result: geminiResult,
    stream: () => new GeminiStreamAccumulator(),
  },
  embedContentInternal: {
    operation: OPERATION.embeddings,
    attributes: embedAttributes,
    content: embedContent,
    result: embedResult,
  },
};

type Models = Record<string, Method>;

function modelsPrototype(exports: unknown): Models | undefined {
  return obj(obj(obj(exports)?.Models)?.prototype) as Models | undefined;
}

function callOn(target: Obj | undefined, method: string): unknown {
  try {
    const fn = target?.[method];
    return typeof fn === 'function' ? fn.call(target) : undefined;
  } catch {
    return undefined;
  }
}

/** Settles `call` from what an internal method resolved to (the SDK awaits that promise itself). */
function settle(call: GenAiCall, value: unknown, endpoint: Endpoint): void {
  const iterator = obj(value);
  if (endpoint.stream && iterator && typeof iterator.next === 'function') {
    observeIterator(iterator as unknown as AsyncIterator<unknown>, call.observe(endpoint.stream()));
    call.watch(iterator);
  } else {
    call.succeed(endpoint.result(value));
  }
}

/** `@google/genai`: models.generateContent, generateContentStream and embedContent (and chats, which use them). */
export class GoogleGenAIInstrumentation extends AuditInstrumentation {
  static readonly module = '@google/genai';

  constructor(config: AuditInstrumentationConfig) {
    super(GoogleGenAIInstrumentation.module, config);
  }

  protected init() {
    return new InstrumentationNodeModuleDefinition(
      GoogleGenAIInstrumentation.module,
      GOOGLE_GENAI_VERSIONS,
      (exports: unknown) => {
        const prototype = modelsPrototype(exports);
        for (const [name, endpoint] of Object.entries(ENDPOINTS)) {
          if (typeof prototype?.[name] === 'function')
            this._wrap(prototype, name, (original) => this.instrument(original, endpoint));
        }
        return exports;
      },
      (exports: unknown) => {
        const prototype = modelsPrototype(exports);
        for (const name of Object.keys(ENDPOINTS)) if (prototype) this._unwrap(prototype, name);
      },
    );
  }

  private instrument(original: Method, endpoint: Endpoint): Method {
    return instrumentPromiseMethod((describe) => this.startCall(describe), original, {
      describe: (params, self) => {
        const apiClient = obj(obj(self)?.apiClient);
        return {
          operation: endpoint.operation,
          provider: callOn(apiClient, 'isVertexAI') === true ? PROVIDER.gcpVertexAi : PROVIDER.gcpGemini,
          model: str(params.model),
          server: serverOf(callOn(apiClient, 'getBaseUrl')),
          stream: endpoint.stream !== undefined,
          attributes: endpoint.attributes(params),
          content: () => endpoint.content(params),
          errorType: geminiErrorType,
        };
      },
      settle: (call, value) => settle(call, value, endpoint),
    });
  }
}
