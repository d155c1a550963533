import type { HrTime } from '@opentelemetry/api';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { decodeLogsExportJson } from '../../collector/src/receiver/otlp/decode/decode-json';
import { decodeLogsExportProtobuf } from '../../collector/src/receiver/otlp/decode/decode-protobuf';
import { OtlpDecodeError, type DecodeLimits, type DecodeResult } from '../../collector/src/receiver/otlp/decode/types';
import type { LogRecord, LogsExport } from '../../collector/src/model/logs';
import type { AnyValue, KeyValueList } from '../../collector/src/model/traces';
import { CANARY, hrTimeToNanos, ROOMY_LIMITS } from '../helpers/otlp-fixtures';

/**
 * OTLP logs exports as the official serializers (the ones the OTel log exporters use) write
 * them, decoded by both decoders into the same LogsExport.
 */

type Scope = ReadableLogRecord['instrumentationScope'];

interface RecordInit {
  eventName?: string;
  body?: unknown;
  attributes?: Record<string, unknown>;
  traceId?: string;
  spanId?: string;
  time?: HrTime;
  observed?: HrTime;
  resource?: Resource;
  scope?: Scope;
}

const RESOURCE = resourceFromAttributes({ 'service.name': 'checkout', 'service.instance.id': CANARY });
const SCOPE: Scope = { name: '@ai-audit/instrumentation', version: '0.1.0' };
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

function logRecord(init: RecordInit): ReadableLogRecord {
  return {
    hrTime: init.time ?? [1_760_000_000, 123_456_789],
    hrTimeObserved: init.observed ?? [1_760_000_000, 223_456_789],
    spanContext: init.traceId ? { traceId: init.traceId, spanId: init.spanId ?? '', traceFlags: 1 } : undefined,
    // Read past by the decoders: carries content that must never come back.
    severityNumber: 9,
    severityText: `INFO ${CANARY}`,
    body: init.body as ReadableLogRecord['body'],
    eventName: init.eventName,
    resource: init.resource ?? RESOURCE,
    instrumentationScope: init.scope ?? SCOPE,
    attributes: (init.attributes ?? {}) as ReadableLogRecord['attributes'],
    droppedAttributesCount: 0,
  };
}

/** The GenAI events a chat call emits: a kvlist body, an array in it, a string body, none at all. */
function genAiRecords(): ReadableLogRecord[] {
  const other = resourceFromAttributes({ 'service.name': 'worker' });
  return [
    logRecord({
      eventName: 'gen_ai.client.inference.operation.details',
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      body: {
        'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `hi ${CANARY}` }] }],
        'gen_ai.usage.input_tokens': 812,
        temperature: 0.7,
        stream: false,
      },
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        bytes: new Uint8Array([0, 255]),
      },
    }),
    logRecord({
      eventName: 'gen_ai.user.message',
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      body: `plain ${CANARY}`,
      attributes: { 'gen_ai.system': 'openai' },
      scope: { name: 'other-scope' },
    }),
    logRecord({ time: [0, 0], observed: [18_446_744_073, 709_551_615], resource: other }),
  ];
}

function toProtobuf(records: ReadableLogRecord[]): Uint8Array {
  const bytes = ProtobufLogsSerializer.serializeRequest(records);
  if (!bytes) throw new Error('serializer returned nothing');
  return bytes;
}

function toJson(records: ReadableLogRecord[]): Buffer {
  const bytes = JsonLogsSerializer.serializeRequest(records);
  if (!bytes) throw new Error('serializer returned nothing');
  return Buffer.from(bytes);
}

/** Attributes and kvlists decode to null-prototype objects; so must the expectation. */
function dict(entries: Record<string, AnyValue>): KeyValueList {
  return Object.assign(Object.create(null) as KeyValueList, entries);
}

function expectedRecord(record: Partial<LogRecord>): LogRecord {
  return {
    timeUnixNano: hrTimeToNanos([1_760_000_000, 123_456_789]),
    observedTimeUnixNano: hrTimeToNanos([1_760_000_000, 223_456_789]),
    eventName: '',
    body: null,
    attributes: dict({}),
    traceId: '',
    spanId: '',
    ...record,
  };
}

const EXPECTED: LogsExport = {
  resourceLogs: [
    {
      resource: dict({ 'service.name': 'checkout', 'service.instance.id': CANARY }),
      scopeLogs: [
        {
          scope: { name: '@ai-audit/instrumentation', version: '0.1.0' },
          logRecords: [
            expectedRecord({
              eventName: 'gen_ai.client.inference.operation.details',
              body: dict({
                'gen_ai.input.messages': [
                  dict({ role: 'user', parts: [dict({ type: 'text', content: `hi ${CANARY}` })] }),
                ],
                'gen_ai.usage.input_tokens': 812,
                temperature: 0.7,
                stream: false,
              }),
              attributes: dict({
                'gen_ai.operation.name': 'chat',
                'gen_ai.request.model': 'gpt-4o',
                bytes: new Uint8Array([0, 255]),
              }),
              traceId: TRACE_ID,
              spanId: SPAN_ID,
            }),
          ],
        },
        {
          scope: { name: 'other-scope', version: '' },
          logRecords: [
            expectedRecord({
              eventName: 'gen_ai.user.message',
              body: `plain ${CANARY}`,
              attributes: dict({ 'gen_ai.system': 'openai' }),
              traceId: TRACE_ID,
              spanId: SPAN_ID,
            }),
          ],
        },
      ],
    },
    {
      resource: dict({ 'service.name': 'worker' }),
      scopeLogs: [
        {
          scope: { name: '@ai-audit/instrumentation', version: '0.1.0' },
          logRecords: [expectedRecord({ timeUnixNano: 0n, observedTimeUnixNano: (1n << 64n) - 1n })],
        },
      ],
    },
  ],
  recordCount: 3,
};

const ENCODINGS: {
  name: string;
  decode: (records: ReadableLogRecord[], limits: DecodeLimits) => DecodeResult<LogsExport>;
}[] = [
  { name: 'protobuf', decode: (records, limits) => decodeLogsExportProtobuf(toProtobuf(records), limits) },
  { name: 'json', decode: (records, limits) => decodeLogsExportJson(toJson(records), limits) },
];

/** A record under a resource with no long values, for tests that count what the caps cut. */
const limited = (init: RecordInit): ReadableLogRecord =>
  logRecord({ resource: resourceFromAttributes({ 'service.name': 'limits' }), ...init });
const limits = (overrides: Partial<DecodeLimits>): DecodeLimits => ({ ...ROOMY_LIMITS, ...overrides });
const firstRecord = (result: DecodeResult<LogsExport>): LogRecord =>
  result.export.resourceLogs[0].scopeLogs[0].logRecords[0];

function nestedArrays(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** The error a decode throws, checked to be an OtlpDecodeError that quotes no content. */
function refusal(decode: () => unknown): string {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(OtlpDecodeError);
    const { message } = error as OtlpDecodeError;
    expect(message).not.toContain(CANARY);
    return message;
  }
  throw new Error('expected the request to be refused');
}

describe('OTLP logs decoding', () => {
  test('protobuf and JSON decode the same LogsExport, as the serializers wrote it', () => {
    const records = genAiRecords();
    const fromProtobuf = decodeLogsExportProtobuf(toProtobuf(records), ROOMY_LIMITS);
    const fromJson = decodeLogsExportJson(toJson(records), ROOMY_LIMITS);
    expect(fromProtobuf.export).toStrictEqual(EXPECTED);
    expect(fromJson.export).toStrictEqual(EXPECTED);
    expect(fromProtobuf.stats).toEqual({ droppedAttributes: 0, droppedEvents: 0, truncatedValues: 0 });
    expect(fromJson.stats).toEqual(fromProtobuf.stats);
  });

  test('JSON takes a string body too, and numbers for the times', () => {
    const text = JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: 1_760_000_000_000,
                  observedTimeUnixNano: '1760000000000000001',
                  eventName: 'gen_ai.choice',
                  traceId: TRACE_ID.toUpperCase(),
                  spanId: SPAN_ID,
                  body: { intValue: '-9223372036854775808' },
                  severityNumber: 'SEVERITY_NUMBER_INFO',
                  flags: 1,
                },
              ],
            },
          ],
        },
      ],
    });
    expect(decodeLogsExportJson(text, ROOMY_LIMITS).export).toStrictEqual({
      resourceLogs: [
        {
          resource: dict({}),
          scopeLogs: [
            {
              scope: { name: '', version: '' },
              logRecords: [
                expectedRecord({
                  timeUnixNano: 1_760_000_000_000n,
                  observedTimeUnixNano: 1_760_000_000_000_000_001n,
                  eventName: 'gen_ai.choice',
                  traceId: TRACE_ID,
                  spanId: SPAN_ID,
                  body: -(2n ** 63n),
                }),
              ],
            },
          ],
        },
      ],
      recordCount: 1,
    });
  });

  test('resources and scopes without log records are left out', () => {
    const empty = { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [] }, {}] }, {}] };
    expect(decodeLogsExportJson(JSON.stringify(empty), ROOMY_LIMITS).export).toStrictEqual({
      resourceLogs: [],
      recordCount: 0,
    });
    // ResourceLogs { scope_logs { } }, then ResourceLogs { }.
    const bytes = Uint8Array.of(0x0a, 0x02, 0x12, 0x00, 0x0a, 0x00);
    expect(decodeLogsExportProtobuf(bytes, ROOMY_LIMITS).export).toStrictEqual({ resourceLogs: [], recordCount: 0 });
  });
});

describe.each(ENCODINGS)('$name logs limits', ({ name, decode }) => {
  test('maxSpans caps the log records of one request', () => {
    const records = genAiRecords(); // 3 records, 2 resources, 3 scopes
    expect(decode(records, limits({ maxSpans: 3 })).export.recordCount).toBe(3);
    expect(refusal(() => decode(records, limits({ maxSpans: 2 })))).toBe(
      'too many log records in one request (limit 2)',
    );
  });

  test('a long body string is cut and counted, at the top and nested', () => {
    const long = `${CANARY}${'x'.repeat(100)}`;
    const top = decode([limited({ body: long })], limits({ maxAttributeValueLength: 10 }));
    expect(firstRecord(top).body).toBe(long.slice(0, 10));
    expect(top.stats.truncatedValues).toBe(1);
    const nested = decode(
      [limited({ body: { content: long, list: [long] } })],
      limits({ maxAttributeValueLength: 10 }),
    );
    expect(firstRecord(nested).body).toStrictEqual(dict({ content: long.slice(0, 10), list: [long.slice(0, 10)] }));
    expect(nested.stats.truncatedValues).toBe(2);
  });

  test('kvlist entries of a body and attributes of a record past the cap are dropped and counted', () => {
    const result = decode(
      [limited({ body: { a: 1, b: 2, c: 3 }, attributes: { x: 1, y: 2, z: 3 } })],
      limits({ maxAttributesPerSpan: 2 }),
    );
    expect(firstRecord(result).body).toStrictEqual(dict({ a: 1, b: 2 }));
    expect(firstRecord(result).attributes).toStrictEqual(dict({ x: 1, y: 2 }));
    // body 1, attributes 1
    expect(result.stats.droppedAttributes).toBe(2);
  });

  test('a body nested deeper than maxValueDepth refuses the request', () => {
    expect(decode([limited({ body: nestedArrays(2) })], limits({ maxValueDepth: 2 })).export.recordCount).toBe(1);
    const message = refusal(() => decode([limited({ body: nestedArrays(3) })], limits({ maxValueDepth: 2 })));
    expect(message).toEqual(
      name === 'json'
        ? 'resourceLogs[0].scopeLogs[0].logRecords[0].body.arrayValue.values[0].arrayValue.values[0].arrayValue: nested deeper than 2 levels'
        : expect.stringMatching(/^value at byte \d+: nested deeper than 2 levels$/),
    );
    // A scalar body is depth 0, allowed even when no nesting is.
    expect(firstRecord(decode([limited({ body: 'flat' })], limits({ maxValueDepth: 0 }))).body).toBe('flat');
  });
});

describe('malformed logs requests', () => {
  const request = (record: Record<string, unknown>) =>
    JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [record] }] }] });
  const at = 'resourceLogs[0].scopeLogs[0].logRecords[0]';

  test.each([
    [
      { timeUnixNano: `${CANARY}` },
      `${at}.timeUnixNano: expected an unsigned 64-bit integer (decimal string or number)`,
    ],
    [
      { observedTimeUnixNano: -1 },
      `${at}.observedTimeUnixNano: expected an unsigned 64-bit integer (decimal string or number)`,
    ],
    [{ eventName: 42 }, `${at}.eventName: expected a string`],
    [{ body: { stringValue: 42 } }, `${at}.body.stringValue: expected a string`],
    [{ body: CANARY }, `${at}.body: expected an AnyValue object`],
    [
      { body: { kvlistValue: { values: [{ key: 'k', value: { boolValue: CANARY } }] } } },
      `${at}.body.kvlistValue.values[0].value.boolValue: expected true or false`,
    ],
    [
      { attributes: [{ key: CANARY, value: { intValue: CANARY } }] },
      `${at}.attributes[0].value.intValue: expected a 64-bit integer (number or decimal string)`,
    ],
    [{ traceId: `zz${CANARY}` }, `${at}.traceId: expected a hex string`],
    [{ spanId: 7 }, `${at}.spanId: expected a hex string`],
  ])('JSON %j is refused by its path: %s', (record, message) => {
    expect(refusal(() => decodeLogsExportJson(request(record), ROOMY_LIMITS))).toBe(message);
  });

  test.each([
    [{ resourceLogs: {} }, 'resourceLogs: expected an array'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: [null] }] }] }, `${at}: expected an object`],
    [
      { resourceLogs: [{ scopeLogs: [{ logRecords: CANARY }] }] },
      'resourceLogs[0].scopeLogs[0].logRecords: expected an array',
    ],
    [
      { resourceLogs: [{ scopeLogs: [{ scope: { name: 1 } }] }] },
      'resourceLogs[0].scopeLogs[0].scope.name: expected a string',
    ],
    [[CANARY], 'request body must be a JSON object'],
  ])('JSON envelope %j is refused by its path', (body, message) => {
    expect(refusal(() => decodeLogsExportJson(JSON.stringify(body), ROOMY_LIMITS))).toBe(message);
  });

  test('invalid JSON is refused by its byte offset', () => {
    const text = `{"resourceLogs": [${CANARY}]}`;
    expect(refusal(() => decodeLogsExportJson(text, ROOMY_LIMITS))).toMatch(/^invalid JSON at byte 18: /);
  });

  test('truncated or overlong protobuf is refused by its byte offset', () => {
    const bytes = toProtobuf(genAiRecords());
    for (const cut of [1, 7, 40, bytes.length - 3]) {
      expect(refusal(() => decodeLogsExportProtobuf(bytes.subarray(0, cut), ROOMY_LIMITS))).toMatch(/at byte \d+/);
    }
    // A body whose length runs past its log record: ResourceLogs { ScopeLogs { LogRecord { body (length 9) } } }.
    const overlong = Uint8Array.of(0x0a, 0x08, 0x12, 0x06, 0x12, 0x04, 0x2a, 0x09, 0x0a, 0x00);
    expect(refusal(() => decodeLogsExportProtobuf(overlong, ROOMY_LIMITS))).toBe(
      'length at byte 7 runs past the end of its message',
    );
  });

  test('a known field with an unexpected wire type is skipped, as protobuf-go does', () => {
    // LogRecord { event_name as a varint (field 12, wire type 0) = 1 }
    const bytes = Uint8Array.of(0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x60, 0x01);
    expect(decodeLogsExportProtobuf(bytes, ROOMY_LIMITS).export.resourceLogs[0].scopeLogs[0].logRecords).toStrictEqual([
      expectedRecord({ timeUnixNano: 0n, observedTimeUnixNano: 0n }),
    ]);
  });
});
