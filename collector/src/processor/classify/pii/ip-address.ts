/**
 * pii:ip_address — IPv4 dotted quads and IPv6 (full, '::'-compressed, with an embedded IPv4
 * tail), each parsed by a bounded hand-written reader from candidate starts at a boundary.
 *
 * Not reported, because they identify no one: loopback (127.0.0.0/8, ::1), unspecified
 * (0.0.0.0, ::), the 0.x.x.x block and broadcast 255.255.255.255. Private ranges are reported
 * (they still describe someone's network).
 *
 * Deliberately not caught: IPv4 with leading zeros ("010.001.002.003", ambiguous octal) or in
 * other notations (hex, single integer), IPv6 with fewer than two written groups ("fe80::"),
 * IPv6 without any decimal digit (so "be::ef"-style identifiers stay out), and 4-part version
 * numbers are indistinguishable from addresses ("1.2.3.4" is reported).
 */
import { candidateDetector } from '../candidates';
import { boundaryBefore, escapeBefore, isAlnum, isDigit, isHex, isWord } from '../scan';

export const ipAddress = candidateDetector({
  kind: 'pii:ip_address',
  /**
   * Where an address can start: at four dotted numbers (IPv4), or up to four positions before
   * a ':' followed by a hex digit or ':' (every IPv6 form of at least two groups has one within
   * its first five characters: "::" or a group of 1-4 hex digits, then ':' and more).
   */
  candidate: /[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]|:[0-9A-Fa-f:]/,
  lookBehind: 4,
  check(text, i, emit) {
    const c = text.charCodeAt(i);
    let end = -1;
    if ((isHex(c) || c === 58) && boundaryBefore(text, i, isV6Char)) end = ipv6At(text, i);
    if (end < 0 && isDigit(c) && v4StartOk(text, i)) end = ipv4At(text, i);
    if (end < 0) return i + 1;
    emit(i, end);
    return end;
  },
});

/** Characters an IPv6 address must not be glued to: word characters, '.', ':'. */
const isV6Char = (c: number): boolean => isWord(c) || c === 46 || c === 58;

/** Not glued to a word or a dotted number; after ':' only when that is a label ("host:10.0.0.1"), not a time or an IPv6 group. */
function v4StartOk(text: string, i: number): boolean {
  if (i === 0) return true;
  const p = text.charCodeAt(i - 1);
  if (isWord(p)) return escapeBefore(text, i) > 0;
  if (p === 46) return false;
  if (p === 58) return !(i >= 2 && (isDigit(text.charCodeAt(i - 2)) || text.charCodeAt(i - 2) === 58));
  return true;
}

/** After an IPv4 address: not a word character or another dotted part; a ":port" is fine. */
function v4EndOk(text: string, i: number): boolean {
  if (i + 1 >= text.length) return i >= text.length || !isWord(text.charCodeAt(i));
  const c = text.charCodeAt(i);
  const next = text.charCodeAt(i + 1);
  if (isWord(c)) return false;
  if (c === 46) return !isAlnum(next); // "1.2.3.4.5" is not an address; "1.2.3.4." ends a sentence
  if (c === 58) return !isWord(next) || portFollows(text, i);
  return true;
}

/** ":<1-5 digits>" then a non-word character. */
function portFollows(text: string, colon: number): boolean {
  let j = colon + 1;
  while (j < text.length && j - colon <= 6 && isDigit(text.charCodeAt(j))) j++;
  const n = j - colon - 1;
  return n >= 1 && n <= 5 && (j >= text.length || !isWord(text.charCodeAt(j)));
}

/** Four decimal octets 0-255 without leading zeros, or null. */
function readIpv4(text: string, start: number): { end: number; octets: number[] } | null {
  const octets: number[] = [];
  let i = start;
  for (let k = 0; k < 4; k++) {
    if (k > 0) {
      if (text.charCodeAt(i) !== 46) return null;
      i++;
    }
    const s = i;
    while (i < text.length && i - s < 4 && isDigit(text.charCodeAt(i))) i++;
    const len = i - s;
    if (len === 0 || len > 3 || (len > 1 && text.charCodeAt(s) === 48)) return null;
    const v = +text.slice(s, i);
    if (v > 255) return null;
    octets.push(v);
  }
  return { end: i, octets };
}

function ipv4At(text: string, start: number): number {
  const r = readIpv4(text, start);
  if (!r || !v4EndOk(text, r.end)) return -1;
  const [a, b, c, d] = r.octets;
  if (a === 0 || a === 127 || (a === 255 && b === 255 && c === 255 && d === 255)) return -1;
  return r.end;
}

/**
 * RFC 4291 text forms: eight groups of 1-4 hex digits, or fewer with one '::', optionally
 * ending in a dotted IPv4 (counting as two groups). Reads at most ~45 characters.
 */
function ipv6At(text: string, start: number): number {
  let i = start;
  let groups = 0;
  let compressed = false;
  let hasDigit = false;
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return -1;
    compressed = true;
    i += 2;
  }
  let end = i;
  for (;;) {
    const s = i;
    while (i < text.length && i - s < 5 && isHex(text.charCodeAt(i))) i++;
    const len = i - s;
    if (len === 0) {
      if (!compressed || end !== s) return -1; // only "::" may be followed by nothing
      break;
    }
    if (len > 4) return -1;
    if (text.charCodeAt(i) === 46) {
      // Embedded IPv4 tail ("::ffff:192.0.2.1"): must be the last part.
      const v4 = readIpv4(text, s);
      if (!v4 || groups > 6) return -1;
      groups += 2;
      hasDigit = true;
      end = v4.end;
      break;
    }
    for (let k = s; k < i; k++) if (isDigit(text.charCodeAt(k))) hasDigit = true;
    groups++;
    end = i;
    if (groups > 8) return -1;
    if (text.charCodeAt(i) !== 58) break;
    if (text.charCodeAt(i + 1) === 58) {
      if (compressed) return -1;
      compressed = true;
      i += 2;
      end = i;
      if (!isHex(text.charCodeAt(i))) break;
    } else if (isHex(text.charCodeAt(i + 1))) {
      i++;
    } else {
      break;
    }
  }
  if (compressed ? groups > 7 : groups !== 8) return -1;
  if (groups < 2 || !hasDigit) return -1;
  const c = text.charCodeAt(end);
  if (end < text.length && (isWord(c) || c === 58 || (c === 46 && isDigit(text.charCodeAt(end + 1))))) return -1;
  return end;
}
