import { OtlpDecodeError } from './types';

/**
 * A linear pre-scan of an OTLP/JSON body, before JSON.parse materialises it. JSON.parse
 * has no limits of its own: 16 MiB of `{}` or of `[[[...` become millions of objects
 * (hundreds of MB of heap, seconds of blocked event loop) before the decoder's caps could
 * apply. This counts objects and arrays, skipping string contents, and refuses bodies
 * with more than an honest export could hold; nesting depth is left to the decoder, which
 * names the path.
 */

/** Honest exports spend tens of bytes per object or array; never fewer than this many. */
const BYTES_PER_CONTAINER = 16;
/** Small bodies may be dense; this many containers cost a few tens of MB at most. */
const MIN_CONTAINERS = 131_072;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

export function checkJsonShape(body: Buffer): void {
  const maxContainers = Math.max(MIN_CONTAINERS, Math.floor(body.length / BYTES_PER_CONTAINER));
  let containers = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if ((byte === OPEN_BRACE || byte === OPEN_BRACKET) && ++containers > maxContainers) {
      throw new OtlpDecodeError(`more than ${maxContainers} JSON objects and arrays in a body of ${body.length} bytes`);
    }
  }
}
