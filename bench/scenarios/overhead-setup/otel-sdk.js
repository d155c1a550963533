'use strict';
/**
 * The SDK wiring the reference variants share, set up like our hook's (instrumentation/src/sdk.ts):
 * NodeSDK, one BatchSpanProcessor with the same queue/batch/delay, OTLP/gRPC trace exporter
 * to OTEL_EXPORTER_OTLP_ENDPOINT, no metrics, no logs, no propagator.
 */
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');

module.exports = function startSdk(instrumentation) {
  const processor = new BatchSpanProcessor(new OTLPTraceExporter(), {
    maxQueueSize: 16_384,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 500,
  });
  const sdk = new NodeSDK({
    spanProcessors: [processor],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [instrumentation],
    textMapPropagator: null,
  });
  sdk.start();
  globalThis.benchRun = (fn) => fn();
  globalThis.benchFlush = () => processor.forceFlush();
};
