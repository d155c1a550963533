/**
 * Custom PII patterns from config: `{ name, pattern }` becomes a detector of kind
 * `pii:<name>`. Patterns are written in JavaScript syntax without flags and run by re2js, a
 * port of RE2, never by V8's backtracking engine: RE2 finds a match in time linear in the text
 * whatever the pattern, so a config pattern cannot be turned into a stall by hostile content.
 *
 * What is reported: successive leftmost-longest matches, each search starting where the
 * previous match ended (so overlapping matches are not merged: in "aXaXaXa", a(?:Xa){1,2}
 * finds "aXaXa" only). Longest rather than RE2's default leftmost-first, so alternation order
 * and lazy quantifiers do not shorten what gets redacted.
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';
import { InvalidInputError } from '../../../model/errors';
import type { Detector, Emit } from '../types';

export interface CustomPattern {
  name: string;
  pattern: string;
}

/**
 * Largest RE2 program (re2js programSize(): about one instruction per character or class once
 * counted repeats are expanded, so `[A-Z0-9]{20,200}` is 382). RE2 may step every instruction
 * for each character it reads, so this bounds the cost of a scan per character read; ordinary
 * patterns are 10-60.
 */
const MAX_PROGRAM = 400;
/** Characters x instructions a search may read past the match it reports (see findSpans). */
const LOOKAHEAD_BUDGET = 1024;
const MAX_LOOKAHEAD = 32;

/** A custom pattern refused when the config is loaded; the message names the entry. */
export class PatternError extends InvalidInputError {}

/** Builds the detector, or throws a PatternError naming the entry (`pii.custom[<index>] "<name>"`) and the reason. */
export function createCustomDetector(entry: CustomPattern, index: number): Detector {
  const where = `pii.custom[${index}] "${entry.name}"`;
  const refuse = (reason: string): PatternError => new PatternError(`classify config: ${where}${reason}`);
  // Name and length are the schema's to check (../config.schema.json).
  const source = entry.pattern;
  try {
    // The syntax users write and test with is JavaScript's: its verdict first. Only the reason
    // is kept, since V8's message repeats the pattern.
    new RegExp(source);
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^.*: /s, '') : 'syntax error';
    throw refuse(`: pattern refused: not a valid regular expression (${reason})`);
  }
  const unsupported = unsupportedConstruct(source);
  if (unsupported) throw refuse(`: pattern refused at offset ${unsupported.at}: ${unsupported.reason}`);
  const translated = RE2JS.translateRegExp(source);
  let re: RE2JS;
  try {
    re = RE2JS.compile(translated, RE2JS.LONGEST_MATCH);
  } catch (e) {
    if (!(e instanceof RE2JSSyntaxException)) throw e;
    throw refuse(`: pattern refused: not supported by the linear-time matcher (${e.error}: ${e.input})`);
  }
  if (re.programSize() > MAX_PROGRAM) {
    throw refuse(
      ': pattern refused: it is too large for the matcher (long literals, many optional parts, or big {n,m} bounds); ' +
        'simplify it or split it into several patterns',
    );
  }
  if (matchesEmpty(translated))
    throw refuse(': pattern refused: it can match the empty string, so it would match everywhere');
  const lookahead = Math.min(MAX_LOOKAHEAD, Math.floor(LOOKAHEAD_BUDGET / re.programSize()));
  return {
    kind: `pii:${entry.name}`,
    scan(text: string, emit: Emit): void {
      findSpans(re, lookahead, text, emit);
    },
  };
}

/**
 * JavaScript constructs RE2 cannot run or would read differently: backreferences and
 * lookarounds (no linear-time matcher can run them), \p and \u{...} (Unicode syntax to RE2,
 * plain letters in JavaScript without the u flag), [:name:] inside a class (a POSIX class to
 * RE2) and the letters RE2 gives a meaning JavaScript does not (\A \z anchors, \Q...\E
 * quoting, \a bell). Everything else translateRegExp maps to the same meaning or RE2 refuses,
 * except '.' (RE2 stops only at \n) and \s (to RE2, [\t\n\f\r ]).
 */
function unsupportedConstruct(source: string): { at: number; reason: string } | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const e = source[++i];
      if (!inClass && ((e >= '1' && e <= '9') || e === 'k'))
        return { at: i - 1, reason: 'backreferences are not supported' };
      if (e === 'p' || e === 'P')
        return { at: i - 1, reason: '\\p{...} is not supported (custom patterns run without the u flag)' };
      if (e === 'u' && source[i + 1] === '{')
        return { at: i - 1, reason: '\\u{...} is not supported (custom patterns run without the u flag)' };
      if ('AzQEa'.includes(e))
        return { at: i - 1, reason: `\\${e} is not supported (write ${e} without the backslash)` };
    } else if (inClass) {
      if (c === ']') inClass = false;
      if (c === '[' && source[i + 1] === ':')
        return { at: i, reason: '[: inside a class is not supported (write \\[:)' };
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(' && /^\(\?<?[=!]/.test(source.slice(i, i + 4))) {
      return { at: i, reason: 'lookaround assertions are not supported (they need a backtracking matcher)' };
    }
  }
  return undefined;
}

/**
 * Whether the pattern can match the empty string somewhere. Where it can depends only on the
 * assertions (^ $ \b \B) that hold there, so trying it between every pair of neighbours
 * (nothing, a line break, a word character, another character) covers every text.
 */
function matchesEmpty(translated: string): boolean {
  const sides = ['', '\n', 'a', ' '];
  return sides.some((before) =>
    sides.some((after) =>
      RE2JS.compile(`${RE2JS.quote(before)}(?:${translated})${RE2JS.quote(after)}`).testExact(before + after),
    ),
  );
}

/**
 * Emits each match in order, reading the text in windows. RE2 knows a match is the longest
 * only once every longer attempt has failed (for `ID\d+(?:.*secret)?`, at the end of the
 * line), and each search starts again where the previous match ended: searching the whole
 * rest of the text each time would cost time quadratic in its length. So a search reads from
 * there to `lookahead` characters past the match it reports, doubling the window until it
 * holds such a match (a match ending at the window's edge is never taken, since \b and $
 * cannot see past it). A search then costs what it consumes plus `lookahead` characters, and
 * lookahead x program size is capped: the worst hostile text found costs under 10 s per MB
 * (ordinary patterns, well under 1 s).
 * The price: a longer match reaching more than `lookahead` characters past a shorter one is
 * reported short (`a(?:b*c)?` finds "a" when the "c" is further away), and a match starting
 * before the reported one but ending that far past it is missed.
 */
function findSpans(re: RE2JS, lookahead: number, text: string, emit: Emit): void {
  if (!re.test(text)) return; // one DFA pass: most texts hold no match
  let pos = 0;
  let window = 2 * lookahead;
  while (pos < text.length) {
    const from = Math.max(0, pos - 1); // one character before, for \b
    const to = Math.min(text.length, pos + window);
    const m = re.matcher(text.slice(from, to));
    const found = m.find(pos - from);
    if (to < text.length && (!found || from + m.end() + lookahead > to)) {
      window *= 2;
      continue;
    }
    if (!found) return;
    emit(from + m.start(), from + m.end());
    pos = from + m.end();
    window = 2 * lookahead;
  }
}
