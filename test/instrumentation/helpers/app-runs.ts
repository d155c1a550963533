/**
 * The setup every provider test shares: an OTLP sink, a fake provider server, one test app run
 * several ways at once (with the hook, without it, as ESM, on another SDK major or Node...), then
 * a wait until the hooked runs' spans arrived. `useAppRuns` registers that beforeAll/afterAll
 * pair, so a test file only says which app it runs and how.
 */
import { startOtlpSink, type OtlpSink, type SinkSpan } from '../../helpers/otlp-sink';
import { startFakeServer, type FakeServer, type Route } from '../fakes/server';
import { runApp, sandbox, type RunOptions, type RunResult } from './run-app';
import { spansOf, waitForSpans } from './spans';

/** One labelled run of the app. */
export interface AppRun extends Pick<RunOptions, 'hook' | 'node' | 'nodeArgs' | 'timeoutMs'> {
  /** SDK aliases to run against (see `sandbox`), e.g. `{ openai: 'openai-v4' }`. */
  packages?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** OTEL_SERVICE_NAME; `<prefix>-<label>` by default. */
  service?: string;
  /** Spans to wait for; `spansPerRun` for a hooked run by default, none for a plain one. */
  spans?: number;
}

export interface AppRunsOptions {
  /** File name under test/instrumentation/apps. */
  app: string;
  /** Service names are `<prefix>-<label>`. */
  prefix: string;
  runs: Record<string, AppRun>;
  /** The fake provider's routes; no fake server without them. */
  routes?: Route[];
  http2?: boolean;
  /** Spans each hooked run exports (see `AppRun.spans`). */
  spansPerRun?: number;
  /** The services a run exports to, each waited for; the run's own only by default. */
  servicesOf?: (service: string) => string[];
  /** Environment of every run, before the run's own; FAKE_URL, the sink, the service and RUN_ID come first. */
  env?: (label: string, run: { service: string; fakeUrl: string }) => Record<string, string | undefined>;
  /** Per run; runApp's default when absent. */
  timeoutMs?: number;
  /** Of the whole beforeAll. */
  setupTimeoutMs?: number;
  /** Of the wait for spans. */
  spansTimeoutMs?: number;
}

export interface AppRuns {
  readonly sink: OtlpSink;
  /** Fails when the file gave no routes. */
  readonly fake: FakeServer;
  /** The fake server's port, as the hook records it in server.port. */
  port(): number;
  result(label: string): RunResult;
  /** The spans of a run's service, in start order. */
  spans(label: string): SinkSpan[];
  service(label: string): string;
}

/** The environment that turns content capture off. */
export const NO_CONTENT_ENV = { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false' };

/**
 * The runs most provider tests make: the app required and imported (the apps load the SDK with
 * import() when ESM=1), each with a plain twin to compare with, and once with content capture off.
 */
export const REQUIRE_AND_ESM_RUNS: Record<string, AppRun> = {
  require: { hook: 'require' },
  plain: { hook: 'none' },
  esm: { hook: 'import', env: { ESM: '1' } },
  'esm-plain': { hook: 'none', env: { ESM: '1' } },
  'no-content': { hook: 'require', env: NO_CONTENT_ENV },
};

/** Another major of the SDK (see `sandbox`), required: `<label>` with the hook, `<label>-plain` without. */
export function otherMajorRuns(label: string, packages: Record<string, string>): Record<string, AppRun> {
  return { [label]: { hook: 'require', packages }, [`${label}-plain`]: { hook: 'none', packages } };
}

/** Declares the beforeAll that starts everything and runs the app, and the afterAll that stops it. */
export function useAppRuns(options: AppRunsOptions): AppRuns {
  let sink: OtlpSink | undefined;
  let fake: FakeServer | undefined;
  const results = new Map<string, RunResult>();
  const service = (label: string): string => options.runs[label]?.service ?? `${options.prefix}-${label}`;

  beforeAll(async () => {
    [sink, fake] = await Promise.all([
      startOtlpSink(),
      options.routes ? startFakeServer(options.routes, { http2: options.http2 }) : undefined,
    ]);
    const endpoint = sink.endpoint;
    const fakeUrl = fake?.url ?? '';
    await Promise.all(
      Object.entries(options.runs).map(async ([label, run]) => {
        const result = await runApp({
          app: options.app,
          hook: run.hook,
          node: run.node,
          nodeArgs: run.nodeArgs,
          sandbox: run.packages && sandbox(run.packages),
          timeoutMs: run.timeoutMs ?? options.timeoutMs,
          env: {
            ...(fake && { FAKE_URL: fakeUrl }),
            OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
            OTEL_SERVICE_NAME: service(label),
            RUN_ID: label,
            ...options.env?.(label, { service: service(label), fakeUrl }),
            ...run.env,
          },
        });
        results.set(label, result);
      }),
    );
    const counts: Record<string, number> = {};
    for (const [label, run] of Object.entries(options.runs)) {
      const n = run.spans ?? (run.hook === 'none' ? 0 : (options.spansPerRun ?? 0));
      if (n === 0) continue;
      for (const name of options.servicesOf?.(service(label)) ?? [service(label)]) counts[name] = n;
    }
    await waitForSpans(sink, counts, options.spansTimeoutMs);
  }, options.setupTimeoutMs ?? 120_000);

  afterAll(async () => {
    await Promise.all([sink?.close(), fake?.close()]);
  });

  const runs: AppRuns = {
    get sink() {
      if (!sink) throw new Error('the OTLP sink is not started yet');
      return sink;
    },
    get fake() {
      if (!fake) throw new Error(`no fake server for ${options.app}`);
      return fake;
    },
    port: () => Number(new URL(runs.fake.url).port),
    result(label) {
      const result = results.get(label);
      if (!result) throw new Error(`no run labelled ${label}`);
      return result;
    },
    spans: (label) => spansOf(runs.sink, service(label)),
    service,
  };
  return runs;
}

/**
 * For apps run per SDK version, each with and without the hook: `<label>` (hooked, `require`) and
 * `<label>-plain` (no hook) share the service `<prefix>-<label>`; RUN_ID (the x-test-run header
 * the apps send) is `<label>-require` / `<label>-none`.
 */
export function hookedAndPlain(
  prefix: string,
  versions: ({ label: string } & Omit<AppRun, 'hook' | 'service'>)[],
): Record<string, AppRun> {
  const runs: Record<string, AppRun> = {};
  for (const { label, ...version } of versions) {
    const service = `${prefix}-${label}`;
    runs[label] = { ...version, hook: 'require', service, env: { ...version.env, RUN_ID: `${label}-require` } };
    runs[`${label}-plain`] = { ...version, hook: 'none', service, env: { ...version.env, RUN_ID: `${label}-none` } };
  }
  return runs;
}

/** The hooked run of a `hookedAndPlain` version and its plain twin. */
export function hookedAndPlainOf(runs: AppRuns, label: string): { hooked: RunResult; plain: RunResult } {
  return { hooked: runs.result(label), plain: runs.result(`${label}-plain`) };
}
