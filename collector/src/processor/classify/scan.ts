/**
 * Scanning primitives shared by every detector.
 *
 * Why no "one regex per kind": V8's regex engine backtracks, so the obvious patterns
 * (`[\w.]+@[\w.]+\.\w+`, `(\d[ -]?){13,19}`, `-----BEGIN[\s\S]*?-----END`) take quadratic or
 * exponential time on inputs such as `aaaa@aaaa@...`, long digit runs or repeated headers, and
 * content reaching the collector is attacker-controlled. Every detector instead follows one
 * recipe that is linear in the text length:
 *
 *  1. a cheap prefilter finds candidate anchors, always moving forward: a literal such as
 *     `ghp_` or `@` (./literals.ts), a short pattern (./candidates.ts), or a word that can
 *     begin an injection phrase (./injection);
 *  2. from an anchor, a deterministic hand-written scan reads the candidate. Scans either have
 *     a fixed upper bound (an email local part is at most 64 characters) or consume a run of
 *     characters that no later anchor can start inside;
 *  3. the search resumes after whatever was consumed.
 *
 * So each character is looked at a bounded number of times per detector. Where a regex is
 * still used it is anchored, has no nested or adjacent overlapping quantifiers, and runs on a
 * string whose length is already bounded; or it is a candidate filter (./candidates.ts): a
 * pattern of bounded length, so an attempt at each position costs a bounded number of steps,
 * searched forward only.
 */

export type CharTest = (code: number) => boolean;

const BACKSLASH = 92;

export const isDigit: CharTest = (c) => c >= 48 && c <= 57;
export const isUpper: CharTest = (c) => c >= 65 && c <= 90;
export const isAlpha: CharTest = (c) => (c | 0x20) >= 97 && (c | 0x20) <= 122;
export const isAlnum: CharTest = (c) => isDigit(c) || isAlpha(c);
/** `\w` in ASCII: letters, digits, underscore. */
export const isWord: CharTest = (c) => isAlnum(c) || c === 95;
export const isHex: CharTest = (c) => isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
/** base64url alphabet, which is also the alphabet of most vendor API tokens: [A-Za-z0-9_-]. */
export const isTokenChar: CharTest = (c) => isWord(c) || c === 45;

/** First index >= from (and < limit) whose character fails `test`. */
export function runEnd(text: string, from: number, test: CharTest, limit = text.length): number {
  const stop = Math.min(limit, text.length);
  let i = from;
  while (i < stop && test(text.charCodeAt(i))) i++;
  return i;
}

/** Scanning backwards from `from` (exclusive), the first index of the run of `test` chars, not below `limit`. */
export function runStart(text: string, from: number, test: CharTest, limit = 0): number {
  const stop = Math.max(limit, 0);
  let i = from;
  while (i > stop && test(text.charCodeAt(i - 1))) i--;
  return i;
}

/** Letters that form a two-character backslash escape in JSON and most languages. */
const isEscapeLetter: CharTest = (c) =>
  c === 110 /* n */ ||
  c === 114 /* r */ ||
  c === 116 /* t */ ||
  c === 98 /* b */ ||
  c === 102 /* f */ ||
  c === 118; /* v */

/**
 * Length of a backslash escape (`\n`, `\t`, `\u0022`, ...) ending right before `i`, else 0.
 * Model content is often JSON inside JSON (tool arguments), where a value follows a literal
 * `\n`; without this, the `n` would glue to the value and hide it from boundary checks. Any
 * number of backslashes counts: JSON encoded twice writes `\\n` for an inner `\n`.
 */
export function escapeBefore(text: string, i: number): number {
  if (i >= 2 && isEscapeLetter(text.charCodeAt(i - 1)) && text.charCodeAt(i - 2) === BACKSLASH) {
    return 2;
  }
  if (
    i >= 6 &&
    text.charCodeAt(i - 5) === 117 /* u */ &&
    text.charCodeAt(i - 6) === BACKSLASH &&
    isHex(text.charCodeAt(i - 4)) &&
    isHex(text.charCodeAt(i - 3)) &&
    isHex(text.charCodeAt(i - 2)) &&
    isHex(text.charCodeAt(i - 1))
  ) {
    return 6;
  }
  return 0;
}

/**
 * How many characters at the start of a run [start, ...) belong to a backslash escape rather
 * than to the value: 1 for `\n`-style escapes, 5 for `\uXXXX`, else 0. Used where a detector
 * scans backwards into a run (the local part of an email).
 */
export function escapeAtRunStart(text: string, start: number): number {
  if (start < 1 || text.charCodeAt(start - 1) !== BACKSLASH) return 0;
  const c = text.charCodeAt(start);
  if (isEscapeLetter(c)) return 1;
  if (c === 117 && start + 5 <= text.length) {
    for (let k = 1; k <= 4; k++) if (!isHex(text.charCodeAt(start + k))) return 0;
    return 5;
  }
  return 0;
}

/** A token of class `test` may start at `i`: nothing of the same class glued on its left. */
export function boundaryBefore(text: string, i: number, test: CharTest): boolean {
  return i === 0 || !test(text.charCodeAt(i - 1)) || escapeBefore(text, i) > 0;
}

/**
 * Number of distinct characters in [start, end), counting at most up to `enough`. A cheap
 * guard against placeholders (`AKIAXXXXXXXXXXXXXXXX`, `ghp_000...`): real keys are random.
 */
export function distinctChars(text: string, start: number, end: number, enough: number): number {
  const seen = new Set<number>();
  for (let i = start; i < end && seen.size < enough; i++) seen.add(text.charCodeAt(i));
  return seen.size;
}

// ---- numbers (cards, SSNs, phones, IPs) ----

/** Characters that glue a number to what precedes/follows it: "a-123", "1.5", "12/34". */
const isNumberGlue: CharTest = (c) => c === 45 /* - */ || c === 46 /* . */ || c === 47; /* / */

/**
 * A number may start at `i`: not part of a word ("v1", "a716", "x_2"), not the tail of a
 * dashed/dotted/slashed token ("e89b-12d3", "3.14"). With `allowAfterDigitSpace` false it must
 * not follow "digit space" either, so the middle of a spaced digit list is not a start.
 */
export function numberStartOk(text: string, i: number, allowAfterDigitSpace: boolean): boolean {
  if (i === 0) return true;
  const p = text.charCodeAt(i - 1);
  if (isWord(p)) return escapeBefore(text, i) > 0;
  if (i < 2) return true;
  const pp = text.charCodeAt(i - 2);
  if (isNumberGlue(p)) return !isAlnum(pp);
  if (p === 32 && !allowAfterDigitSpace) return !isDigit(pp);
  return true;
}

/** A number may end at `i`: not followed by a word character or by glue + alphanumeric. */
export function numberEndOk(text: string, i: number): boolean {
  if (i >= text.length) return true;
  const c = text.charCodeAt(i);
  if (isWord(c)) return false;
  if (isNumberGlue(c) && i + 1 < text.length && isAlnum(text.charCodeAt(i + 1))) return false;
  return true;
}

/** Digit groups read from one start; group k spans [starts[k], ends[k]). */
export interface DigitGroups {
  starts: number[];
  ends: number[];
  /** Separator character code before group k (k >= 1); 0 for the first group. */
  seps: number[];
  /** All digits of the complete groups. */
  digits: string;
  /** The number goes on past the limits; `nextSep` is the separator after the last complete group. */
  more: boolean;
  nextSep: number;
}

/**
 * Reads digit groups separated by exactly one character from `seps` ("4111 1111", "123-45"),
 * keeping only complete groups within `maxDigits` digits and `maxGroups` groups. Bounded: reads
 * at most maxDigits + maxGroups + 1 characters whatever follows, so callers can run it from
 * every candidate start and stay linear.
 */
export function readDigitGroups(
  text: string,
  start: number,
  seps: string,
  maxDigits: number,
  maxGroups: number,
): DigitGroups {
  const g: DigitGroups = { starts: [], ends: [], seps: [], digits: '', more: false, nextSep: 0 };
  let i = start;
  let sep = 0;
  for (;;) {
    const groupStart = i;
    let budget = maxDigits - g.digits.length;
    while (i < text.length && isDigit(text.charCodeAt(i))) {
      if (budget-- === 0) {
        g.more = true;
        g.nextSep = sep;
        return g;
      }
      i++;
    }
    if (i === groupStart) return g;
    g.starts.push(groupStart);
    g.ends.push(i);
    g.seps.push(sep);
    g.digits += text.slice(groupStart, i);
    if (i + 1 >= text.length || seps.indexOf(text[i]) < 0 || !isDigit(text.charCodeAt(i + 1))) return g;
    sep = text.charCodeAt(i);
    if (g.ends.length === maxGroups || g.digits.length === maxDigits) {
      g.more = true;
      g.nextSep = sep;
      return g;
    }
    i++;
  }
}
