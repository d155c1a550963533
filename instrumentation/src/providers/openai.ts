import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { CallRequest, CallResult, StreamAccumulator } from '../call';
import type { RequestContent } from '../content';
import { OPERATION, PROVIDER, type Operation } from '../semconv';
import { memoized, obj, serverOf, str, type Obj } from '../shape';
import { instrumentMethod, type Create } from '../stainless';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import {
  chatAttributes,
  chatContent,
  chatResult,
  ChatStreamAccumulator,
  embeddingsAttributes,
  embeddingsContent,
  embeddingsResult,
  responsesAttributes,
  responsesContent,
  responsesResult,
  ResponsesStreamAccumulator,
} from './openai-format';

/** v4 through v7 share the resource layout patched here (OpenAI.Chat.Completions, ...). */
export const OPENAI_VERSIONS = ['>=4.0.0 <8'];

/**
 * Servers reached through the openai client, by host. semconv's provider name says whose API
 * flavour the telemetry describes; anything unrecognised (a proxy, a local server) is "openai".
 */
const PROVIDER_HOSTS: [RegExp, string][] = [
  [/\.openai\.azure\.com$|\.cognitiveservices\.azure\.com$/, PROVIDER.azureOpenai],
  [/\.services\.ai\.azure\.com$|\.inference\.ai\.azure\.com$|\.models\.ai\.azure\.com$/, PROVIDER.azureInference],
  [/(^|\.)deepseek\.com$/, PROVIDER.deepseek],
  [/(^|\.)groq\.com$/, PROVIDER.groq],
  [/(^|\.)x\.ai$/, PROVIDER.xai],
  [/(^|\.)mistral\.ai$/, PROVIDER.mistral],
  [/(^|\.)perplexity\.ai$/, PROVIDER.perplexity],
  [/^generativelanguage\.googleapis\.com$/, PROVIDER.gcpGemini],
  [/aiplatform\.googleapis\.com$/, PROVIDER.gcpVertexAi],
  [/^bedrock[a-z-]*\.[a-z0-9-]+\.amazonaws\.com$/, PROVIDER.awsBedrock],
  [/(^|\.)cohere\.(ai|com)$/, PROVIDER.cohere],
  [/(^|\.)anthropic\.com$/, PROVIDER.anthropic],
  [/\.ml\.cloud\.ibm\.com$/, PROVIDER.ibmWatsonx],
];

const providerOfBaseUrl = memoized((baseURL) => {
  const host = serverOf(baseURL)?.address.toLowerCase();
  const match = host ? PROVIDER_HOSTS.find(([pattern]) => pattern.test(host)) : undefined;
  return match ? match[1] : PROVIDER.openai;
});

export function openAiProvider(baseURL: string | undefined, azureClient: boolean): string {
  if (azureClient) return PROVIDER.azureOpenai;
  return baseURL === undefined ? PROVIDER.openai : providerOfBaseUrl(baseURL);
}

/** OpenAI's own error code (`model_not_found`, `rate_limit_exceeded`) or type (`server_error`). */
function errorType(err: unknown): string | undefined {
  const error = obj(err);
  return str(error?.code) ?? str(error?.type);
}

interface Endpoint {
  operation: Operation;
  /** The prototype whose `create` sends this request. */
  prototype(OpenAI: Obj): unknown;
  attributes(body: Obj): CallRequest['attributes'];
  content(body: Obj): RequestContent;
  result(parsed: unknown): CallResult;
  stream?(usageAddedByHook: boolean): StreamAccumulator<unknown>;
}

const CHAT: Endpoint = {
  operation: OPERATION.chat,
  prototype: (OpenAI) => obj(obj(OpenAI.Chat)?.Completions)?.prototype,
  attributes: chatAttributes,
  content: chatContent,
  result: chatResult,
  stream: (usageAddedByHook) => new ChatStreamAccumulator(usageAddedByHook),
};

const ENDPOINTS: Endpoint[] = [
  CHAT,
  {
    operation: OPERATION.chat,
    prototype: (OpenAI) => obj(OpenAI.Responses)?.prototype,
    attributes: responsesAttributes,
    content: responsesContent,
    result: responsesResult,
    stream: () => new ResponsesStreamAccumulator(),
  },
  {
    operation: OPERATION.embeddings,
    prototype: (OpenAI) => obj(OpenAI.Embeddings)?.prototype,
    attributes: embeddingsAttributes,
    content: embeddingsContent,
    result: embeddingsResult,
  },
];

type Resource = { create: Create };

/** Streamed chat reports usage only when asked: the hook asks, unless the application decided. */
function addsUsage(endpoint: Endpoint, body: Obj): boolean {
  return endpoint === CHAT && body.stream === true && obj(body.stream_options)?.include_usage === undefined;
}

function resources(exports: unknown): [Endpoint, Resource][] {
  const OpenAI = obj(obj(exports)?.OpenAI);
  if (!OpenAI) return [];
  return ENDPOINTS.flatMap((endpoint): [Endpoint, Resource][] => {
    const prototype = obj(endpoint.prototype(OpenAI));
    return typeof prototype?.create === 'function' ? [[endpoint, prototype as Resource]] : [];
  });
}

/**
 * `openai`: chat.completions.create, responses.create and embeddings.create, plain and
 * streamed. The SDK's helpers (chat.completions.stream/parse/runTools, responses.stream/parse)
 * go through these methods, so they are covered too, one span per API request.
 */
export class OpenAIInstrumentation extends AuditInstrumentation {
  static readonly module = 'openai';

  constructor(config: AuditInstrumentationConfig) {
    super(OpenAIInstrumentation.module, config);
  }

  protected init() {
    return new InstrumentationNodeModuleDefinition(
      OpenAIInstrumentation.module,
      OPENAI_VERSIONS,
      (exports: unknown) => {
        const azure = obj(exports)?.AzureOpenAI;
        for (const [endpoint, resource] of resources(exports)) {
          this._wrap(resource, 'create', (original) => this.instrument(original, endpoint, azure));
        }
        return exports;
      },
      (exports: unknown) => {
        for (const [, resource] of resources(exports)) this._unwrap(resource, 'create');
      },
    );
  }

  private instrument(original: Create, endpoint: Endpoint, azure: unknown): Create {
    return instrumentMethod((describe) => this.startCall(describe), original, {
      describe: (body, client) => ({
        operation: endpoint.operation,
        provider: openAiProvider(str(client?.baseURL), typeof azure === 'function' && client instanceof azure),
        model: str(body.model),
        server: serverOf(client?.baseURL),
        stream: body.stream === true,
        attributes: endpoint.attributes(body),
        content: () => endpoint.content(body),
        errorType,
      }),
      handlers: (body) => {
        const stream = endpoint.stream;
        const usageAddedByHook = addsUsage(endpoint, body);
        return {
          result: endpoint.result,
          stream: body.stream === true && stream ? () => stream(usageAddedByHook) : undefined,
        };
      },
      args: (body, args) =>
        addsUsage(endpoint, body)
          ? [{ ...body, stream_options: { ...obj(body.stream_options), include_usage: true } }, ...args.slice(1)]
          : args,
    });
  }
}
