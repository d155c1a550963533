/**
 * Parser for custom patterns: JavaScript regular expression syntax without flags (so
 * case-sensitive, '^'/'$' anchor the whole scanned text, '.' stops at line breaks).
 *
 * Supported: literals, '.', classes [a-z] [^...] with \d \w \s inside, escapes \d \D \w \W \s
 * \S \t \n \r \f \v \0 \xHH \uHHHH \cX, groups (...) (?:...) (?<name>...), alternation,
 * quantifiers * + ? {n} {n,} {n,m} (lazy forms accepted; they do not change what is found),
 * assertions ^ $ \b \B.
 *
 * Refused with a reason and an offset: backreferences (\1, \k<name>) and lookarounds, which no
 * linear-time matcher can run; \p{...} (only meaningful with the u flag, which these patterns
 * do not get); legacy octal escapes.
 */
import type { AssertKind, Node } from './ast';
import { CharSet, DIGIT, DOT, SPACE, WORD } from './charset';
import { InvalidInputError } from '../../../model/errors';

export class PatternError extends InvalidInputError {
  constructor(
    message: string,
    /** Offset in the pattern source, or -1 when it concerns the whole pattern. */
    readonly offset: number,
  ) {
    super(message);
  }
}

export function parsePattern(source: string): Node {
  try {
    // Let the engine users know give the syntax verdict; only the reason is kept, since V8's
    // message repeats the pattern.
    new RegExp(source);
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^.*: /s, '') : 'syntax error';
    throw new PatternError(`not a valid regular expression (${reason})`, -1);
  }
  const p = new Parser(source);
  const node = p.alternation();
  if (!p.done()) throw new PatternError('unexpected ")"', p.pos);
  return node;
}

const hexValue = (s: string): number => (/^[0-9A-Fa-f]+$/.test(s) ? parseInt(s, 16) : -1);

class Parser {
  pos = 0;

  constructor(private readonly src: string) {}

  done(): boolean {
    return this.pos >= this.src.length;
  }

  private peek(k = 0): string {
    return this.src.charAt(this.pos + k);
  }

  alternation(): Node {
    const at = this.pos;
    const alts = [this.sequence()];
    while (this.peek() === '|') {
      this.pos++;
      alts.push(this.sequence());
    }
    if (alts.length === 1) return alts[0];
    // "a|b|[0-9]" is one character class: one matcher state, and a repeat of it can be a RUN.
    if (alts.every((a) => a.type === 'set')) {
      return { type: 'set', set: alts.reduce((acc, a) => (a.type === 'set' ? acc.union(a.set) : acc), CharSet.of([])) };
    }
    return { type: 'alt', alts, at };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (!this.done() && this.peek() !== '|' && this.peek() !== ')') {
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? items[0] : { type: 'seq', items };
  }

  private quantified(atom: Node): Node {
    const at = this.pos;
    let min: number;
    let max: number;
    const c = this.peek();
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 24));
      if (!m) return atom; // a literal '{' (allowed without the u flag)
      min = +m[1];
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : +m[3];
      this.pos += m[0].length - 1;
    } else {
      return atom;
    }
    this.pos++;
    if (this.peek() === '?') this.pos++; // lazy: same set of matches
    return { type: 'repeat', body: atom, min, max, at };
  }

  private atom(): Node {
    const at = this.pos;
    const c = this.src[this.pos++];
    switch (c) {
      case '^':
        return assert('start');
      case '$':
        return assert('end');
      case '.':
        return { type: 'set', set: DOT };
      case '[':
        return { type: 'set', set: this.charClass() };
      case '\\':
        return this.escape(at);
      case '(':
        return this.group(at);
      default:
        return { type: 'set', set: CharSet.char(c.charCodeAt(0)) };
    }
  }

  private group(at: number): Node {
    if (this.peek() === '?') {
      const head = this.src.slice(this.pos, this.pos + 3);
      if (head.startsWith('?=') || head.startsWith('?!') || head === '?<=' || head === '?<!') {
        throw new PatternError('lookaround assertions are not supported (they need a backtracking matcher)', at);
      }
      if (head.startsWith('?:')) this.pos += 2;
      else if (head.startsWith('?<')) this.pos = this.src.indexOf('>', this.pos) + 1; // named group
    }
    const body = this.alternation();
    this.pos++; // ')' (the RegExp check guarantees it is there)
    return body;
  }

  private escape(at: number): Node {
    const c = this.src[this.pos];
    if (c === 'b') {
      this.pos++;
      return assert('word');
    }
    if (c === 'B') {
      this.pos++;
      return assert('notWord');
    }
    return { type: 'set', set: this.escapedSet(at, false) };
  }

  /** The set for the escape whose backslash is at `at` (this.pos is just after it). */
  private escapedSet(at: number, inClass: boolean): CharSet {
    const c = this.src[this.pos++];
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return DIGIT.negate();
      case 'w':
        return WORD;
      case 'W':
        return WORD.negate();
      case 's':
        return SPACE;
      case 'S':
        return SPACE.negate();
      case 't':
        return CharSet.char(9);
      case 'n':
        return CharSet.char(10);
      case 'v':
        return CharSet.char(11);
      case 'f':
        return CharSet.char(12);
      case 'r':
        return CharSet.char(13);
      case 'b':
        return CharSet.char(8); // only reached inside a class: backspace
      case 'x':
      case 'u': {
        const len = c === 'x' ? 2 : 4;
        const v = this.pos + len <= this.src.length ? hexValue(this.src.slice(this.pos, this.pos + len)) : -1;
        if (v < 0) return CharSet.char(c.charCodeAt(0)); // "\xZ": a literal 'x', as JavaScript reads it
        this.pos += len;
        return CharSet.char(v);
      }
      case 'c': {
        const letter = this.src.charCodeAt(this.pos);
        if ((letter | 0x20) >= 97 && (letter | 0x20) <= 122) {
          this.pos++;
          return CharSet.char(letter % 32);
        }
        this.pos--; // "\c" not followed by a letter is a literal backslash then 'c'
        return CharSet.char(92);
      }
      case 'k':
        throw new PatternError('backreferences are not supported', at);
      case 'p':
      case 'P':
        throw new PatternError('\\p{...} is not supported (custom patterns run without the u flag)', at);
      default:
        break;
    }
    if (c >= '0' && c <= '9') {
      if (c === '0' && !(this.peek() >= '0' && this.peek() <= '9')) return CharSet.char(0);
      throw new PatternError(inClass ? 'octal escapes are not supported' : 'backreferences are not supported', at);
    }
    return CharSet.char(c.charCodeAt(0)); // identity escape: \. \- \/ ...
  }

  /** After '[': items up to the closing ']'. */
  private charClass(): CharSet {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.pos++;
    }
    const pairs: [number, number][] = [];
    let acc = CharSet.of([]);
    while (this.peek() !== ']') {
      const lo = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        const save = this.pos;
        this.pos++;
        const hi = this.classAtom();
        if (typeof lo === 'number' && typeof hi === 'number') {
          pairs.push([lo, hi]);
          continue;
        }
        // A class escape at either end ("[\d-x]"): the '-' is literal.
        this.pos = save;
      }
      if (typeof lo === 'number') pairs.push([lo, lo]);
      else acc = acc.union(lo);
    }
    this.pos++; // ']'
    const set = acc.union(CharSet.of(pairs));
    return negate ? set.negate() : set;
  }

  /** One class member: a code unit, or a set for \d \w \s and their negations. */
  private classAtom(): number | CharSet {
    const at = this.pos;
    const c = this.src[this.pos++];
    if (c !== '\\') return c.charCodeAt(0);
    const set = this.escapedSet(at, true);
    return set.ranges.length === 2 && set.ranges[0] === set.ranges[1] ? set.ranges[0] : set;
  }
}

function assert(kind: AssertKind): Node {
  return { type: 'assert', kind };
}
