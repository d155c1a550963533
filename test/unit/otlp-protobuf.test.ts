import { decodeTraceExportProtobuf } from '../../collector/src/receiver/otlp/decode/decode-protobuf';
import { OtlpDecodeError } from '../../collector/src/receiver/otlp/decode/types';
import {
  CANARY,
  ROOMY_LIMITS,
  encodeWithProtobufjs,
  expectedExport,
  otlpProtoRoot,
  richSpans,
  toProtobuf,
  typicalGenAiSpan,
} from '../helpers/otlp-fixtures';

const decode = (bytes: Uint8Array | number[]) =>
  decodeTraceExportProtobuf(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes), ROOMY_LIMITS);

function decodeError(bytes: Uint8Array | number[]): OtlpDecodeError {
  try {
    decode(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(OtlpDecodeError);
    return err as OtlpDecodeError;
  }
  throw new Error('expected the decoder to refuse the input');
}

describe('protobuf round trip through the OTel exporter serializer', () => {
  test('every field of every span, resource and scope comes back', () => {
    const spans = richSpans();
    const result = decode(toProtobuf(spans));
    expect(result.export).toStrictEqual(expectedExport(spans));
    expect(result.stats).toEqual({ droppedAttributes: 0, droppedEvents: 0, truncatedValues: 0 });
  });

  test('values land in the documented JS types', () => {
    const span = decode(toProtobuf(richSpans())).export.resourceSpans[0].scopeSpans[0].spans[0];
    const a = span.attributes;
    expect(Object.getPrototypeOf(a)).toBeNull();
    expect(a.big).toBe(2n ** 60n);
    expect(a.big_negative).toBe(-(2n ** 60n));
    expect(a.max_safe).toBe(Number.MAX_SAFE_INTEGER);
    expect(a.negative).toBe(-7);
    expect(a.bytes).toBeInstanceOf(Uint8Array);
    expect(Object.getOwnPropertyNames(a)).toContain('__proto__');
    expect(span.kind).toBe(2); // SERVER: the API's 1, plus one
    expect(span.startTimeUnixNano).toBe(1_760_000_000_123_456_789n);
  });

  test('a typical GenAI span keeps its 2 KB message JSON intact', () => {
    const spans = [typicalGenAiSpan(0), typicalGenAiSpan(1)];
    const result = decode(toProtobuf(spans));
    expect(result.export).toStrictEqual(expectedExport(spans));
    expect(
      String(result.export.resourceSpans[0].scopeSpans[0].spans[0].attributes['gen_ai.input.messages']).length,
    ).toBeGreaterThan(2000);
  });

  test('a bytes value is a copy, not a view that pins the request body', () => {
    const body = toProtobuf(richSpans());
    const bytes = decode(body).export.resourceSpans[0].scopeSpans[0].spans[0].attributes.bytes as Uint8Array;
    expect(bytes.buffer).not.toBe(body.buffer);
    expect(bytes.byteLength).toBe(bytes.buffer.byteLength);
  });
});

describe('protobuf built by protobufjs', () => {
  const request = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }], droppedAttributesCount: 3 },
        schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
        scopeSpans: [
          {
            scope: { name: 'lib', version: '2.0', attributes: [{ key: 'scope.attr', value: { boolValue: true } }] },
            schemaUrl: 'https://example.com/schema',
            spans: [
              {
                traceId: Buffer.from('0123456789abcdef0123456789abcdef', 'hex'),
                spanId: Buffer.from('0123456789abcdef', 'hex'),
                parentSpanId: Buffer.from('fedcba9876543210', 'hex'),
                traceState: 'a=b',
                flags: 0x301,
                name: 'span',
                kind: 3,
                startTimeUnixNano: '1760000000000000001',
                endTimeUnixNano: '18446744073709551615',
                attributes: [
                  { key: 'int64.max', value: { intValue: '9223372036854775807' } },
                  { key: 'int64.min', value: { intValue: '-9223372036854775808' } },
                  { key: 'minus.one', value: { intValue: '-1' } },
                  { key: 'safe.edge', value: { intValue: '-9007199254740991' } },
                  { key: 'past.safe', value: { intValue: '9007199254740992' } },
                  { key: 'nan', value: { doubleValue: NaN } },
                  { key: 'inf', value: { doubleValue: -Infinity } },
                  { key: 'empty', value: {} },
                  { key: 'no.value' },
                  { key: 'dup', value: { stringValue: 'first' } },
                  { key: 'dup', value: { stringValue: 'last wins' } },
                  {
                    key: 'deep',
                    value: {
                      kvlistValue: {
                        values: [{ key: 'k', value: { arrayValue: { values: [{ bytesValue: Buffer.from([9]) }] } } }],
                      },
                    },
                  },
                ],
                droppedAttributesCount: 5,
                events: [
                  {
                    timeUnixNano: '42',
                    name: 'ev',
                    attributes: [{ key: 'e', value: { doubleValue: 0.5 } }],
                    droppedAttributesCount: 1,
                  },
                ],
                droppedEventsCount: 2,
                links: [
                  {
                    traceId: Buffer.alloc(16, 1),
                    spanId: Buffer.alloc(8, 2),
                    attributes: [{ key: 'l', value: { stringValue: CANARY } }],
                  },
                ],
                droppedLinksCount: 4,
                status: { code: 2, message: 'boom' },
              },
              // An unknown kind and status code are kept as numbers (proto3 enums are open).
              {
                traceId: Buffer.alloc(16, 0xab),
                spanId: Buffer.alloc(8, 0xcd),
                name: 'odd',
                kind: 9,
                status: { code: 7 },
              },
            ],
          },
        ],
      },
    ],
  };

  const extras = {
    xVarint: '18446744073709551615',
    xFixed64: '1',
    xText: CANARY,
    xMessage: { note: CANARY, children: [{ note: 'nested' }] },
    xFixed32: 7,
    xPacked: ['-1', '2', '-300'],
  };

  /** Adds the unknown fields to every message object of the request, recursively. */
  function withExtras(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withExtras);
    if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
    const out: Record<string, unknown> = { ...extras };
    for (const [k, v] of Object.entries(value)) out[k] = withExtras(v);
    return out;
  }

  const expectedSpan = {
    traceId: '0123456789abcdef0123456789abcdef',
    spanId: '0123456789abcdef',
    parentSpanId: 'fedcba9876543210',
    name: 'span',
    kind: 3,
    startTimeUnixNano: 1_760_000_000_000_000_001n,
    endTimeUnixNano: 2n ** 64n - 1n,
    attributes: Object.assign(Object.create(null), {
      'int64.max': 2n ** 63n - 1n,
      'int64.min': -(2n ** 63n),
      'minus.one': -1,
      'safe.edge': -Number.MAX_SAFE_INTEGER,
      'past.safe': 2n ** 53n,
      nan: NaN,
      inf: -Infinity,
      empty: null,
      'no.value': null,
      dup: 'last wins',
      deep: Object.assign(Object.create(null), { k: [new Uint8Array([9])] }),
    }),
    events: [{ name: 'ev', timeUnixNano: 42n, attributes: Object.assign(Object.create(null), { e: 0.5 }) }],
    statusCode: 2,
    statusMessage: 'boom',
  };

  test('int64 extremes, NaN, empty values, duplicate keys, unknown enums', () => {
    const result = decode(encodeWithProtobufjs(otlpProtoRoot(false), request));
    const [resourceSpans] = result.export.resourceSpans;
    expect(resourceSpans.resource).toStrictEqual(Object.assign(Object.create(null), { 'service.name': 'svc' }));
    expect(resourceSpans.scopeSpans[0].scope).toStrictEqual({ name: 'lib', version: '2.0' });
    const [span, odd] = resourceSpans.scopeSpans[0].spans;
    expect(span).toStrictEqual(expectedSpan);
    expect(odd.kind).toBe(9);
    expect(odd.statusCode).toBe(7);
    expect(result.export.spanCount).toBe(2);
  });

  test('unknown fields of every wire type, in every message, are skipped', () => {
    const plain = encodeWithProtobufjs(otlpProtoRoot(false), request);
    const extended = encodeWithProtobufjs(otlpProtoRoot(true), withExtras(request) as object);
    expect(extended.length).toBeGreaterThan(plain.length + 1000);
    expect(decode(extended)).toStrictEqual(decode(plain));
  });
});

describe('protobuf wire-level edge cases', () => {
  test('an empty body is an empty export', () => {
    expect(decode([])).toStrictEqual({
      export: { resourceSpans: [], spanCount: 0 },
      stats: { droppedAttributes: 0, droppedEvents: 0, truncatedValues: 0 },
    });
  });

  test('envelopes without spans are dropped', () => {
    // resource_spans { resource {} scope_spans { scope { name: "x" } } }, then resource_spans {}
    const result = decode([0x0a, 0x09, 0x0a, 0x00, 0x12, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0x78, 0x0a, 0x00]);
    expect(result.export).toStrictEqual({ resourceSpans: [], spanCount: 0 });
  });

  test('a known field with an unexpected wire type is skipped like an unknown one', () => {
    // span { name as varint 5 (tag 0x28), kind as length-delimited (tag 0x32 "ab") }
    const span = [0x28, 0x05, 0x32, 0x02, 0x61, 0x62];
    const scopeSpans = [0x12, span.length, ...span];
    const bytes = [0x0a, scopeSpans.length + 2, 0x12, scopeSpans.length, ...scopeSpans];
    const decoded = decode(bytes).export.resourceSpans[0].scopeSpans[0].spans[0];
    expect(decoded.name).toBe('');
    expect(decoded.kind).toBe(0);
  });

  test('invalid UTF-8 is decoded lossily', () => {
    const name = [0x61, 0xff, 0x62];
    const span = [0x2a, name.length, ...name];
    const bytes = [0x0a, span.length + 4, 0x12, span.length + 2, 0x12, span.length, ...span];
    expect(decode(bytes).export.resourceSpans[0].scopeSpans[0].spans[0].name).toBe('a\ufffdb');
  });

  test.each([
    ['a truncated varint', [0x08, 0x80], /truncated field at byte 1/],
    ['a varint longer than 10 bytes', [0x08, ...Array(10).fill(0xff), 0x01], /varint longer than 64 bits at byte 1/],
    ['a 10th varint byte with more than one bit', [0x08, ...Array(9).fill(0xff), 0x02], /varint longer than 64 bits/],
    ['a length past the end', [0x0a, 0x05, 0x00], /length at byte 1 runs past the end/],
    ['a huge length', [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], /length at byte 1 runs past the end/],
    [
      'a length past the end of its parent',
      [0x0a, 0x02, 0x12, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00],
      /length at byte 3 runs past the end/,
    ],
    ['a truncated fixed64', [0x09, 0x01, 0x02], /truncated field at byte 1/],
    ['a truncated fixed32', [0x0d, 0x01], /truncated field at byte 1/],
    ['a group', [0x0b, 0x0c], /group fields are not supported/],
    ['an end-group', [0x0c], /group fields are not supported/],
    ['wire type 6', [0x0e], /invalid wire type 6/],
    ['wire type 7', [0x0f], /invalid wire type 7/],
    ['field number 0', [0x02, 0x00], /field number 0/],
    ['a tag past 32 bits', [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], /field tag out of range at byte 0/],
  ])('refuses %s', (_what, bytes, message) => {
    expect(decodeError(bytes).message).toMatch(message);
  });

  test('errors deep in a span report the byte offset', () => {
    const good = toProtobuf([typicalGenAiSpan(0)]);
    const cut = good.subarray(0, good.length - 3);
    expect(decodeError(cut).message).toMatch(/at byte \d+/);
  });
});
