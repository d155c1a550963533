/**
 * The AWS event-stream binary framing (application/vnd.amazon.eventstream) that Bedrock's
 * ConverseStream answers with: each message is a prelude (total length, headers length, CRC32
 * of both), string headers, a JSON payload and a CRC32 of everything before it.
 */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3), as the event-stream format uses. */
export function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const STRING_HEADER = 7;

function encodeHeaders(headers: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const key = Buffer.from(name, 'utf8');
      const text = Buffer.from(value, 'utf8');
      const header = Buffer.alloc(1 + key.length + 1 + 2 + text.length);
      header.writeUInt8(key.length, 0);
      key.copy(header, 1);
      header.writeUInt8(STRING_HEADER, 1 + key.length);
      header.writeUInt16BE(text.length, 2 + key.length);
      text.copy(header, 4 + key.length);
      return header;
    }),
  );
}

export function encodeMessage(headers: Record<string, string>, payload: Buffer): Buffer {
  const encodedHeaders = encodeHeaders(headers);
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(12 + encodedHeaders.length + payload.length + 4, 0);
  prelude.writeUInt32BE(encodedHeaders.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const message = Buffer.concat([prelude, encodedHeaders, payload]);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(crc32(message), 0);
  return Buffer.concat([message, trailer]);
}

/** One event of a Bedrock event stream, e.g. `event('messageStart', { role: 'assistant' })`. */
export function encodeEvent(type: string, body: Record<string, unknown>): Buffer {
  // Bedrock pads payloads with a `p` field so that sizes do not leak content lengths.
  const payload = Buffer.from(
    JSON.stringify({ ...body, p: 'abcdefghijklmnopqrstuvwxyzABCDEF'.slice(0, 8 + (type.length % 16)) }),
    'utf8',
  );
  return encodeMessage({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, payload);
}
