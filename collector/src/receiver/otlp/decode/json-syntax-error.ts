/**
 * Says where a JSON body that JSON.parse refused goes wrong, as a byte offset into its
 * UTF-8 form and a reason, and never quotes it. V8's own messages quote the input (and
 * change between Node versions), and request bodies carry customer content.
 *
 * Only runs on the failure path: a plain iterative scanner of the JSON grammar (RFC 8259),
 * with an explicit stack so deep nesting cannot overflow the call stack.
 */

const enum Expect {
  Value,
  ValueOrClose, // just after '['
  Key,
  KeyOrClose, // just after '{'
  Colon,
  CommaOrClose, // after a value
}

const enum Ch {
  Tab = 0x09,
  Newline = 0x0a,
  Return = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  LowerE = 0x65,
  UpperE = 0x45,
  LowerU = 0x75,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

const OBJECT = 1;
const ARRAY = 2;
/** Characters allowed after a backslash (besides 'u', which takes four hex digits). */
const SIMPLE_ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));
const LITERALS = ['true', 'false', 'null'].map((w) => Buffer.from(w));

/** A message such as `invalid JSON at byte 12: expected ',' or '}'`. */
export function describeJsonSyntaxError(body: Uint8Array): string {
  const scanner = new Scanner(body);
  const reason = scanner.run();
  // The scanner found nothing when JSON.parse failed for another reason (e.g. memory).
  return reason === undefined ? 'invalid JSON' : `invalid JSON at byte ${scanner.pos}: ${reason}`;
}

class Scanner {
  pos = 0;
  private stack = new Uint8Array(64);
  private depth = 0;

  constructor(private readonly b: Uint8Array) {}

  /** The reason of the first error, with `pos` at it; undefined if the text is valid. */
  run(): string | undefined {
    const b = this.b;
    let expect = Expect.Value;
    for (;;) {
      this.skipWhitespace();
      if (this.pos >= b.length) {
        return this.depth === 0 && expect === Expect.CommaOrClose ? undefined : 'unexpected end of input';
      }
      const c = b[this.pos];
      switch (expect) {
        case Expect.CommaOrClose: {
          if (this.depth === 0) return 'unexpected data after the JSON value';
          const inObject = this.stack[this.depth - 1] === OBJECT;
          if (c === Ch.Comma) {
            expect = inObject ? Expect.Key : Expect.Value;
          } else if (c === (inObject ? Ch.CloseBrace : Ch.CloseBracket)) {
            this.depth--;
          } else {
            return inObject ? "expected ',' or '}'" : "expected ',' or ']'";
          }
          this.pos++;
          break;
        }
        case Expect.Colon:
          if (c !== Ch.Colon) return "expected ':'";
          this.pos++;
          expect = Expect.Value;
          break;
        case Expect.Key:
        case Expect.KeyOrClose:
          if (c === Ch.CloseBrace && expect === Expect.KeyOrClose) {
            this.depth--;
            this.pos++;
            expect = Expect.CommaOrClose;
            break;
          }
          if (c !== Ch.Quote) return 'expected a property name';
          {
            const error = this.string();
            if (error !== undefined) return error;
          }
          expect = Expect.Colon;
          break;
        default: {
          // Expect.Value or Expect.ValueOrClose
          if (c === Ch.CloseBracket && expect === Expect.ValueOrClose) {
            this.depth--;
            this.pos++;
            expect = Expect.CommaOrClose;
          } else if (c === Ch.OpenBrace || c === Ch.OpenBracket) {
            this.push(c === Ch.OpenBrace ? OBJECT : ARRAY);
            this.pos++;
            expect = c === Ch.OpenBrace ? Expect.KeyOrClose : Expect.ValueOrClose;
          } else {
            const error =
              c === Ch.Quote ? this.string() : c === Ch.Minus || isDigit(c) ? this.number() : this.literal();
            if (error !== undefined) return error;
            expect = Expect.CommaOrClose;
          }
        }
      }
    }
  }

  private push(kind: number): void {
    if (this.depth === this.stack.length) {
      const grown = new Uint8Array(this.stack.length * 2);
      grown.set(this.stack);
      this.stack = grown;
    }
    this.stack[this.depth++] = kind;
  }

  private skipWhitespace(): void {
    const b = this.b;
    let i = this.pos;
    while (i < b.length) {
      const c = b[i];
      if (c !== Ch.Space && c !== Ch.Newline && c !== Ch.Return && c !== Ch.Tab) break;
      i++;
    }
    this.pos = i;
  }

  /** From an opening quote to past its closing quote. */
  private string(): string | undefined {
    const b = this.b;
    const start = this.pos;
    let i = start + 1;
    while (i < b.length) {
      const c = b[i];
      if (c === Ch.Quote) {
        this.pos = i + 1;
        return undefined;
      }
      if (c < Ch.Space) {
        this.pos = i;
        return 'control character in string';
      }
      if (c === Ch.Backslash) {
        const e = b[i + 1];
        if (e === Ch.LowerU) {
          for (let k = 2; k < 6; k++) {
            if (!isHexDigit(b[i + k])) {
              this.pos = i;
              return 'invalid escape in string';
            }
          }
          i += 6;
          continue;
        }
        if (e === undefined || !SIMPLE_ESCAPES.has(e)) {
          this.pos = i;
          return 'invalid escape in string';
        }
        i += 2;
        continue;
      }
      i++;
    }
    this.pos = start;
    return 'unterminated string';
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private number(): string | undefined {
    const b = this.b;
    let i = this.pos;
    if (b[i] === Ch.Minus) i++;
    if (b[i] === Ch.Zero) {
      i++;
    } else if (isDigit(b[i])) {
      while (isDigit(b[i])) i++;
    } else {
      this.pos = i;
      return 'invalid number';
    }
    if (b[i] === Ch.Dot) {
      i++;
      if (!isDigit(b[i])) {
        this.pos = i;
        return 'invalid number';
      }
      while (isDigit(b[i])) i++;
    }
    if (b[i] === Ch.LowerE || b[i] === Ch.UpperE) {
      i++;
      if (b[i] === Ch.Plus || b[i] === Ch.Minus) i++;
      if (!isDigit(b[i])) {
        this.pos = i;
        return 'invalid number';
      }
      while (isDigit(b[i])) i++;
    }
    this.pos = i;
    return undefined;
  }

  /** true, false or null; anything else here is an unexpected character. */
  private literal(): string | undefined {
    const b = this.b;
    const at = this.pos;
    for (const word of LITERALS) {
      if (b[at] !== word[0]) continue;
      for (let k = 1; k < word.length; k++) {
        if (b[at + k] !== word[k]) {
          this.pos = at + k;
          return b[at + k] === undefined ? 'unexpected end of input' : 'unexpected character';
        }
      }
      this.pos = at + word.length;
      return undefined;
    }
    return 'unexpected character';
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= Ch.Zero && c <= Ch.Nine;
}

function isHexDigit(c: number | undefined): boolean {
  return c !== undefined && (isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}
