/**
 * pii:phone — conservative on purpose: prompts are full of numbers (token counts, ids, dates,
 * amounts, versions), so a number is a phone only when its *shape* says so:
 *
 *  - international: '+' or '00', then 8..15 digits (E.164), in any grouping
 *    ("+1 415 555 0100", "+44 (0)20 7946 0958", "+33 1 23 45 67 89", "0049 30 1234567");
 *    ungrouped only with 10..15 digits ("+14155550100");
 *  - North American: (NPA) NXX-XXXX with separators, optional leading 1, area and exchange
 *    codes starting 2-9 ("(415) 555-0100", "415.555.0100", "1-800-555-0199");
 *  - European national: trunk 0 then 9..11 digits in groups of 2+ joined by one repeated
 *    separator ("020 7946 0958", "01 23 45 67 89", "030/12345678", "06-12345678").
 *
 * Deliberately not caught: ungrouped national numbers ("4155550100", "0612345678"), numbers
 * without a trunk prefix in national format (Spain, "555-0100"), vanity numbers, extensions.
 * Those forms are indistinguishable from ids without context.
 *
 * Each candidate start is parsed with a bounded reader (at most ~24 characters), so the scan
 * is linear in the text length.
 */
import { candidateDetector } from '../candidates';
import { boundaryBefore, isDigit, isWord, numberEndOk, numberStartOk } from '../scan';

const MAX_DIGITS = 15;
const MAX_GROUPS = 8;

export const phone = candidateDetector({
  kind: 'pii:phone',
  /**
   * Where a phone number can start: every form above has at least 8 digits, and between two
   * of its digits there is at most ")", two separators and "(".
   */
  candidate: /\+?\(?[0-9](?:[ \-./()]{0,4}[0-9]){7}/,
  lookBehind: 0,
  check(text, i, emit) {
    const c = text.charCodeAt(i);
    const startOk =
      c === 43 /* + */ || c === 40 /* ( */ ? openerOk(text, i) : isDigit(c) && numberStartOk(text, i, false);
    if (!startOk) return i + 1;
    const end = phoneAt(text, i);
    if (end < 0) return i + 1;
    emit(i, end);
    return end;
  },
});

/** '+' or '(' may open a number unless glued to a word or a digit, or doubled ("3+5", "C++1", "f(415)"). */
function openerOk(text: string, i: number): boolean {
  if (!boundaryBefore(text, i, isWord)) return false;
  const p = i > 0 ? text.charCodeAt(i - 1) : -1;
  return p !== 43 && !isDigit(p);
}

interface Parsed {
  digits: string;
  sizes: number[];
  /** Separator text before each group after the first ("", " ", "-", ") ", ...). */
  seps: string[];
  /** Index of the group written in parentheses, or -1. */
  paren: number;
  plus: boolean;
  end: number;
}

/** End of the phone number starting at `start`, or -1. */
function phoneAt(text: string, start: number): number {
  const p = parse(text, start);
  if (!p || !numberEndOk(text, p.end)) return -1;
  const ok =
    p.plus || p.digits.startsWith('00') ? international(p) : p.digits[0] === '0' ? european(p) : northAmerican(p);
  return ok ? p.end : -1;
}

/**
 * Reads '+'? then digit groups; a group may be parenthesised; between groups at most two
 * separator characters from " -./" (plus the closing parenthesis). Returns null for anything
 * longer than an E.164 number.
 */
function parse(text: string, start: number): Parsed | null {
  const p: Parsed = { digits: '', sizes: [], seps: [], paren: -1, plus: false, end: start };
  let i = start;
  if (text.charCodeAt(i) === 43) {
    p.plus = true;
    i++;
  }
  let sep = '';
  for (;;) {
    let open = false;
    if (text.charCodeAt(i) === 40) {
      if (p.paren >= 0) return null;
      open = true;
      i++;
    }
    const groupStart = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) {
      if (p.digits.length === MAX_DIGITS) return null;
      p.digits += text[i];
      i++;
    }
    if (i === groupStart) return null;
    const size = i - groupStart;
    if (open) {
      if (text.charCodeAt(i) !== 41 /* ) */) return null;
      p.paren = p.sizes.length;
      i++;
    }
    p.sizes.push(size);
    if (p.sizes.length > 1) p.seps.push(sep);
    p.end = i;
    if (p.sizes.length === MAX_GROUPS) break;
    // Up to two separator characters, then the next group must start.
    let j = i;
    while (j < text.length && j - i < 2 && isSep(text.charCodeAt(j))) j++;
    const next = text.charCodeAt(j);
    const closedParen = open;
    if ((j === i && !closedParen) || !(isDigit(next) || (next === 40 && p.paren < 0))) break;
    sep = (closedParen ? ')' : '') + text.slice(i, j);
    i = j;
  }
  // More digits right after what was read: longer than any phone number.
  const after = text.charCodeAt(p.end);
  if (isDigit(after)) return null;
  if (isSep(after) && isDigit(text.charCodeAt(p.end + 1))) return null;
  return p;
}

const isSep = (c: number): boolean => c === 32 || c === 45 || c === 46 || c === 47;

function international(p: Parsed): boolean {
  const digits = p.plus ? p.digits : p.digits.slice(2); // drop the "00" international prefix
  if (digits.length < 8 || digits.length > 15 || digits[0] === '0') return false;
  // Ungrouped: only "+" and 10+ digits; "00123456789012" is as likely an id with leading zeros.
  if (p.sizes.length === 1) return p.plus && digits.length >= 10;
  return p.seps.every((s) => s.replace(')', '').length <= 1);
}

function northAmerican(p: Parsed): boolean {
  let sizes = p.sizes;
  let digits = p.digits;
  let seps = p.seps;
  let paren = p.paren;
  if (sizes.length === 4 && sizes[0] === 1 && digits[0] === '1') {
    sizes = sizes.slice(1);
    digits = digits.slice(1);
    seps = seps.slice(1);
    paren -= 1;
  }
  if (sizes.length !== 3 || sizes[0] !== 3 || sizes[1] !== 3 || sizes[2] !== 4) return false;
  if (paren > 0) return false;
  // Area code and exchange both start 2-9 (NANP); N11 area codes are service numbers.
  if (digits[0] < '2' || digits[3] < '2' || digits.slice(1, 3) === '11') return false;
  const [a, b] = seps;
  if (b !== '-' && b !== '.' && b !== ' ') return false;
  if (paren === 0) return a === ')' || a === ') ' || a === ')-';
  return a === b || (a === ' ' && b === '-');
}

function european(p: Parsed): boolean {
  if (p.paren >= 0 || p.sizes.length < 2) return false;
  if (p.digits.length < 9 || p.digits.length > 11 || p.digits[1] === '0') return false;
  if (p.sizes.some((n) => n < 2)) return false;
  const sep = p.seps[0];
  return sep.length === 1 && p.seps.every((s) => s === sep);
}
