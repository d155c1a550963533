import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import * as protobuf from 'protobufjs';
import {
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeStatusJson,
  encodeStatusProtobuf,
} from '../../collector/src/receiver/otlp/decode/encode-response';

// The two response messages, defined with protobufjs' reflection API (field numbers from
// opentelemetry-proto trace_service.proto and googleapis google/rpc/status.proto).
const root = new protobuf.Root();
const PartialSuccess = new protobuf.Type('ExportTracePartialSuccess')
  .add(new protobuf.Field('rejectedSpans', 1, 'int64'))
  .add(new protobuf.Field('errorMessage', 2, 'string'));
const ExportResponse = new protobuf.Type('ExportTraceServiceResponse').add(
  new protobuf.Field('partialSuccess', 1, 'ExportTracePartialSuccess'),
);
const Status = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));
root.define('test').add(PartialSuccess).add(ExportResponse).add(Status);
root.resolveAll();

const asObject = (type: protobuf.Type, bytes: Uint8Array) =>
  type.toObject(type.decode(bytes), { longs: String, defaults: false });

describe('ExportTraceServiceResponse', () => {
  test('full success leaves partial_success unset', () => {
    const bytes = encodeExportResponseProtobuf(0);
    expect(bytes.length).toBe(0);
    expect(asObject(ExportResponse, bytes)).toEqual({});
    expect(encodeExportResponseJson(0)).toBe('{}');
  });

  test.each([
    [3, 'three spans had no trace id'],
    [1, 'ünïcödé and emoji 😀'],
    [2 ** 40, 'more than 32 bits of rejected spans'],
    [5, ''],
  ])('%d rejected spans, message %j', (rejected, message) => {
    const decoded = asObject(ExportResponse, encodeExportResponseProtobuf(rejected, message));
    const partialSuccess =
      message === '' ? { rejectedSpans: String(rejected) } : { rejectedSpans: String(rejected), errorMessage: message };
    expect(decoded).toEqual({ partialSuccess });
    expect(JSON.parse(encodeExportResponseJson(rejected, message))).toEqual({ partialSuccess });
  });

  test('a warning without rejections still sets partial_success, as the spec allows', () => {
    expect(asObject(ExportResponse, encodeExportResponseProtobuf(0, 'slow down'))).toEqual({
      partialSuccess: { errorMessage: 'slow down' },
    });
    expect(JSON.parse(encodeExportResponseJson(0, 'slow down'))).toEqual({
      partialSuccess: { errorMessage: 'slow down' },
    });
  });

  test('the OTel exporters read our responses', () => {
    const fromProtobuf = ProtobufTraceSerializer.deserializeResponse(encodeExportResponseProtobuf(2, 'two refused'));
    expect(fromProtobuf.partialSuccess).toMatchObject({ errorMessage: 'two refused' });
    expect(Number(fromProtobuf.partialSuccess?.rejectedSpans)).toBe(2);
    const fromJson = JsonTraceSerializer.deserializeResponse(Buffer.from(encodeExportResponseJson(2, 'two refused')));
    expect(fromJson.partialSuccess).toEqual({ rejectedSpans: '2', errorMessage: 'two refused' });
  });

  test.each([-1, 1.5, NaN, 2 ** 53])('refuses %p rejected spans', (n) => {
    expect(() => encodeExportResponseProtobuf(n)).toThrow(RangeError);
    expect(() => encodeExportResponseJson(n)).toThrow(RangeError);
  });
});

describe('google.rpc.Status', () => {
  test.each([
    [3, 'resourceSpans[0]: expected an object'],
    [8, 'too many requests'],
    [16, ''],
    [0, 'code omitted when zero'],
  ])('code %d, message %j', (code, message) => {
    const expected: Record<string, unknown> = {};
    if (code !== 0) expected.code = code;
    if (message !== '') expected.message = message;
    expect(asObject(Status, encodeStatusProtobuf(code, message))).toEqual(expected);
    expect(JSON.parse(encodeStatusJson(code, message))).toEqual(expected);
  });

  test('a long message gets a multi-byte length prefix', () => {
    const message = 'x'.repeat(70_000);
    expect(asObject(Status, encodeStatusProtobuf(3, message))).toEqual({ code: 3, message });
  });

  test.each([-1, 2.5, 2 ** 31])('refuses code %p', (code) => {
    expect(() => encodeStatusProtobuf(code, 'm')).toThrow(RangeError);
    expect(() => encodeStatusJson(code, 'm')).toThrow(RangeError);
  });
});
