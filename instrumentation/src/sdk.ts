/**
 * The OpenTelemetry NodeSDK as the hook runs it: spans to OTLP/gRPC, metrics only when a metrics
 * endpoint is configured, nothing else (no log exporter, no propagation into the application's
 * outgoing requests). Standard OTEL_* variables keep their meaning.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type BufferConfig, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { MeterProvider } from '@opentelemetry/api';
import { abandonOpenCalls } from './call';
import { abandonOpenSteps } from './step';
import type { HookConfig } from './config';
import { DropCounter } from './drops';
import type { Flushable } from './shutdown';

/**
 * Sized for bursts: the OpenTelemetry defaults (2048 queued, flushed every 5 s) drop spans when
 * a service fans out hundreds of LLM calls at once, and a short delay leaves fewer spans queued
 * when the process is stopped. Each value applies only when its OTEL_BSP_* variable is unset;
 * the processor reads the variable otherwise.
 */
const BATCH_DEFAULTS: [keyof BufferConfig, string, number][] = [
  ['maxQueueSize', 'OTEL_BSP_MAX_QUEUE_SIZE', 16_384],
  ['maxExportBatchSize', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512],
  ['scheduledDelayMillis', 'OTEL_BSP_SCHEDULE_DELAY', 500],
];

function batchConfig(env: NodeJS.ProcessEnv): BufferConfig {
  const config: BufferConfig = {};
  for (const [key, variable, value] of BATCH_DEFAULTS) {
    if (!env[variable]?.trim()) config[key] = value;
  }
  return config;
}

function metricReaders(config: HookConfig): PeriodicExportingMetricReader[] {
  if (!config.metricsEndpoint) return [];
  const interval = Number(process.env.OTEL_METRIC_EXPORT_INTERVAL);
  return [
    new PeriodicExportingMetricReader({
      // The exporter reads OTEL_EXPORTER_OTLP_METRICS_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT itself.
      exporter: new OTLPMetricExporter(),
      exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : undefined,
    }),
  ];
}

export function startSdk(config: HookConfig, instrumentations: Instrumentation[]): Flushable {
  const batch = batchConfig(process.env);
  const drops = new DropCounter(String(batch.maxQueueSize ?? process.env.OTEL_BSP_MAX_QUEUE_SIZE));
  // selfObsMeterProvider is an option of the processor underneath the sdk-trace-base shim,
  // which passes its config through; its BufferConfig type just does not list it yet.
  const options: BufferConfig & { selfObsMeterProvider: MeterProvider } = {
    ...batch,
    selfObsMeterProvider: drops.meterProvider(),
  };
  const exporter = new OTLPTraceExporter();
  const processor = new BatchSpanProcessor(exporter, options);

  // Counts ended spans, so that a flush at exit happens only when there is something to send.
  let ended = 0;
  let flushed = 0;
  const counter: SpanProcessor = {
    onStart: () => undefined,
    onEnd: () => void ended++,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const readers = metricReaders(config);
  const sdk = new NodeSDK({
    spanProcessors: [counter, processor],
    metricReaders: readers,
    logRecordProcessors: [],
    instrumentations,
    // Without OTEL_PROPAGATORS the hook registers no propagator: audit baggage (user ids) must
    // not start travelling in headers of requests the application makes, to LLM APIs or others.
    textMapPropagator: process.env.OTEL_PROPAGATORS?.trim() ? undefined : null,
  });
  sdk.start();

  const flushOnce = async (): Promise<void> => {
    flushed = ended;
    await Promise.all([processor.forceFlush(), ...readers.map((reader) => reader.forceFlush())]);
    // The processor's flush covers queued spans; this waits for exports already in flight too.
    await exporter.forceFlush();
    drops.flush();
  };
  // Flushes run one after another: a second caller (the application's own shutdown code after
  // the hook's signal handler) must not return while the first one's export is still running.
  let last: Promise<void> = Promise.resolve();
  return {
    // Calls first: their steps (agents, tools) are their parents and end after them.
    closeOpenCalls: () => {
      abandonOpenCalls('shutdown');
      abandonOpenSteps('shutdown');
    },
    unflushed: () => ended !== flushed,
    flush: () => {
      const next = last.then(flushOnce);
      last = next.catch(() => undefined);
      return next;
    },
  };
}
