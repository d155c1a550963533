/**
 * pii:iban — country code, two check digits and the BBAN, compact ("DE89370400440532013000")
 * or printed in groups of four ("DE89 3704 0044 0532 0130 00"). A candidate must have exactly
 * the length registered for its country (SWIFT IBAN registry) and pass ISO 7064 mod-97.
 *
 * Deliberately not caught: lower-case IBANs, other group separators ('-', '.'), countries not
 * in the registry table, and national account numbers (BBAN without the IBAN prefix).
 */
import { candidateDetector } from '../candidates';
import { ibanChecksumValid } from '../checksums';
import { boundaryBefore, isAlnum, isDigit, isUpper } from '../scan';

/** IBAN length per country, SWIFT IBAN registry. */
const LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

export const iban = candidateDetector({
  kind: 'pii:iban',
  /**
   * Where an IBAN can start: two positions before its check digits, which follow the country
   * code. Searched from the digits, which are far rarer than capital letters in prose, so the
   * search stops less often.
   */
  candidate: /[0-9]{2}(?<=[A-Z]{2}[0-9]{2})/,
  lookBehind: 2,
  check(text, i, emit) {
    if (i + 4 >= text.length || !boundaryBefore(text, i, isAlnum)) return i + 1;
    const end = ibanAt(text, i);
    if (end < 0) return i + 1;
    emit(i, end);
    return end;
  },
});

/**
 * Reads exactly the registered length from `start`, allowing one space at each 4-character
 * group boundary; bounded by 34 + 8 characters. Returns the end offset, or -1.
 */
function ibanAt(text: string, start: number): number {
  const length = LENGTHS[text.slice(start, start + 2)];
  if (length === undefined || !isDigit(text.charCodeAt(start + 2)) || !isDigit(text.charCodeAt(start + 3))) return -1;
  let compact = '';
  let i = start;
  let spaced: boolean | undefined;
  while (compact.length < length) {
    if (compact.length > 0 && compact.length % 4 === 0) {
      const space = text.charCodeAt(i) === 32;
      // Either every group boundary has a space or none does.
      if (spaced === undefined) spaced = space;
      else if (space !== spaced) return -1;
      if (space) i++;
    }
    const c = text.charCodeAt(i);
    if (!(isDigit(c) || isUpper(c))) return -1;
    compact += text[i];
    i++;
  }
  if (i < text.length && isAlnum(text.charCodeAt(i))) return -1;
  return ibanChecksumValid(compact) ? i : -1;
}
