import { decodeTraceExportJson } from '../../collector/src/receiver/otlp/decode/decode-json';
import { OtlpDecodeError } from '../../collector/src/receiver/otlp/decode/types';
import type { Span } from '../../collector/src/model/traces';
import { CANARY, ROOMY_LIMITS, expectedExport, richSpans, toJson, typicalGenAiSpan } from '../helpers/otlp-fixtures';

const decode = (body: string | Buffer) => decodeTraceExportJson(body, ROOMY_LIMITS);

/** A request around one span object, as OTLP/JSON. */
function oneSpan(span: object, extra: object = {}): string {
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }], ...extra });
}

function firstSpan(body: string | Buffer): Span {
  return decode(body).export.resourceSpans[0].scopeSpans[0].spans[0];
}

function decodeError(body: string | Buffer): string {
  try {
    decode(body);
  } catch (err) {
    expect(err).toBeInstanceOf(OtlpDecodeError);
    const message = (err as Error).message;
    expect(message).not.toContain(CANARY);
    return message;
  }
  throw new Error('expected the decoder to refuse the input');
}

const attrs = (o: object) => Object.assign(Object.create(null), o);
const PATH = 'resourceSpans[0].scopeSpans[0].spans[0]';

describe('OTLP/JSON round trip through the OTel exporter serializer', () => {
  test('every field of every span, resource and scope comes back (Buffer body)', () => {
    const spans = richSpans();
    const result = decode(toJson(spans));
    expect(result.export).toStrictEqual(expectedExport(spans));
    expect(result.stats).toEqual({ droppedAttributes: 0, droppedEvents: 0, truncatedValues: 0 });
  });

  test('a string body decodes the same', () => {
    const spans = [typicalGenAiSpan(0), typicalGenAiSpan(1)];
    expect(decode(toJson(spans).toString('utf8')).export).toStrictEqual(expectedExport(spans));
  });
});

describe('OTLP/JSON mapping (opentelemetry-proto docs/specification.md)', () => {
  test('hex ids are case-insensitive and come back lowercase', () => {
    const span = firstSpan(
      oneSpan({ traceId: '5B8EFFF798038103D269B633813FC60C', spanId: 'EEE19B7EC3C1B174', parentSpanId: '' }),
    );
    expect(span.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(span.spanId).toBe('eee19b7ec3c1b174');
    expect(span.parentSpanId).toBe('');
  });

  test('enums as integers, and leniently as names', () => {
    expect(firstSpan(oneSpan({ kind: 3, status: { code: 2 } }))).toMatchObject({ kind: 3, statusCode: 2 });
    expect(firstSpan(oneSpan({ kind: 'SPAN_KIND_CONSUMER', status: { code: 'STATUS_CODE_OK' } }))).toMatchObject({
      kind: 5,
      statusCode: 1,
    });
    expect(firstSpan(oneSpan({ kind: 42 })).kind).toBe(42); // open enum
  });

  test('64-bit integers as strings or numbers', () => {
    const span = firstSpan(
      oneSpan({
        startTimeUnixNano: '1760000000123456789',
        endTimeUnixNano: 1_000_000,
        attributes: [
          { key: 'str', value: { intValue: '9223372036854775807' } },
          { key: 'neg', value: { intValue: '-9223372036854775808' } },
          { key: 'small', value: { intValue: '-12' } },
          { key: 'num', value: { intValue: 7 } },
          { key: 'exp', value: { intValue: 1e3 } },
        ],
      }),
    );
    expect(span.startTimeUnixNano).toBe(1_760_000_000_123_456_789n);
    expect(span.endTimeUnixNano).toBe(1_000_000n);
    expect(span.attributes).toStrictEqual(
      attrs({ str: 2n ** 63n - 1n, neg: -(2n ** 63n), small: -12, num: 7, exp: 1000 }),
    );
  });

  test('doubles as numbers or the proto3 JSON strings', () => {
    const values = ['NaN', 'Infinity', '-Infinity', '1.5', '-2e3', 0.25];
    const span = firstSpan(
      oneSpan({ attributes: values.map((v, i) => ({ key: `d${i}`, value: { doubleValue: v } })) }),
    );
    expect(span.attributes).toStrictEqual(
      attrs({ d0: NaN, d1: Infinity, d2: -Infinity, d3: 1.5, d4: -2000, d5: 0.25 }),
    );
  });

  test('bytes as base64, standard or URL-safe, padded or not', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x01]);
    const span = firstSpan(
      oneSpan({
        attributes: [
          { key: 'std', value: { bytesValue: bytes.toString('base64') } },
          { key: 'url', value: { bytesValue: bytes.toString('base64url') } },
          { key: 'empty', value: { bytesValue: '' } },
        ],
      }),
    );
    expect(span.attributes).toStrictEqual(
      attrs({ std: new Uint8Array(bytes), url: new Uint8Array(bytes), empty: new Uint8Array(0) }),
    );
  });

  test('null stands for an absent field', () => {
    const span = firstSpan(
      oneSpan({
        traceId: null,
        name: null,
        kind: null,
        startTimeUnixNano: null,
        attributes: [{ key: 'a', value: null }, { key: 'b', value: { stringValue: null } }, { key: 'c' }],
        events: null,
        status: null,
      }),
    );
    expect(span).toMatchObject({ traceId: '', name: '', kind: 0, startTimeUnixNano: 0n, events: [], statusCode: 0 });
    expect(span.attributes).toStrictEqual(attrs({ a: null, b: null, c: null }));
  });

  test('unknown keys are ignored, at every level', () => {
    const body = JSON.stringify({
      futureField: { deeply: [{ nested: CANARY }] },
      resourceSpans: [
        {
          schemaUrl: 'x',
          resource: { attributes: [], droppedAttributesCount: 1, entityRefs: [{}] },
          scopeSpans: [
            {
              scope: { name: 's', attributes: [{ key: 'k', value: { stringValue: 'v' } }], unknown: 1 },
              spans: [{ name: 'n', flags: 257, links: [{ traceId: 'zz-not-hex' }], traceState: 'a=b', unknown: [] }],
            },
          ],
        },
      ],
    });
    const result = decode(body);
    expect(result.export.resourceSpans[0].scopeSpans[0].scope).toStrictEqual({ name: 's', version: '' });
    expect(result.export.resourceSpans[0].scopeSpans[0].spans[0].name).toBe('n');
  });

  test('snake_case keys are not valid OTLP/JSON keys, so they are ignored like unknown ones', () => {
    const span = firstSpan(
      oneSpan({ name: 'n', trace_id: '5b8efff798038103d269b633813fc60c', start_time_unix_nano: '5', kind: 2 }),
    );
    expect(span).toMatchObject({ name: 'n', traceId: '', startTimeUnixNano: 0n, kind: 2 });
    expect(decode(JSON.stringify({ resource_spans: [{ scope_spans: [{ spans: [{}] }] }] })).export.spanCount).toBe(0);
  });
});

describe('OTLP/JSON refusals name the field, never the value', () => {
  test.each([
    ['a top-level array', '[]', /^request body must be a JSON object$/],
    ['a top-level string', `"${CANARY}"`, /^request body must be a JSON object$/],
    [
      'resourceSpans not an array',
      JSON.stringify({ resourceSpans: { a: CANARY } }),
      /^resourceSpans: expected an array$/,
    ],
    ['a null element', JSON.stringify({ resourceSpans: [null] }), /^resourceSpans\[0\]: expected an object$/],
    [
      'a kind name that does not exist',
      oneSpan({ kind: `SPAN_KIND_${CANARY}` }),
      /\.spans\[0\]\.kind: expected an enum integer$/,
    ],
    ['a fractional kind', oneSpan({ kind: 1.5 }), /\.kind: expected an enum integer$/],
    ['a non-hex trace id', oneSpan({ traceId: CANARY }), /\.spans\[0\]\.traceId: expected a hex string$/],
    ['an odd-length span id', oneSpan({ spanId: 'abc' }), /\.spanId: expected a hex string$/],
    [
      'a timestamp with letters',
      oneSpan({ startTimeUnixNano: `12${CANARY}` }),
      /\.startTimeUnixNano: expected an unsigned 64-bit/,
    ],
    ['a negative timestamp', oneSpan({ endTimeUnixNano: '-5' }), /\.endTimeUnixNano: expected an unsigned 64-bit/],
    ['a timestamp past 2^64', oneSpan({ endTimeUnixNano: '18446744073709551616' }), /\.endTimeUnixNano/],
    ['a fractional timestamp', oneSpan({ endTimeUnixNano: 1.5 }), /\.endTimeUnixNano/],
    ['a name that is not a string', oneSpan({ name: { text: CANARY } }), /\.spans\[0\]\.name: expected a string$/],
    ['attributes not an array', oneSpan({ attributes: { k: CANARY } }), /\.spans\[0\]\.attributes: expected an array$/],
    [
      'an attribute that is not an object',
      oneSpan({ attributes: [{ key: 'a' }, CANARY] }),
      /\.attributes\[1\]: expected a KeyValue object$/,
    ],
    ['a key that is not a string', oneSpan({ attributes: [{ key: 5 }] }), /\.attributes\[0\]\.key: expected a string$/],
    [
      'a value that is not an object',
      oneSpan({ attributes: [{ key: 'k', value: CANARY }] }),
      /\.attributes\[0\]\.value: expected an AnyValue object$/,
    ],
    [
      'a stringValue number',
      oneSpan({ attributes: [{ key: 'k', value: { stringValue: 1 } }] }),
      /\.attributes\[0\]\.value\.stringValue: expected a string$/,
    ],
    [
      'a boolValue string',
      oneSpan({ attributes: [{ key: 'k', value: { boolValue: 'true' } }] }),
      /\.boolValue: expected true or false$/,
    ],
    [
      'an intValue in exponent form',
      oneSpan({ attributes: [{ key: 'k', value: { intValue: '1e3' } }] }),
      /\.intValue: expected a 64-bit integer/,
    ],
    [
      'an intValue past int64',
      oneSpan({ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] }),
      /\.intValue/,
    ],
    ['a fractional intValue', oneSpan({ attributes: [{ key: 'k', value: { intValue: 1.5 } }] }), /\.intValue/],
    [
      'a doubleValue word',
      oneSpan({ attributes: [{ key: 'k', value: { doubleValue: CANARY } }] }),
      /\.doubleValue: expected a number$/,
    ],
    [
      'a bytesValue that is not base64',
      oneSpan({ attributes: [{ key: 'k', value: { bytesValue: `*${CANARY}*` } }] }),
      /\.bytesValue: expected a base64 string$/,
    ],
    [
      'a bad value deep in an array',
      oneSpan({
        attributes: [
          { key: 'k', value: { arrayValue: { values: [{ stringValue: 'ok' }, {}, { stringValue: [CANARY] }] } } },
        ],
      }),
      new RegExp(
        `^${PATH.replace(/[[\]]/g, '\\$&')}\\.attributes\\[0\\]\\.value\\.arrayValue\\.values\\[2\\]\\.stringValue: expected a string$`,
      ),
    ],
    [
      'a bad value deep in a kvlist',
      oneSpan({
        attributes: [{ key: 'k', value: { kvlistValue: { values: [{ key: 'x', value: { boolValue: 0 } }] } } }],
      }),
      /\.attributes\[0\]\.value\.kvlistValue\.values\[0\]\.value\.boolValue: expected true or false$/,
    ],
    [
      'an arrayValue without an object',
      oneSpan({ attributes: [{ key: 'k', value: { arrayValue: [1] } }] }),
      /\.value\.arrayValue: expected an object$/,
    ],
    ['a status that is not an object', oneSpan({ status: CANARY }), /\.spans\[0\]\.status: expected an object$/],
    [
      'a bad status code',
      oneSpan({ status: { code: 'NOPE' } }),
      /\.spans\[0\]\.status\.code: expected an enum integer$/,
    ],
    [
      'a bad event',
      oneSpan({ events: [{ name: 'ok' }, { timeUnixNano: CANARY }] }),
      /\.spans\[0\]\.events\[1\]\.timeUnixNano/,
    ],
    [
      'a resource that is not an object',
      JSON.stringify({ resourceSpans: [{ resource: [CANARY] }] }),
      /^resourceSpans\[0\]\.resource: expected an object$/,
    ],
    [
      'a bad resource attribute',
      JSON.stringify({ resourceSpans: [{ resource: { attributes: [7] } }] }),
      /^resourceSpans\[0\]\.resource\.attributes\[0\]: expected a KeyValue object$/,
    ],
    [
      'a bad scope name',
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ scope: { name: 1 } }] }] }),
      /^resourceSpans\[0\]\.scopeSpans\[0\]\.scope\.name: expected a string$/,
    ],
  ])('%s', (_what, body, message) => {
    expect(decodeError(body)).toMatch(message);
  });
});

describe('OTLP/JSON syntax errors give a byte offset, never the text', () => {
  test.each([
    ['an unquoted word', `{"a": ${CANARY}}`, 'invalid JSON at byte 6: unexpected character'],
    ['an empty body', '', 'invalid JSON at byte 0: unexpected end of input'],
    ['a truncated object', '{"a":1', 'invalid JSON at byte 6: unexpected end of input'],
    ['a truncated string', `{"a":"${CANARY}`, 'invalid JSON at byte 5: unterminated string'],
    ['a missing colon', '{"a" 1}', "invalid JSON at byte 5: expected ':'"],
    ['a missing comma', '{"a":1 "b":2}', "invalid JSON at byte 7: expected ',' or '}'"],
    ['a trailing comma', '[1,2,]', 'invalid JSON at byte 5: unexpected character'],
    ['a bad key', '{1:2}', 'invalid JSON at byte 1: expected a property name'],
    ['a control character', '{"a":"x\u0001"}', 'invalid JSON at byte 7: control character in string'],
    ['a bad escape', '{"a":"\\x"}', 'invalid JSON at byte 6: invalid escape in string'],
    ['a short unicode escape', '{"a":"\\u12"}', 'invalid JSON at byte 6: invalid escape in string'],
    ['a bad number', '{"a":-}', 'invalid JSON at byte 6: invalid number'],
    ['a bad fraction', '{"a":1.}', 'invalid JSON at byte 7: invalid number'],
    ['a bad exponent', '{"a":1e+}', 'invalid JSON at byte 8: invalid number'],
    ['a misspelled literal', '{"a":tru}', 'invalid JSON at byte 8: unexpected character'],
    ['a truncated literal', '{"a":nu', 'invalid JSON at byte 7: unexpected end of input'],
    ['data after the value', `{} ${CANARY}`, 'invalid JSON at byte 3: unexpected data after the JSON value'],
    ['a mismatched bracket', '{"a":[1}', "invalid JSON at byte 7: expected ',' or ']'"],
    ['a byte-order mark', '\ufeff{}', 'invalid JSON at byte 0: unexpected character'],
  ])('%s', (_what, body, message) => {
    expect(decodeError(body)).toBe(message);
    expect(decodeError(Buffer.from(body))).toBe(message);
  });

  test('offsets count UTF-8 bytes, not characters', () => {
    // "é" is two bytes and "😀" four: the stray x sits at byte 14.
    expect(decodeError('{"k":"é😀" x}')).toBe("invalid JSON at byte 14: expected ',' or '}'");
  });

  test('invalid UTF-8 outside strings is an unexpected character', () => {
    expect(decodeError(Buffer.from([0x5b, 0xff, 0x5d]))).toBe('invalid JSON at byte 1: unexpected character');
  });

  test('deep nesting is scanned without recursion', () => {
    expect(decodeError('['.repeat(100_000))).toBe('invalid JSON at byte 100000: unexpected end of input');
  });

  test('lone surrogates in strings become U+FFFD, as invalid UTF-8 does in protobuf', () => {
    const body =
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a\\ud800b","attributes":[{"key":"user.id","value":{"stringValue":"\\udfff"}}]}]}]}]}';
    const span = decodeTraceExportJson(body, ROOMY_LIMITS).export.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.name).toBe('a\ufffdb');
    expect(span.attributes['user.id']).toBe('\ufffd');
  });

  test('more objects and arrays than an honest body holds are refused before JSON.parse', () => {
    expect(decodeError('['.repeat(200_000))).toBe('more than 131072 JSON objects and arrays in a body of 200000 bytes');
    expect(
      decodeError(`{"resourceSpans":[{"scopeSpans":[{"spans":[${'{"events":[{},{},{}]},'.repeat(40_000)}{}]}]}]}`),
    ).toMatch(/^more than 131072 JSON objects/);
  });
});
