/**
 * A fake OTLP/gRPC receiver for tests: TraceService/Export and MetricsService/Export on
 * @grpc/grpc-js with raw Buffer (de)serializers, decoded with protobufjs from the OTLP message
 * definitions below (field numbers from opentelemetry-proto). Real exporters talk to it; tests
 * read back what arrived, attribute by attribute.
 */
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';

const KEY_VALUE = { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } };
const OTLP = {
  nested: {
    AnyValue: {
      oneofs: {
        value: {
          oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'],
        },
      },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: KEY_VALUE,
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    InstrumentationScope: { fields: { name: { type: 'string', id: 1 }, version: { type: 'string', id: 2 } } },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    Event: {
      fields: {
        timeUnixNano: { type: 'fixed64', id: 1 },
        name: { type: 'string', id: 2 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
      },
    },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
        events: { rule: 'repeated', type: 'Event', id: 11 },
        status: { type: 'Status', id: 15 },
      },
    },
    ScopeSpans: {
      fields: { scope: { type: 'InstrumentationScope', id: 1 }, spans: { rule: 'repeated', type: 'Span', id: 2 } },
    },
    ResourceSpans: {
      fields: { resource: { type: 'Resource', id: 1 }, scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } },
    },
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
    HistogramDataPoint: {
      fields: {
        count: { type: 'fixed64', id: 4 },
        sum: { type: 'double', id: 5 },
        bucketCounts: { rule: 'repeated', type: 'fixed64', id: 6 },
        explicitBounds: { rule: 'repeated', type: 'double', id: 7 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
      },
    },
    Histogram: { fields: { dataPoints: { rule: 'repeated', type: 'HistogramDataPoint', id: 1 } } },
    NumberDataPoint: {
      fields: {
        asDouble: { type: 'double', id: 4 },
        asInt: { type: 'sfixed64', id: 6 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 7 },
      },
    },
    Sum: { fields: { dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 } } },
    Metric: {
      fields: {
        name: { type: 'string', id: 1 },
        description: { type: 'string', id: 2 },
        unit: { type: 'string', id: 3 },
        sum: { type: 'Sum', id: 7 },
        histogram: { type: 'Histogram', id: 9 },
      },
    },
    ScopeMetrics: {
      fields: { scope: { type: 'InstrumentationScope', id: 1 }, metrics: { rule: 'repeated', type: 'Metric', id: 2 } },
    },
    ResourceMetrics: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeMetrics: { rule: 'repeated', type: 'ScopeMetrics', id: 2 },
      },
    },
    ExportMetricsServiceRequest: { fields: { resourceMetrics: { rule: 'repeated', type: 'ResourceMetrics', id: 1 } } },
  },
};

const root = protobuf.Root.fromJSON(OTLP);
const TraceRequest = root.lookupType('ExportTraceServiceRequest');
const MetricsRequest = root.lookupType('ExportMetricsServiceRequest');

export type AttributeValue =
  string | number | boolean | Buffer | AttributeValue[] | { [key: string]: AttributeValue } | null;
export type Attributes = Record<string, AttributeValue>;

export interface SinkSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 3 is CLIENT. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: { name: string; timeUnixNano: bigint; attributes: Attributes }[];
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  resource: Attributes;
  scope: { name: string; version: string };
}

export interface SinkDataPoint {
  attributes: Attributes;
  /** Histograms. */
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  /** Sums. */
  value?: number;
}

export interface SinkMetric {
  name: string;
  unit: string;
  description: string;
  type: 'histogram' | 'sum' | 'other';
  dataPoints: SinkDataPoint[];
  resource: Attributes;
  scope: { name: string; version: string };
}

export interface OtlpSink {
  /** `http://127.0.0.1:<port>`, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  spans: SinkSpan[];
  metrics: SinkMetric[];
  /** Resolves once `predicate` holds for what has arrived; rejects after `timeoutMs`. */
  waitFor(predicate: (sink: OtlpSink) => boolean, timeoutMs?: number): Promise<void>;
  clear(): void;
  close(): Promise<void>;
}

type Decoded = Record<string, unknown>;

function value(any: Decoded | undefined): AttributeValue {
  if (!any) return null;
  if ('stringValue' in any) return any.stringValue as string;
  if ('boolValue' in any) return any.boolValue as boolean;
  if ('intValue' in any) return Number(any.intValue);
  if ('doubleValue' in any) return any.doubleValue as number;
  if ('bytesValue' in any) return Buffer.from(any.bytesValue as Uint8Array);
  if ('arrayValue' in any) return (((any.arrayValue as Decoded).values as Decoded[] | undefined) ?? []).map(value);
  if ('kvlistValue' in any) return attributes((any.kvlistValue as Decoded).values as Decoded[] | undefined);
  return null;
}

function attributes(list: Decoded[] | undefined): Attributes {
  const result: Attributes = {};
  for (const kv of list ?? []) result[kv.key as string] = value(kv.value as Decoded | undefined);
  return result;
}

function hex(bytes: unknown): string {
  return bytes ? Buffer.from(bytes as Uint8Array).toString('hex') : '';
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, oneofs: false, defaults: false, arrays: true };

function decodeSpans(buffer: Buffer): SinkSpan[] {
  const request = TraceRequest.toObject(TraceRequest.decode(buffer), TO_OBJECT) as Decoded;
  const spans: SinkSpan[] = [];
  for (const rs of (request.resourceSpans as Decoded[]) ?? []) {
    const resource = attributes((rs.resource as Decoded | undefined)?.attributes as Decoded[]);
    for (const ss of (rs.scopeSpans as Decoded[]) ?? []) {
      const scope = (ss.scope as Decoded | undefined) ?? {};
      for (const span of (ss.spans as Decoded[]) ?? []) {
        const status = (span.status as Decoded | undefined) ?? {};
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: (span.name as string) ?? '',
          kind: (span.kind as number) ?? 0,
          startTimeUnixNano: BigInt((span.startTimeUnixNano as string) ?? 0),
          endTimeUnixNano: BigInt((span.endTimeUnixNano as string) ?? 0),
          attributes: attributes(span.attributes as Decoded[]),
          events: ((span.events as Decoded[]) ?? []).map((event) => ({
            name: (event.name as string) ?? '',
            timeUnixNano: BigInt((event.timeUnixNano as string) ?? 0),
            attributes: attributes(event.attributes as Decoded[]),
          })),
          status: { code: (status.code as number) ?? 0, message: (status.message as string) ?? '' },
          resource,
          scope: { name: (scope.name as string) ?? '', version: (scope.version as string) ?? '' },
        });
      }
    }
  }
  return spans;
}

function decodeMetrics(buffer: Buffer): SinkMetric[] {
  const request = MetricsRequest.toObject(MetricsRequest.decode(buffer), TO_OBJECT) as Decoded;
  const metrics: SinkMetric[] = [];
  for (const rm of (request.resourceMetrics as Decoded[]) ?? []) {
    const resource = attributes((rm.resource as Decoded | undefined)?.attributes as Decoded[]);
    for (const sm of (rm.scopeMetrics as Decoded[]) ?? []) {
      const scope = (sm.scope as Decoded | undefined) ?? {};
      for (const metric of (sm.metrics as Decoded[]) ?? []) {
        const histogram = metric.histogram as Decoded | undefined;
        const sum = metric.sum as Decoded | undefined;
        const points = ((histogram ?? sum)?.dataPoints as Decoded[] | undefined) ?? [];
        metrics.push({
          name: metric.name as string,
          unit: (metric.unit as string) ?? '',
          description: (metric.description as string) ?? '',
          type: histogram ? 'histogram' : sum ? 'sum' : 'other',
          dataPoints: points.map((point) =>
            histogram
              ? {
                  attributes: attributes(point.attributes as Decoded[]),
                  count: Number(point.count ?? 0),
                  sum: point.sum as number | undefined,
                  bucketCounts: ((point.bucketCounts as string[]) ?? []).map(Number),
                  explicitBounds: (point.explicitBounds as number[]) ?? [],
                }
              : {
                  attributes: attributes(point.attributes as Decoded[]),
                  value: Number(point.asDouble ?? point.asInt ?? 0),
                },
          ),
          resource,
          scope: { name: (scope.name as string) ?? '', version: (scope.version as string) ?? '' },
        });
      }
    }
  }
  return metrics;
}

function rawMethod(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  const identity = (buffer: Buffer): Buffer => buffer;
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const server = new grpc.Server();
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((check) => check());

  const sink: OtlpSink = {
    endpoint: '',
    spans: [],
    metrics: [],
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(sink)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `OTLP sink: condition not met within ${timeoutMs} ms (${sink.spans.length} spans, ${sink.metrics.length} metrics)`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    clear() {
      sink.spans.length = 0;
      sink.metrics.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };

  const handler =
    (decode: (buffer: Buffer) => void): grpc.handleUnaryCall<Buffer, Buffer> =>
    (call, callback) => {
      try {
        decode(call.request);
      } catch (err) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: String(err) });
        return;
      }
      // An empty Export*ServiceResponse: full success.
      callback(null, Buffer.alloc(0));
      notify();
    };

  server.addService(
    { Export: rawMethod('/opentelemetry.proto.collector.trace.v1.TraceService/Export') },
    { Export: handler((buffer) => sink.spans.push(...decodeSpans(buffer))) },
  );
  server.addService(
    { Export: rawMethod('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export') },
    { Export: handler((buffer) => sink.metrics.push(...decodeMetrics(buffer))) },
  );

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  sink.endpoint = `http://127.0.0.1:${port}`;
  return sink;
}
