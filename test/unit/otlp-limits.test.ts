import * as protobuf from 'protobufjs';
import { decodeTraceExportJson } from '../../collector/src/receiver/otlp/decode/decode-json';
import { decodeTraceExportProtobuf } from '../../collector/src/receiver/otlp/decode/decode-protobuf';
import type { DecodeLimits } from '../../collector/src/receiver/otlp/decode/types';
import type { Span } from '../../collector/src/model/traces';
import { OtlpDecodeError } from '../../collector/src/receiver/otlp/decode/types';
import { ENCODINGS, ROOMY_LIMITS, readableSpan, richSpans } from '../helpers/otlp-fixtures';
import { resourceFromAttributes } from '@opentelemetry/resources';

const resource = resourceFromAttributes({ r1: 1, r2: 2, r3: 3, r4: 4, r5: 5 });
const scope = { name: 'limits' };

function spanWith(
  attributes: Record<string, unknown>,
  events: { name: string; attributes?: Record<string, unknown> }[] = [],
) {
  return readableSpan({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    name: 'limited',
    attributes,
    events: events.map((e, i) => ({ ...e, time: [1_760_000_000, i] })),
    resource,
    scope,
  });
}

const limits = (overrides: Partial<DecodeLimits>): DecodeLimits => ({ ...ROOMY_LIMITS, ...overrides });
const firstSpan = (result: { export: { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] } }) =>
  result.export.resourceSpans[0].scopeSpans[0].spans[0];

function nestedArrays(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function nestedKvlists(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { k: value };
  return value;
}

describe.each(ENCODINGS)('$name limits', ({ decode }) => {
  test('maxSpans counts spans across resources and scopes, and refuses past it', () => {
    const spans = richSpans(); // 4 spans, 2 resources, 3 scopes
    expect(decode(spans, limits({ maxSpans: 4 })).export.spanCount).toBe(4);
    expect(() => decode(spans, limits({ maxSpans: 3 }))).toThrow(OtlpDecodeError);
    expect(() => decode(spans, limits({ maxSpans: 3 }))).toThrow('too many spans in one request (limit 3)');
  });

  test('maxAttributesPerSpan keeps the first ones of each span, event, resource and value', () => {
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, i]));
    const result = decode(
      [
        spanWith({ ...many, list: [1, 2, 3, 4, 5, 6] }, [
          { name: 'e', attributes: { e0: 0, e1: 1, e2: 2, e3: 3, e4: 4, e5: 5 } },
        ]),
      ],
      limits({ maxAttributesPerSpan: 4 }),
    );
    const span = firstSpan(result);
    expect(Object.keys(span.attributes)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(Object.keys(span.events[0].attributes)).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(Object.keys(result.export.resourceSpans[0].resource)).toEqual(['r1', 'r2', 'r3', 'r4']);
    // span: 11 - 4, event: 6 - 4, resource: 5 - 4
    expect(result.stats).toEqual({ droppedAttributes: 7 + 2 + 1, droppedEvents: 0, truncatedValues: 0 });

    const inValue = decode(
      [spanWith({ list: [1, 2, 3, 4, 5, 6], map: { a: 1, b: 2, c: 3, d: 4, e: 5 } })],
      limits({ maxAttributesPerSpan: 4 }),
    );
    expect(firstSpan(inValue).attributes.list).toEqual([1, 2, 3, 4]);
    expect(Object.keys(firstSpan(inValue).attributes.map as object)).toEqual(['a', 'b', 'c', 'd']);
    expect(inValue.stats.droppedAttributes).toBe(2 + 1 + 1); // list, map, resource
  });

  test('maxEventsPerSpan keeps the first events and counts the rest', () => {
    const events = Array.from({ length: 5 }, (_, i) => ({ name: `ev${i}` }));
    const result = decode([spanWith({}, events)], limits({ maxEventsPerSpan: 2 }));
    expect(firstSpan(result).events.map((e) => e.name)).toEqual(['ev0', 'ev1']);
    expect(result.stats.droppedEvents).toBe(3);
  });

  test('maxAttributeValueLength cuts strings in UTF-16 units, never inside a surrogate pair', () => {
    const result = decode(
      [
        spanWith({
          ascii: 'x'.repeat(100),
          latin: 'é'.repeat(100),
          euro: '€'.repeat(100),
          emoji: '😀'.repeat(100), // 2 units each: 11 would split the sixth
          exact: 'y'.repeat(11),
          nested: ['z'.repeat(50), { deeper: 'w'.repeat(50) }],
          bytes: new Uint8Array(100).fill(7),
          short: new Uint8Array([1, 2]),
        }),
      ],
      limits({ maxAttributeValueLength: 11 }),
    );
    const a = firstSpan(result).attributes;
    expect(a.ascii).toBe('x'.repeat(11));
    expect(a.latin).toBe('é'.repeat(11));
    expect(a.euro).toBe('€'.repeat(11));
    expect(a.emoji).toBe('😀'.repeat(5));
    expect(a.exact).toBe('y'.repeat(11));
    expect(a.nested).toEqual(['z'.repeat(11), Object.assign(Object.create(null), { deeper: 'w'.repeat(11) })]);
    expect(a.bytes).toEqual(new Uint8Array(11).fill(7));
    expect(a.short).toEqual(new Uint8Array([1, 2]));
    expect(result.stats.truncatedValues).toBe(7);
  });

  test('a multi-megabyte value is cut without trouble', () => {
    const result = decode([spanWith({ huge: 'é'.repeat(3_000_000) })], limits({ maxAttributeValueLength: 16 }));
    expect(firstSpan(result).attributes.huge).toBe('é'.repeat(16));
    expect(result.stats.truncatedValues).toBe(1);
  });

  test('maxValueDepth allows values nested up to it and refuses deeper ones', () => {
    const ok = decode([spanWith({ arrays: nestedArrays(3), maps: nestedKvlists(3) })], limits({ maxValueDepth: 3 }));
    expect(firstSpan(ok).attributes.arrays).toEqual(nestedArrays(3));
    expect(() => decode([spanWith({ arrays: nestedArrays(4) })], limits({ maxValueDepth: 3 }))).toThrow(
      /nested deeper than 3 levels/,
    );
    expect(() => decode([spanWith({ maps: nestedKvlists(4) })], limits({ maxValueDepth: 3 }))).toThrow(
      /nested deeper than 3 levels/,
    );
    expect(() => decode([spanWith({ flat: [] })], limits({ maxValueDepth: 0 }))).toThrow(/nested deeper than 0 levels/);
    expect(decode([spanWith({ flat: 'scalar' })], limits({ maxValueDepth: 0 })).export.spanCount).toBe(1);
  });

  test('stats belong to one call', () => {
    const spans = [spanWith({ s: 'x'.repeat(20) })];
    const tight = limits({ maxAttributeValueLength: 5 });
    decode(spans, tight);
    expect(decode(spans, tight).stats.truncatedValues).toBe(1);
  });
});

describe('expansion guard', () => {
  // 40 spans x 512 events: 2 bytes each on the wire, ~240 bytes each decoded.
  const emptyEvents = () => {
    const event = protobuf.Writer.create().uint32(0x5a).bytes(new Uint8Array(0)).finish();
    const span = protobuf.Writer.create()
      .uint32(0x12)
      .bytes(Buffer.concat(Array(512).fill(event)))
      .finish();
    const resourceSpans = protobuf.Writer.create()
      .uint32(0x12)
      .bytes(Buffer.concat(Array(40).fill(span)))
      .finish();
    return protobuf.Writer.create().uint32(0x0a).bytes(resourceSpans).finish();
  };
  const generous = limits({ maxEventsPerSpan: 1000 });
  const refusal = /^request decodes to more than 16 times its size/;

  test('a protobuf body of empty events is refused instead of growing the heap 100-fold', () => {
    expect(() => decodeTraceExportProtobuf(emptyEvents(), generous)).toThrow(refusal);
  });

  test('the same shape in JSON is refused too', () => {
    const span = `{"events":[${Array(512).fill('{}').join(',')}]}`;
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[${Array(40).fill(span).join(',')}]}]}]}`;
    expect(() => decodeTraceExportJson(body, generous)).toThrow(refusal);
  });

  test('honest spans with as many events decode', () => {
    const events = Array.from({ length: 512 }, (_, i) => ({
      name: 'gen_ai.choice',
      attributes: { index: i, finish_reason: 'stop' },
    }));
    const spans = Array.from({ length: 40 }, () => spanWith({ 'gen_ai.operation.name': 'chat' }, events));
    for (const { decode } of ENCODINGS) expect(decode(spans, generous).export.spanCount).toBe(40);
  });
});

describe('limits at wire level', () => {
  test('a protobuf value nested 10,000 deep is refused at the cap, not by a stack overflow', () => {
    // AnyValue { array_value { values: AnyValue { array_value { ... } } } }, built inside
    // out; 10,000 levels is 20,000 frames for a decoder that recursed without a cap.
    let value: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 10_000; i++) {
      const array = protobuf.Writer.create().uint32(0x0a).bytes(value).finish(); // ArrayValue.values
      value = protobuf.Writer.create().uint32(0x2a).bytes(array).finish(); // AnyValue.array_value
    }
    const kv = protobuf.Writer.create().uint32(0x0a).string('deep').uint32(0x12).bytes(value).finish();
    const span = protobuf.Writer.create().uint32(0x4a).bytes(kv).finish();
    const scopeSpans = protobuf.Writer.create().uint32(0x12).bytes(span).finish();
    const resourceSpans = protobuf.Writer.create().uint32(0x12).bytes(scopeSpans).finish();
    const request = protobuf.Writer.create().uint32(0x0a).bytes(resourceSpans).finish();
    expect(() => decodeTraceExportProtobuf(request, limits({ maxValueDepth: 8 }))).toThrow(
      /^value at byte \d+: nested deeper than 8 levels$/,
    );
  });

  test('a JSON value nested 30,000 deep is refused at the cap with its path', () => {
    let value = '{"stringValue":"leaf"}';
    for (let i = 0; i < 30_000; i++) value = `{"arrayValue":{"values":[${value}]}}`;
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"deep","value":${value}}]}]}]}]}`;
    expect(() => decodeTraceExportJson(body, limits({ maxValueDepth: 2 }))).toThrow(
      'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue.values[0].arrayValue.values[0].arrayValue: nested deeper than 2 levels',
    );
  });

  test('protobuf strings are cut exactly like a full lossy decode, for any bytes', () => {
    // Random byte strings (valid and invalid UTF-8 alike) against every small cap.
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const alphabet = [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xed, 0xa0, 0x80, 0x80];
    for (let round = 0; round < 2000; round++) {
      const raw = Uint8Array.from({ length: next() % 40 }, () => alphabet[next() % alphabet.length]);
      const max = next() % 12;
      const value = protobuf.Writer.create().uint32(0x0a).bytes(raw).finish(); // AnyValue.string_value
      const kv = protobuf.Writer.create().uint32(0x0a).string('k').uint32(0x12).bytes(value).finish();
      const span = protobuf.Writer.create().uint32(0x4a).bytes(kv).finish();
      const scopeSpans = protobuf.Writer.create().uint32(0x12).bytes(span).finish();
      const resourceSpans = protobuf.Writer.create().uint32(0x12).bytes(scopeSpans).finish();
      const request = protobuf.Writer.create().uint32(0x0a).bytes(resourceSpans).finish();

      const result = decodeTraceExportProtobuf(request, limits({ maxAttributeValueLength: max }));
      const full = Buffer.from(raw).toString('utf8');
      let expected = full.length > max ? full.slice(0, max) : full;
      const last = expected.charCodeAt(expected.length - 1);
      if (full.length > max && last >= 0xd800 && last <= 0xdbff) expected = expected.slice(0, -1);
      expect(firstSpan(result).attributes.k).toBe(expected);
      expect(result.stats.truncatedValues).toBe(full.length > max ? 1 : 0);
    }
  });
});
