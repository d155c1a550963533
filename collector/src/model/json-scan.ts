/**
 * One reader of the JSON grammar (RFC 8259), for the two jobs that must not parse:
 *
 * - `jsonStrings`: the string values of a JSON text, in document order (object keys left
 *   out), without building the value. Classify scans the strings of content that arrived as
 *   JSON; parsing every conversation to read it costs more in garbage than the reading
 *   (docs/architecture.md, "Content as structure").
 * - `jsonSyntaxError`: where a text JSON.parse refused goes wrong, and why, without quoting
 *   it: V8's own messages quote the input, and request bodies carry customer content.
 *
 * Nesting uses an explicit stack, so a text nested a million levels deep is read like any
 * other. test/unit/json-scan.test.ts holds both to JSON.parse's verdict.
 */

export interface JsonSyntaxError {
  /** Index (UTF-16 code unit) in the text where reading stopped. */
  at: number;
  reason: string;
}

/** The string values of a JSON text, or undefined when it is not JSON. */
export function jsonStrings(text: string): string[] | undefined {
  const out: string[] = [];
  return scanJson(text, (value) => out.push(value)) === undefined ? out : undefined;
}

/** Where and why `text` is not JSON; undefined when it is. */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  return scanJson(text);
}

const enum Expect {
  Value,
  /** Just after '['. */
  ValueOrClose,
  Key,
  /** Just after '{'. */
  KeyOrClose,
  Colon,
  /** After a value. */
  CommaOrClose,
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * A whole string literal, one character or escape at a time. The fast path. No quantifier
 * nests in another (a `[...]+` inside the `*` would backtrack exponentially on an
 * unterminated string), and the alternatives cannot both match, so a failure costs one pass.
 */
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERALS = ['true', 'false', 'null'];

function scanJson(text: string, onString?: (value: string) => void): JsonSyntaxError | undefined {
  /** Open containers: true for an object, false for an array. */
  const stack: boolean[] = [];
  let expect = Expect.Value;
  let i = 0;
  const n = text.length;
  const fail = (at: number, reason: string): JsonSyntaxError => ({ at, reason });
  for (;;) {
    i = skipSpace(text, i);
    if (i >= n)
      return stack.length === 0 && expect === Expect.CommaOrClose ? undefined : fail(i, 'unexpected end of input');
    const c = text.charCodeAt(i);
    switch (expect) {
      case Expect.CommaOrClose: {
        if (stack.length === 0) return fail(i, 'unexpected data after the JSON value');
        const inObject = stack[stack.length - 1];
        if (c === COMMA) expect = inObject ? Expect.Key : Expect.Value;
        else if (c === (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) stack.pop();
        else return fail(i, inObject ? "expected ',' or '}'" : "expected ',' or ']'");
        i++;
        break;
      }
      case Expect.Colon:
        if (c !== COLON) return fail(i, "expected ':'");
        i++;
        expect = Expect.Value;
        break;
      case Expect.Key:
      case Expect.KeyOrClose: {
        if (c === CLOSE_OBJECT && expect === Expect.KeyOrClose) {
          stack.pop();
          i++;
          expect = Expect.CommaOrClose;
          break;
        }
        if (c !== QUOTE) return fail(i, 'expected a property name');
        const end = stringEnd(text, i);
        if (typeof end !== 'number') return end;
        i = end;
        expect = Expect.Colon;
        break;
      }
      default: {
        // Expect.Value or Expect.ValueOrClose
        if (c === CLOSE_ARRAY && expect === Expect.ValueOrClose) {
          stack.pop();
          i++;
          expect = Expect.CommaOrClose;
        } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
          stack.push(c === OPEN_OBJECT);
          i++;
          expect = c === OPEN_OBJECT ? Expect.KeyOrClose : Expect.ValueOrClose;
        } else {
          let end: number | JsonSyntaxError;
          if (c === QUOTE) {
            end = stringEnd(text, i);
            if (typeof end === 'number' && onString) onString(decodeString(text, i, end));
          } else {
            end = c === MINUS || (c >= 0x30 && c <= 0x39) ? numberEnd(text, i) : literalEnd(text, i);
          }
          if (typeof end !== 'number') return end;
          i = end;
          expect = Expect.CommaOrClose;
        }
      }
    }
  }
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** Past the closing quote of the string opening at `start`, or why there is none. */
function stringEnd(text: string, start: number): number | JsonSyntaxError {
  STRING.lastIndex = start;
  if (STRING.test(text)) return STRING.lastIndex;
  // The failure path: find the character that stopped the fast path, for the reason.
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) break;
    if (c < 0x20) return { at: i, reason: 'control character in string' };
    if (c === 0x5c) {
      const escape = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;
      escape.lastIndex = i;
      if (!escape.test(text)) return { at: i, reason: 'invalid escape in string' };
      i = escape.lastIndex - 1;
    }
  }
  return { at: start, reason: 'unterminated string' };
}

function decodeString(text: string, start: number, end: number): string {
  const body = text.slice(start + 1, end - 1);
  return body.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : body;
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
function numberEnd(text: string, start: number): number | JsonSyntaxError {
  const digit = (at: number): boolean => {
    const c = text.charCodeAt(at);
    return c >= 0x30 && c <= 0x39;
  };
  let i = start;
  if (text[i] === '-') i++;
  if (text[i] === '0') i++;
  else if (digit(i)) while (digit(i)) i++;
  else return { at: i, reason: 'invalid number' };
  if (text[i] === '.') {
    i++;
    if (!digit(i)) return { at: i, reason: 'invalid number' };
    while (digit(i)) i++;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    i++;
    if (text[i] === '+' || text[i] === '-') i++;
    if (!digit(i)) return { at: i, reason: 'invalid number' };
    while (digit(i)) i++;
  }
  return i;
}

/** true, false or null; anything else here is an unexpected character. */
function literalEnd(text: string, start: number): number | JsonSyntaxError {
  for (const word of LITERALS) {
    if (text[start] !== word[0]) continue;
    for (let k = 1; k < word.length; k++) {
      if (text[start + k] !== word[k])
        return { at: start + k, reason: start + k >= text.length ? 'unexpected end of input' : 'unexpected character' };
    }
    return start + word.length;
  }
  return { at: start, reason: 'unexpected character' };
}
