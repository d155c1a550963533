/**
 * pii:credit_card — 13 to 19 digits, written solid or in groups separated by one space or
 * one dash, that (1) start with a known issuer prefix (IIN) allowing that length and (2) pass
 * Luhn. Both checks together keep random digit strings (ids, timestamps, token counts) out:
 * most have no matching IIN, and of those that do, nine in ten fail Luhn.
 *
 * Grouped forms must look like cards: first group of 4, middle groups of 4 or 6 (Amex, Diners),
 * last group of 1..6, one separator character throughout. A card may be followed by more
 * space-separated digits ("4111 1111 1111 1111 123" with a CVV): the longest valid prefix wins.
 *
 * Deliberately not caught: cards split across lines or with mixed/other separators
 * ("4111.1111..."), digits spelled out, issuers not in the table (UATP, small domestic
 * schemes), card numbers glued to letters or inside longer digit strings.
 */
import { candidateDetector } from '../candidates';
import { luhnValid } from '../checksums';
import { numberEndOk, numberStartOk, readDigitGroups } from '../scan';

export const creditCard = candidateDetector({
  kind: 'pii:credit_card',
  /** Where a card can start: 13 digits, each after at most one separator. */
  candidate: /[0-9](?:[ -]?[0-9]){12}/,
  lookBehind: 0,
  check(text, i, emit) {
    if (!numberStartOk(text, i, true)) return i + 1;
    const end = cardAt(text, i);
    if (end < 0) return i + 1;
    emit(i, end);
    return end;
  },
});

/** End of the card number starting at `start`, or -1. Reads at most ~25 characters. */
function cardAt(text: string, start: number): number {
  const g = readDigitGroups(text, start, ' -', 19, 6);
  const n = g.ends.length; // 0 when the first run alone exceeds 19 digits: not a card
  // Longest candidate first, so a 19-digit card is not cut to its 16-digit prefix.
  let digitsUpTo = g.digits.length;
  for (let k = n; k >= 1; k--) {
    const len = digitsUpTo;
    digitsUpTo -= g.ends[k - 1] - g.starts[k - 1];
    if (len < 13) break;
    if (len > 19 || !layoutOk(g.starts, g.ends, g.seps, k)) continue;
    const end = g.ends[k - 1];
    // What follows must end the number, or be a space and more digits (a CVV, a second card).
    const after = k < n ? g.seps[k] : g.more ? g.nextSep : -1;
    if (after === -1 ? !numberEndOk(text, end) : after !== 32) continue;
    const digits = g.digits.slice(0, len);
    if (issuerAllows(digits) && luhnValid(digits)) return end;
  }
  return -1;
}

/** Group sizes and separators of the first k groups look like a printed card number. */
function layoutOk(starts: number[], ends: number[], seps: number[], k: number): boolean {
  if (k === 1) return true;
  for (let j = 0; j < k; j++) {
    const size = ends[j] - starts[j];
    if (j === 0 && size !== 4) return false;
    if (j > 0 && j < k - 1 && size !== 4 && size !== 6) return false;
    if (j === k - 1 && size > 6) return false;
    if (j > 0 && seps[j] !== seps[1]) return false;
  }
  return true;
}

/**
 * Issuer identification number ranges and the lengths each issuer uses (ISO/IEC 7812 as
 * published by the networks). Unlisted prefixes are rejected, which is what keeps
 * 13-digit millisecond timestamps (prefix 1) and similar numbers out.
 */
function issuerAllows(d: string): boolean {
  const len = d.length;
  const p2 = +d.slice(0, 2);
  const p3 = +d.slice(0, 3);
  const p4 = +d.slice(0, 4);
  const p6 = +d.slice(0, 6);
  if (d[0] === '4') return len === 13 || len === 16 || len === 19; // Visa
  if (p2 >= 51 && p2 <= 55) return len === 16; // Mastercard
  if (p4 >= 2221 && p4 <= 2720) return len === 16; // Mastercard 2-series
  if (p2 === 34 || p2 === 37) return len === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) {
    return len >= 16 && len <= 19; // Discover
  }
  if (p2 === 62 || p2 === 81) return len >= 16 && len <= 19; // UnionPay
  if (p4 >= 3528 && p4 <= 3589) return len >= 16 && len <= 19; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p4 === 3095) {
    return len >= 14 && len <= 19; // Diners Club
  }
  if (p4 >= 2200 && p4 <= 2204) return len >= 16 && len <= 19; // Mir
  if (p4 === 5018 || p4 === 5020 || p4 === 5038 || p4 === 5893 || p4 === 6304 || (p4 >= 6759 && p4 <= 6763)) {
    return len >= 13 && len <= 19; // Maestro
  }
  return false;
}
