/**
 * The string values of a JSON text, in document order (object keys left out), without
 * building the value: what classify scans of content that arrived as JSON text. Parsing it
 * would allocate every object of a conversation only to read its strings, and that garbage
 * costs more than the reading (docs/architecture.md, "Content as structure").
 *
 * Returns undefined when the text is not JSON by JSON.parse's rules (test/unit/json-strings
 * checks both agree on valid and broken texts). Nesting uses an explicit stack: a hostile
 * text nested a million levels deep is read like any other.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** What the reader expects next inside a container. */
const enum Expect {
  /** A value (array element, object member value, or the top-level value). */
  Value,
  /** An object key, or the end of an empty object. */
  KeyOrEnd,
  /** An object key (after a comma). */
  Key,
  /** A value or the end of an empty array. */
  ValueOrEnd,
  /** ',' or the container's end. */
  CommaOrEnd,
}

export function jsonStrings(text: string): string[] | undefined {
  const out: string[] = [];
  /** Open containers: true for an object, false for an array. */
  const stack: boolean[] = [];
  let expect = Expect.Value;
  let i = skipSpace(text, 0);
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (expect === Expect.CommaOrEnd) {
      const inObject = stack[stack.length - 1];
      if (c === COMMA) {
        expect = inObject ? Expect.Key : Expect.Value;
        i = skipSpace(text, i + 1);
        continue;
      }
      if (c !== (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) return undefined;
      stack.pop();
      i = skipSpace(text, i + 1);
      if (stack.length === 0) return i === n ? out : undefined;
      continue;
    }
    if (expect === Expect.KeyOrEnd || expect === Expect.Key) {
      if (expect === Expect.KeyOrEnd && c === CLOSE_OBJECT) {
        expect = Expect.CommaOrEnd;
        continue;
      }
      if (c !== QUOTE) return undefined;
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      i = skipSpace(text, end + 1);
      if (text.charCodeAt(i) !== COLON) return undefined;
      i = skipSpace(text, i + 1);
      expect = Expect.Value;
      continue;
    }
    if (expect === Expect.ValueOrEnd && c === CLOSE_ARRAY) {
      expect = Expect.CommaOrEnd;
      continue;
    }
    // A value.
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      stack.push(c === OPEN_OBJECT);
      expect = c === OPEN_OBJECT ? Expect.KeyOrEnd : Expect.ValueOrEnd;
      i = skipSpace(text, i + 1);
      continue;
    }
    let end: number;
    if (c === QUOTE) {
      end = stringEnd(text, i);
      if (end < 0) return undefined;
      out.push(decodeString(text, i, end));
      end++;
    } else {
      end = literalEnd(text, i);
      if (end < 0) return undefined;
    }
    i = skipSpace(text, end);
    if (stack.length === 0) return i === n ? out : undefined;
    expect = Expect.CommaOrEnd;
  }
  return undefined;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** A JSON string literal: no raw control characters, only JSON's escapes. */
const STRING = /"(?:[^"\\\u0000-\u001f]+|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Index of the quote closing the string that opens at `start`, or -1 (unterminated, raw control character, bad escape). */
function stringEnd(text: string, start: number): number {
  STRING.lastIndex = start;
  return STRING.test(text) ? STRING.lastIndex - 1 : -1;
}

function decodeString(text: string, start: number, end: number): string {
  const body = text.slice(start + 1, end);
  return body.includes('\\') ? (JSON.parse(text.slice(start, end + 1)) as string) : body;
}

/** End of `true`, `false`, `null` or a number at `i`, or -1. */
function literalEnd(text: string, i: number): number {
  for (const word of ['true', 'false', 'null']) if (text.startsWith(word, i)) return i + word.length;
  NUMBER.lastIndex = i;
  return NUMBER.test(text) ? NUMBER.lastIndex : -1;
}
