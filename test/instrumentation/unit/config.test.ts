import { plainHttpRemoteHost, readConfig } from '../../../instrumentation/src/config';

test('defaults: gRPC to localhost:4317, content on spans, metrics off', () => {
  expect(readConfig({})).toEqual({
    disabled: false,
    tracesEndpoint: 'http://localhost:4317',
    metricsEndpoint: undefined,
    contentCapture: 'span_only',
    userHeader: undefined,
    warnings: [],
  });
});

test('standard variables', () => {
  const config = readConfig({
    OTEL_SDK_DISABLED: 'TRUE',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces:4317',
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://metrics:4317',
    AI_AUDIT_USER_HEADER: ' X-User ',
  });
  expect(config).toMatchObject({
    disabled: true,
    tracesEndpoint: 'https://traces:4317',
    metricsEndpoint: 'https://metrics:4317',
    userHeader: 'x-user',
  });
  expect(
    readConfig({ OTEL_METRICS_EXPORTER: 'console,otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317' })
      .metricsEndpoint,
  ).toBe('https://c:4317');
  expect(readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317' }).metricsEndpoint).toBeUndefined();
});

test.each([
  ['true', 'span_only'],
  ['False', 'no_content'],
  ['no_content', 'no_content'],
  ['EVENT_ONLY', 'event_only'],
  ['span_and_event', 'span_and_event'],
])('capture %s -> %s', (value, mode) => {
  expect(readConfig({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: value })).toMatchObject({
    contentCapture: mode,
    warnings: [],
  });
});

test('plain HTTP to another host is flagged; TLS, loopback and unparsable endpoints are not', () => {
  expect(plainHttpRemoteHost('http://collector.prod:4317')).toBe('collector.prod:4317');
  expect(plainHttpRemoteHost('http://10.0.0.5:4317')).toBe('10.0.0.5:4317');
  for (const endpoint of [
    'https://collector.prod:4317',
    'http://localhost:4317',
    'http://127.0.0.9:4317',
    'http://[::1]:4317',
    'collector:4317',
  ]) {
    expect(plainHttpRemoteHost(endpoint)).toBeUndefined();
  }
});
