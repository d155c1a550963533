import {
  blobPart,
  MAX_INLINE_BLOB_CHARS,
  parseArguments,
  toJson,
  toolCallPart,
  urlPart,
} from '../../../instrumentation/src/content';

test('data: URLs become blobs with their MIME type, other URLs stay references', () => {
  expect(urlPart('data:image/png;base64,iVBORw0KGgo=', 'image')).toEqual({
    type: 'blob',
    mime_type: 'image/png',
    modality: 'image',
    content: 'iVBORw0KGgo=',
  });
  expect(urlPart('https://example.com/cat.png', 'image')).toEqual({
    type: 'uri',
    mime_type: null,
    modality: 'image',
    uri: 'https://example.com/cat.png',
  });
});

test('bytes are base64; inline media above the limit is left out, its size kept', () => {
  expect(blobPart('audio/wav', new Uint8Array([1, 2, 3]))).toEqual({
    type: 'blob',
    mime_type: 'audio/wav',
    modality: 'audio',
    content: 'AQID',
  });
  const big = blobPart('image/jpeg', 'x'.repeat(MAX_INLINE_BLOB_CHARS + 1));
  expect(big).toEqual({
    type: 'blob',
    mime_type: 'image/jpeg',
    modality: 'image',
    content: '',
    ai_audit_omitted_chars: MAX_INLINE_BLOB_CHARS + 1,
  });
});

test('tool arguments: JSON text is parsed, anything else kept', () => {
  expect(parseArguments('{"city":"Paris"}')).toEqual({ city: 'Paris' });
  expect(parseArguments('{"cit')).toBe('{"cit');
  expect(parseArguments('')).toBeNull();
  expect(toolCallPart(undefined, 'f', { a: 1 })).toEqual({
    type: 'tool_call',
    id: null,
    name: 'f',
    arguments: { a: 1 },
  });
});

test('toJson never throws: buffers as base64, bigints as text, cycles cut', () => {
  const cyclic: Record<string, unknown> = { name: 'tool' };
  cyclic.self = cyclic;
  expect(toJson({ data: Buffer.from('hi'), big: 12345678901234567890n, cyclic, fn: () => 1 })).toBe(
    '{"data":"aGk=","big":"12345678901234567890","cyclic":{"name":"tool","self":"[Circular]"}}',
  );
});
