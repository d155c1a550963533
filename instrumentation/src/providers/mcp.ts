import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  propagation,
  SpanKind,
  type Context,
  type TextMapPropagator,
} from '@opentelemetry/api';
import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';
import { core } from '@opentelemetry/sdk-node';
import { existsSync, readFileSync } from 'node:fs';
import { join, parse, sep } from 'node:path';
import type { AttributeMap } from '../attributes';
import { toolCallRecorded } from '../context/suppress';
import type { Method } from '../promise';
import { JSONRPC_REQUEST_ID, MCP_SESSION_ID, RPC_RESPONSE_STATUS_CODE, SERVER_ADDRESS, SERVER_PORT } from '../semconv';
import { obj, serverOf, str, type Obj } from '../shape';
import type { GenAiStep } from '../step';
import { AuditInstrumentation, type AuditInstrumentationConfig } from './base';
import { isRecordedMethod, jsonRpcCode, mcpOutcome, mcpStep, requestId, type McpMethod } from './mcp-format';

const MODULE = '@modelcontextprotocol/sdk';
/** 1.x: `Client` and the low-level `Server` (which `McpServer` registers its handlers on). */
const MAJOR = 1;
/** What a file hooked by path can declare: its version is checked where its path is found (`builds`). */
const ANY_VERSION = ['*'];

/**
 * The application's copies of one module of the SDK, its CommonJS build and its ESM build (they
 * ship side by side), as absolute paths. They are hooked by path: the package names a main module
 * that does not exist (dist/cjs/index.js), and require-in-the-middle hooks the inner files of a
 * package only once it has resolved its main one; and the ESM loader must wrap server/index.js
 * also when McpServer imports it by a relative specifier, which no package specifier matches.
 */
function builds(subpath: string): string[] {
  try {
    const cjs = require.resolve(`${MODULE}/${subpath}`, { paths: [process.cwd()] });
    const dist = `${sep}dist${sep}cjs${sep}`;
    const at = cjs.lastIndexOf(dist);
    if (at < 0) return [];
    const version = str(obj(JSON.parse(readFileSync(join(cjs.slice(0, at), 'package.json'), 'utf8')))?.version);
    if (Number(version?.split('.')[0]) !== MAJOR) return [];
    const esm = cjs.replace(dist, `${sep}dist${sep}esm${sep}`);
    return existsSync(esm) ? [cjs, esm] : [cjs];
  } catch {
    // Not installed where the application runs.
    return [];
  }
}

/** The Client methods that send a recorded request, by the method they send. */
const CLIENT_METHODS: Record<string, McpMethod> = {
  callTool: 'tools/call',
  readResource: 'resources/read',
  getPrompt: 'prompts/get',
};

type Prototype = Record<string, Method>;

function prototypeOf(exports: unknown, name: string): Prototype | undefined {
  return obj(obj(obj(exports)?.[name])?.prototype) as Prototype | undefined;
}

/**
 * Trace context travels in `params._meta`, as semconv and SEP-414 say. The client injects
 * through the configured propagators; the hook configures none unless OTEL_PROPAGATORS is set
 * (sdk.ts: nothing goes into the application's HTTP headers), and W3C Trace Context alone is
 * used then: without it the server's span would start a trace of its own. The caller's audit
 * baggage (user and session ids) reaches MCP servers, often third parties, only when the
 * application chose to propagate baggage. The server extracts the trace context and nothing
 * else, whatever is configured: the user its records name is its own context's, never one a
 * client sends (the client's user is one trace away, in the client's records).
 */
const TRACE_CONTEXT = new core.W3CTraceContextPropagator();

function injector(): Pick<TextMapPropagator, 'inject'> {
  return propagation.fields().length > 0 ? propagation : TRACE_CONTEXT;
}

/** What a client knows besides the request: its session and, over HTTP, its server's address. */
function clientAttributes(client: unknown): AttributeMap {
  const transport = obj(obj(client)?.transport);
  const server = serverOf(transport?._url);
  return {
    [MCP_SESSION_ID]: str(transport?.sessionId),
    [SERVER_ADDRESS]: server?.address,
    [SERVER_PORT]: server?.port,
  };
}

/** A copy of `params` whose `_meta` carries `ctx`: the caller's object is never changed. */
function withContext(params: Obj, ctx: Context): Obj {
  const meta: Record<string, unknown> = { ...obj(params._meta) };
  injector().inject(ctx, meta, defaultTextMapSetter);
  return { ...params, _meta: meta };
}

/** `params` with `ctx` in its `_meta`, or `params` itself if that fails (the call must still go out). */
function propagated(instrumentation: McpInstrumentation, params: Obj, ctx: Context): Obj {
  try {
    return withContext(params, ctx);
  } catch (err) {
    diag.debug(`${instrumentation.instrumentationName}: could not propagate the trace context`, err);
    return params;
  }
}

/** The client's span as parent, when `_meta` brings one (its baggage is ignored); the current context otherwise. */
function parentFrom(meta: unknown): Context {
  const carrier = obj(meta);
  return carrier ? TRACE_CONTEXT.extract(context.active(), carrier, defaultTextMapGetter) : context.active();
}

/** Ends `step` when the request settles; `value` is the SDK's own promise (or a handler's plain result). */
function settle(step: GenAiStep, method: McpMethod, value: unknown): void {
  Promise.resolve(value).then(
    (answered) => {
      const { result, errorType } = mcpOutcome(method, answered);
      if (errorType) step.fail(undefined, errorType, result);
      else step.succeed(result);
    },
    (err: unknown) => {
      const code = jsonRpcCode(err);
      step.fail(err, code, { attributes: { [RPC_RESPONSE_STATUS_CODE]: code } });
    },
  );
}

/**
 * `@modelcontextprotocol/sdk`: the client's callTool, readResource and getPrompt (kind CLIENT,
 * trace context injected into the request's `_meta`), and the server's handling of the same
 * requests (kind SERVER, a child of the client's span): `Server.setRequestHandler` is patched,
 * which `McpServer` and low-level servers both register their handlers through.
 */
export class McpInstrumentation extends AuditInstrumentation {
  static readonly module = MODULE;

  constructor(config: AuditInstrumentationConfig) {
    super(McpInstrumentation.module, config);
  }

  protected init() {
    return [
      ...builds('client/index.js').map((file) =>
        this.byPath(
          file,
          (exports) => this.patchClient(exports),
          (exports) => this.unpatch(prototypeOf(exports, 'Client'), Object.keys(CLIENT_METHODS)),
        ),
      ),
      ...builds('server/index.js').map((file) =>
        this.byPath(
          file,
          (exports) => this.patchServer(exports),
          (exports) => this.unpatch(prototypeOf(exports, 'Server'), ['setRequestHandler']),
        ),
      ),
    ];
  }

  /** Both hooks report a file hooked by path by its base name, and with no package version. */
  private byPath(
    file: string,
    patch: (exports: unknown) => unknown,
    unpatch: (exports: unknown) => void,
  ): InstrumentationNodeModuleDefinition {
    const inner = new InstrumentationNodeModuleFile(parse(file).name, ANY_VERSION, patch, unpatch);
    return new InstrumentationNodeModuleDefinition(file, ANY_VERSION, undefined, undefined, [inner]);
  }

  private patchClient(exports: unknown): unknown {
    const client = prototypeOf(exports, 'Client');
    for (const [name, method] of Object.entries(CLIENT_METHODS)) {
      if (client && typeof client[name] === 'function' && !isWrapped(client[name]))
        this._wrap(client, name, (original: Method) => this.instrumentRequest(original, method));
    }
    return exports;
  }

  private patchServer(exports: unknown): unknown {
    const server = prototypeOf(exports, 'Server');
    if (server && typeof server.setRequestHandler === 'function' && !isWrapped(server.setRequestHandler))
      this._wrap(server, 'setRequestHandler', (original: Method) => this.instrumentSetRequestHandler(original));
    return exports;
  }

  private unpatch(prototype: Prototype | undefined, names: string[]): void {
    if (prototype) for (const name of names) if (isWrapped(prototype[name])) this._unwrap(prototype, name);
  }

  /** `Client.prototype.callTool(params, ...)` and the like: the request goes out with the step's context in `_meta`. */
  private instrumentRequest(original: Method, method: McpMethod): Method {
    const instrumentation = this;
    return function instrumented(this: unknown, ...args: unknown[]): unknown {
      const params = obj(args[0]);
      if (params && method === 'tools/call' && toolCallRecorded(context.active()))
        return original.apply(this, [propagated(instrumentation, params, context.active()), ...args.slice(1)]);
      const step =
        params &&
        instrumentation.startStep(() => ({
          ...mcpStep(method, params, clientAttributes(this)),
          kind: SpanKind.CLIENT,
        }));
      if (!params || !step) return original.apply(this, args);
      const sent = [propagated(instrumentation, params, step.context), ...args.slice(1)];
      const promise = step.run(() => original.apply(this, sent));
      settle(step, method, promise);
      return promise;
    };
  }

  /** Handlers are wrapped as they are registered; which request a call answers is known only then. */
  private instrumentSetRequestHandler(original: Method): Method {
    const instrumentation = this;
    return function setRequestHandler(this: unknown, ...args: unknown[]): unknown {
      const handler = args[1];
      if (typeof handler !== 'function') return original.apply(this, args);
      return original.apply(this, [args[0], instrumentation.instrumentHandler(handler as Method), ...args.slice(2)]);
    };
  }

  private instrumentHandler(handler: Method): Method {
    const instrumentation = this;
    return function handle(this: unknown, ...args: unknown[]): unknown {
      const request = obj(args[0]);
      const method = request?.method;
      // A handler registered while patched outlives an unpatch: it then records nothing.
      if (!isRecordedMethod(method) || !instrumentation.isEnabled()) return handler.apply(this, args);
      const params = obj(request?.params) ?? {};
      const extra = obj(args[1]);
      const step = instrumentation.startStep(() => ({
        ...mcpStep(method, params, {
          [MCP_SESSION_ID]: str(extra?.sessionId),
          [JSONRPC_REQUEST_ID]: requestId(extra?.requestId),
        }),
        kind: SpanKind.SERVER,
        parent: parentFrom(extra?._meta ?? params._meta),
      }));
      if (!step) return handler.apply(this, args);
      const value = step.run(() => handler.apply(this, args));
      settle(step, method, value);
      return value;
    };
  }
}
