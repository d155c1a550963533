/**
 * Everything the hook reads from the environment, parsed once at start. Standard OTEL_*
 * variables the OpenTelemetry exporters read themselves (headers, certificates, compression,
 * batch sizes) are left to them; only what this package decides on is read here.
 */

/** OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, normalised to its enum form. */
export type ContentCapture = 'no_content' | 'span_only' | 'event_only' | 'span_and_event';

/** Whether content attributes go on the span itself under `capture`. */
export function contentOnSpan(capture: ContentCapture): boolean {
  return capture === 'span_only' || capture === 'span_and_event';
}

/** Whether content attributes go on the span's inference-details event under `capture`. */
export function contentOnEvent(capture: ContentCapture): boolean {
  return capture === 'event_only' || capture === 'span_and_event';
}

export interface HookConfig {
  disabled: boolean;
  /** Where spans go (OTLP/gRPC). */
  tracesEndpoint: string;
  /** Set only when a metrics endpoint is configured; metrics are off otherwise. */
  metricsEndpoint: string | undefined;
  contentCapture: ContentCapture;
  /** Lower-cased name of an incoming HTTP header that names the user, if any. */
  userHeader: string | undefined;
  /** Problems found while reading the environment, reported once at start. */
  warnings: string[];
}

const DEFAULT_TRACES_ENDPOINT = 'http://localhost:4317';

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function contentCapture(env: Env, warnings: string[]): ContentCapture {
  const name = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';
  const raw = read(env, name)?.toLowerCase();
  // Captured by default: the collector seals content before it touches disk.
  if (raw === undefined || raw === 'true') return 'span_only';
  if (raw === 'false') return 'no_content';
  if (raw === 'no_content' || raw === 'span_only' || raw === 'event_only' || raw === 'span_and_event') return raw;
  warnings.push(
    `${name}=${raw} is not one of true, false, no_content, span_only, event_only, span_and_event; using span_only`,
  );
  return 'span_only';
}

function metricsEndpoint(env: Env): string | undefined {
  const explicit = read(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  if (explicit) return explicit;
  // OTEL_EXPORTER_OTLP_ENDPOINT alone does not turn metrics on: the ai-audit collector accepts
  // traces and logs, not metrics, and exporting metrics to it would fail every minute.
  const exporters = read(env, 'OTEL_METRICS_EXPORTER')
    ?.split(',')
    .map((s) => s.trim());
  if (exporters?.includes('otlp')) return read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_TRACES_ENDPOINT;
  return undefined;
}

export function readConfig(env: Env = process.env): HookConfig {
  const warnings: string[] = [];
  return {
    disabled: read(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true',
    tracesEndpoint:
      read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ??
      read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ??
      DEFAULT_TRACES_ENDPOINT,
    metricsEndpoint: metricsEndpoint(env),
    contentCapture: contentCapture(env, warnings),
    userHeader: read(env, 'AI_AUDIT_USER_HEADER')?.toLowerCase(),
    warnings,
  };
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?|\[?::ffff:127(?:\.\d{1,3}){3}\]?)$/i;

/**
 * The host that would receive content in clear text, or undefined when the endpoint uses TLS
 * or stays on this machine.
 */
export function plainHttpRemoteHost(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:') return undefined;
  return LOOPBACK.test(url.hostname) ? undefined : url.host;
}
