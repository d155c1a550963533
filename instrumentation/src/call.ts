/**
 * One GenAI call from start to its single end: the span, its content attributes, the metrics.
 * Providers describe requests and results in plain terms (CallRequest, CallResult); everything
 * that turns them into semconv attributes lives here, once.
 */
import {
  context,
  diag,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { put, setAll, type AttributeMap } from './attributes';
import { contentOnEvent, contentOnSpan, type ContentCapture } from './config';
import { toJson, type OutputMessage, type RequestContent } from './content';
import { errorTypeOf } from './error-type';
import { putAuditAttributes } from './context/audit-context';
import type { GenAiMetrics } from './metrics';
import {
  AI_AUDIT_ABANDON_REASON,
  ERROR_TYPE,
  EVENT_INFERENCE_DETAILS,
  GEN_AI_INPUT_MESSAGES,
  GEN_AI_OPERATION_NAME,
  GEN_AI_OUTPUT_MESSAGES,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_REQUEST_STREAM,
  GEN_AI_RESPONSE_FINISH_REASONS,
  GEN_AI_RESPONSE_ID,
  GEN_AI_RESPONSE_MODEL,
  GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  GEN_AI_SYSTEM_INSTRUCTIONS,
  GEN_AI_TOOL_DEFINITIONS,
  GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  HTTP_RESPONSE_STATUS_CODE,
  SERVER_ADDRESS,
  SERVER_PORT,
  type AbandonReason,
  type Operation,
} from './semconv';
import { observeIterable, type ChunkObserver } from './stream';

/**
 * Token counts as semconv defines them: `input` includes cache reads and writes, `output`
 * includes reasoning. Each provider converts its own usage report to this (see providers/).
 */
export interface Usage {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

export interface ServerAddress {
  address: string;
  port?: number;
}

export interface CallRequest {
  operation: Operation;
  provider: string;
  model?: string;
  server?: ServerAddress;
  stream: boolean;
  /** Request parameters as semconv attributes; missing values are skipped. */
  attributes?: AttributeMap;
  /** Called only when content capture is on. */
  content?: () => RequestContent;
  /** The provider's error code for `error.type`, when the error carries one. */
  errorType?: (err: unknown) => string | undefined;
}

export interface CallResult {
  responseId?: string;
  responseModel?: string;
  finishReasons?: string[];
  usage?: Usage;
  output?: OutputMessage[];
  attributes?: AttributeMap;
  /** The API answered, but reported that the generation failed (e.g. a Responses `response.failed`). */
  failure?: { type: string; message?: string };
}

/** Folds stream chunks into the result the stream amounts to. */
export interface StreamAccumulator<T> {
  /** Returns false to keep the chunk from the application (a chunk only the hook asked for). */
  add(chunk: T): boolean;
  result(): CallResult;
}

/** What a provider instrumentation hands to every call it starts. */
export interface Telemetry {
  tracer: Tracer;
  /** Undefined when metrics are off. */
  metrics: GenAiMetrics | undefined;
  capture: ContentCapture;
}

function putUsage(target: Attributes, usage: Usage | undefined): void {
  if (!usage) return;
  put(target, GEN_AI_USAGE_INPUT_TOKENS, usage.input);
  put(target, GEN_AI_USAGE_OUTPUT_TOKENS, usage.output);
  put(target, GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheRead);
  put(target, GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheWrite);
  put(target, GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoning);
}

function requestContent(content: RequestContent): Attributes {
  const attributes: Attributes = {};
  put(attributes, GEN_AI_INPUT_MESSAGES, content.input && toJson(content.input));
  put(attributes, GEN_AI_SYSTEM_INSTRUCTIONS, content.system?.length ? toJson(content.system) : undefined);
  put(attributes, GEN_AI_TOOL_DEFINITIONS, content.tools?.length ? toJson(content.tools) : undefined);
  return attributes;
}

/**
 * The HTTP status an SDK error carries: `status` (Stainless SDKs, groq), `statusCode`
 * (Mistral, Cohere, the AI SDK's APICallError), `status_code` (ollama), `$metadata` (AWS).
 */
function errorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as {
    status?: unknown;
    statusCode?: unknown;
    status_code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  for (const status of [e.status, e.statusCode, e.status_code, e.$metadata?.httpStatusCode])
    if (typeof status === 'number') return status;
  return undefined;
}

/** Calls still open, so that shutdown can end them (their spans would be lost otherwise). */
const openCalls = new Set<GenAiCall>();
/** A stream or promise collected before anyone read it to the end leaves its call abandoned. */
const unread = new FinalizationRegistry<GenAiCall>((call) => call.abandon('gc'));

/** Ends every call still open; used when the process is about to exit. */
export function abandonOpenCalls(reason: AbandonReason): void {
  for (const call of [...openCalls]) call.abandon(reason);
}

export class GenAiCall {
  /** The caller's context with this call's span: the SDK call runs in it. */
  readonly context: Context;
  private readonly span: Span;
  private readonly started: number;
  private firstChunk: number | undefined;
  private ended = false;
  private watched = false;
  /** Request attributes the metrics repeat; none when metrics are off. */
  private readonly metricAttributes: Attributes | undefined;
  /** Content attributes, kept for the span event; none when content is not captured. */
  private readonly contentAttributes: Attributes | undefined;
  /** The one part of the request the call keeps: the request (and its body) need not live as long. */
  private readonly providerErrorType: CallRequest['errorType'];

  constructor(
    private readonly telemetry: Telemetry,
    request: CallRequest,
  ) {
    this.providerErrorType = request.errorType;
    const parent = context.active();
    const attributes: Attributes = {};
    put(attributes, GEN_AI_OPERATION_NAME, request.operation);
    put(attributes, GEN_AI_PROVIDER_NAME, request.provider);
    put(attributes, GEN_AI_REQUEST_MODEL, request.model);
    put(attributes, SERVER_ADDRESS, request.server?.address);
    put(attributes, SERVER_PORT, request.server?.port);
    if (telemetry.metrics) this.metricAttributes = { ...attributes };
    if (request.stream) attributes[GEN_AI_REQUEST_STREAM] = true;
    setAll(attributes, request.attributes);
    putAuditAttributes(attributes, parent);
    if (telemetry.capture !== 'no_content') {
      this.contentAttributes = request.content ? requestContent(request.content()) : {};
      // On the span from the start, so a call that fails still shows what was sent.
      if (this.onSpan) Object.assign(attributes, this.contentAttributes);
    }
    const name = request.model ? `${request.operation} ${request.model}` : request.operation;
    this.span = telemetry.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    // Timing starts once the span has: time to first chunk must fit within the span's own
    // duration even when the process is descheduled in between.
    this.started = performance.now();
    this.context = trace.setSpan(parent, this.span);
    openCalls.add(this);
  }

  /** Whether message content is recorded: what is not need not be read. */
  get capturesContent(): boolean {
    return this.contentAttributes !== undefined;
  }

  private get onSpan(): boolean {
    return contentOnSpan(this.telemetry.capture);
  }

  private get onEvent(): boolean {
    return contentOnEvent(this.telemetry.capture);
  }

  /**
   * Runs the SDK call with this call's span active. If it throws synchronously the call ends
   * as failed and the error reaches the application unchanged.
   */
  run<T>(fn: () => T): T {
    try {
      return context.with(this.context, fn);
    } catch (err) {
      this.fail(err);
      throw err;
    }
  }

  /**
   * Runs hook code that reads an SDK result for this call (it may meet shapes nobody foresaw).
   * If it throws, the error stays here and the call still ends, without a result.
   */
  guard(read: () => void): void {
    try {
      read();
    } catch (err) {
      diag.debug('ai-audit: could not read a result', err);
      this.succeed({});
    }
  }

  /** For SDKs that resolve their endpoint asynchronously. */
  setServer(server: ServerAddress): void {
    if (this.ended) return;
    const attributes: Attributes = {};
    put(attributes, SERVER_ADDRESS, server.address);
    put(attributes, SERVER_PORT, server.port);
    this.span.setAttributes(attributes);
    if (this.metricAttributes) Object.assign(this.metricAttributes, attributes);
  }

  /**
   * Ends the call as abandoned ('gc') if `target` is garbage collected first. Watching a new
   * target replaces the previous one: a stream is watched until iteration starts, then its
   * iterator is (a `for await` over a temporary stream holds only the iterator).
   */
  watch(target: object): void {
    if (this.ended) return;
    if (this.watched) unread.unregister(this);
    this.watched = true;
    unread.register(target, this, this);
  }

  succeed(result: CallResult): void {
    this.end(result, undefined);
  }

  fail(err: unknown, partial?: CallResult): void {
    this.end(partial ?? {}, { err });
  }

  abandon(reason: AbandonReason, partial?: CallResult): void {
    this.end(partial ?? {}, { reason });
  }

  /**
   * Settles the call from a stream: the first iterator `owner[method]` gives is observed into
   * `accumulator`, and the call is abandoned if the stream, then its iterator, is dropped unread.
   */
  observeStream<T>(
    owner: object,
    method: PropertyKey,
    accumulator: StreamAccumulator<T>,
    aborted?: () => boolean,
  ): void {
    observeIterable(owner, method, this.observe(accumulator, aborted), (iterator) => this.watch(iterator));
    this.watch(owner);
  }

  /** Turns stream events into this call's end; `aborted` tells an aborted source from a finished one. */
  observe<T>(accumulator: StreamAccumulator<T>, aborted?: () => boolean): ChunkObserver<T> {
    return {
      chunk: (value) => {
        this.firstChunk ??= performance.now();
        return accumulator.add(value);
      },
      done: () => (aborted?.() ? this.abandon('abort', accumulator.result()) : this.succeed(accumulator.result())),
      error: (err) => this.fail(err, accumulator.result()),
      closed: () => this.abandon('return', accumulator.result()),
    };
  }

  /** Never throws: it runs inside the application's promise chains and stream reads. */
  private end(result: CallResult, outcome: { err: unknown } | { reason: AbandonReason } | undefined): void {
    if (this.ended) return;
    this.ended = true;
    openCalls.delete(this);
    if (this.watched) unread.unregister(this);
    try {
      this.record(result, outcome);
    } catch (err) {
      diag.debug('ai-audit: could not record a result', err);
    }
    this.span.end();
  }

  private record(result: CallResult, outcome: { err: unknown } | { reason: AbandonReason } | undefined): void {
    const attributes: Attributes = {};
    put(attributes, GEN_AI_RESPONSE_ID, result.responseId);
    put(attributes, GEN_AI_RESPONSE_MODEL, result.responseModel);
    put(attributes, GEN_AI_RESPONSE_FINISH_REASONS, result.finishReasons?.length ? result.finishReasons : undefined);
    putUsage(attributes, result.usage);
    if (this.firstChunk !== undefined) {
      attributes[GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = (this.firstChunk - this.started) / 1000;
    }
    setAll(attributes, result.attributes);
    const content = this.contentAttributes;
    if (content && result.output) {
      content[GEN_AI_OUTPUT_MESSAGES] = toJson(result.output);
      if (this.onSpan) attributes[GEN_AI_OUTPUT_MESSAGES] = content[GEN_AI_OUTPUT_MESSAGES];
    }
    if (content && this.onEvent && Object.keys(content).length > 0) {
      this.span.addEvent(EVENT_INFERENCE_DETAILS, content);
    }

    let errorType: string | undefined;
    if (result.failure) {
      errorType = result.failure.type;
      attributes[ERROR_TYPE] = errorType;
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: result.failure.message });
    } else if (outcome && 'err' in outcome) {
      const { err } = outcome;
      errorType = this.errorType(err);
      attributes[ERROR_TYPE] = errorType;
      const status = errorStatus(err);
      if (status !== undefined) attributes[HTTP_RESPONSE_STATUS_CODE] = status;
      const message = (err as { message?: unknown } | null)?.message;
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: typeof message === 'string' ? message : undefined });
    } else if (outcome) {
      attributes[AI_AUDIT_ABANDON_REASON] = outcome.reason;
    }
    this.span.setAttributes(attributes);

    const { metrics } = this.telemetry;
    if (!metrics || !this.metricAttributes) return;
    const metricAttributes: Attributes = { ...this.metricAttributes };
    put(metricAttributes, GEN_AI_RESPONSE_MODEL, result.responseModel);
    const seconds = (performance.now() - this.started) / 1000;
    metrics.record(seconds, metricAttributes, errorType, result.usage?.input, result.usage?.output);
  }

  private errorType(err: unknown): string {
    let type: string | undefined;
    try {
      type = this.providerErrorType?.(err);
    } catch {
      type = undefined;
    }
    return type || errorTypeOf(err);
  }
}
