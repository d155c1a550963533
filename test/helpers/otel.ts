import type { Attributes, HrTime } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * Spans sent the way services send them: through the official OpenTelemetry exporters
 * (gRPC, HTTP/JSON, HTTP/protobuf), with each export's result checked.
 */

export type ExporterKind = 'grpc' | 'http-json' | 'http-proto';

export function createExporter(
  kind: ExporterKind,
  collector: { grpcEndpoint: string; otlpHttpUrl: string },
  headers?: Record<string, string>,
): SpanExporter {
  switch (kind) {
    case 'grpc':
      return new GrpcExporter({ url: `http://${collector.grpcEndpoint}` });
    case 'http-json':
      return new HttpJsonExporter({ url: collector.otlpHttpUrl, headers });
    case 'http-proto':
      return new HttpProtoExporter({ url: collector.otlpHttpUrl, headers });
  }
}

class Collect implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface SpanSpec {
  name?: string;
  attributes: Attributes;
  start?: HrTime | Date;
  end?: HrTime | Date;
  error?: boolean;
}

/** Builds ReadableSpans with a resource, as an instrumented service would produce them. */
export function makeSpans(
  specs: SpanSpec[],
  resource: Attributes = { 'service.name': 'checkout', 'deployment.environment.name': 'prod' },
): ReadableSpan[] {
  const collect = new Collect();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [collect] });
  const tracer = provider.getTracer('ai-audit-tests', '1.0.0');
  for (const spec of specs) {
    const span = tracer.startSpan(spec.name ?? 'chat gpt-4o', {
      kind: SpanKind.CLIENT,
      attributes: spec.attributes,
      startTime: spec.start,
    });
    if (spec.error) span.setStatus({ code: 2, message: 'failed' });
    span.end(spec.end);
  }
  return collect.spans;
}

/** Exports and resolves once the collector acknowledged (rejects with the exporter's error). */
export function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(spans, (result) =>
      result.code === 0 ? resolve() : reject(result.error ?? new Error('export failed')),
    );
  });
}
