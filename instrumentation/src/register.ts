/**
 * The hook: what `--require @ai-audit/instrumentation/register` and
 * `--import @ai-audit/instrumentation/register` run before the application.
 */
import { createRequire, register as registerLoader } from 'node:module';
import { pathToFileURL } from 'node:url';
import { plainHttpRemoteHost, readConfig, type ContentCapture, type HookConfig } from './config';
import { mapUserHeader } from './context/user-header';
import { info, warn } from './log';
import { createInstrumentations, INSTRUMENTED_MODULES } from './providers';
import { running, setRunning, type Running } from './running';
import { startSdk } from './sdk';
import { flushOnExit } from './shutdown';

export type HookMode = 'require' | 'import';

interface ImportInTheMiddle {
  createAddHookMessageChannel(): {
    registerOptions: { data: Record<string, unknown>; transferList: unknown[] };
    waitForAllMessagesAcknowledged(): Promise<void>;
  };
}

/**
 * Registers import-in-the-middle's loader for the LLM client modules only, so no other ES module
 * of the application is wrapped. Returns the wait for the loader thread to acknowledge the
 * modules the instrumentations then hook: the application's imports must not start before it.
 */
function registerEsmLoader(include: readonly string[]): () => Promise<void> {
  // Talk to the very copy of import-in-the-middle that @opentelemetry/instrumentation hooks with.
  const fromInstrumentation = createRequire(require.resolve('@opentelemetry/instrumentation'));
  const iitm = fromInstrumentation('import-in-the-middle') as ImportInTheMiddle;
  const { registerOptions, waitForAllMessagesAcknowledged } = iitm.createAddHookMessageChannel();
  registerLoader(
    pathToFileURL(fromInstrumentation.resolve('import-in-the-middle/hook.mjs')),
    pathToFileURL(__filename),
    {
      ...registerOptions,
      data: { ...registerOptions.data, include: [...include] },
    },
  );
  return waitForAllMessagesAcknowledged;
}

const CONTENT: Record<ContentCapture, string> = {
  no_content: 'message content not captured',
  span_only: 'message content on spans',
  event_only: 'message content on span events',
  span_and_event: 'message content on spans and span events',
};

function announce(config: HookConfig, esm: boolean): void {
  const hooks = esm ? 'require and import' : 'require';
  const metrics = config.metricsEndpoint ? `metrics to ${config.metricsEndpoint}` : 'metrics off';
  const user = config.userHeader ? `, user from header ${config.userHeader}` : '';
  info(
    `instrumenting ${INSTRUMENTED_MODULES.join(', ')} (${hooks}); spans to ${config.tracesEndpoint} (OTLP/gRPC), ` +
      `${CONTENT[config.contentCapture]}, ${metrics}${user}`,
  );
  for (const message of config.warnings) warn(message);
  const host = plainHttpRemoteHost(config.tracesEndpoint);
  if (host && config.contentCapture !== 'no_content') {
    warn(
      `message content goes to ${host} over plain HTTP, unencrypted; use an https:// endpoint ` +
        'or set OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false',
    );
  }
}

/** A client library loaded before the hook cannot be patched any more; say so instead of recording nothing. */
function warnIfPreloaded(): void {
  for (const name of INSTRUMENTED_MODULES) {
    let resolved: string;
    try {
      resolved = require.resolve(name, { paths: [process.cwd()] });
    } catch {
      continue;
    }
    if (require.cache[resolved]) {
      warn(
        `${name} was loaded before the hook, so its calls are not recorded; load the hook first (node --require @ai-audit/instrumentation/register)`,
      );
    }
  }
}

/**
 * Starts the hook. For `import`, resolves once the ESM loader is ready (register.mjs awaits it
 * at top level, which holds the application's imports back). Never throws: a hook that cannot
 * start says why on stderr and lets the application run uninstrumented.
 */
export function install(mode: HookMode): Promise<void> | undefined {
  try {
    const config = readConfig();
    if (config.disabled) return undefined;
    // `--require` plus `--import`, or a NODE_OPTIONS repeat, start the SDK once.
    const state = running();
    if (state) {
      // Already started by --require: the instrumentations' ESM hooks exist, only the loader is missing.
      if (mode === 'import' && !state.esm) {
        state.esm = true;
        return registerEsmLoader(INSTRUMENTED_MODULES)();
      }
      return undefined;
    }
    const started: Running = { esm: mode === 'import' };
    setRunning(started);
    // The loader goes first: each instrumentation sends its module to it when constructed.
    const acknowledged = mode === 'import' ? registerEsmLoader(INSTRUMENTED_MODULES) : undefined;
    started.sdk = startSdk(config, createInstrumentations(config.contentCapture, config.metricsEndpoint !== undefined));
    flushOnExit(started.sdk);
    if (config.userHeader) mapUserHeader(config.userHeader);
    announce(config, mode === 'import');
    warnIfPreloaded();
    return acknowledged?.();
  } catch (err) {
    warn(`not started, the application runs uninstrumented: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}
