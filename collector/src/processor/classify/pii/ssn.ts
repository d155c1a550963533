/**
 * pii:us_ssn — AAA-GG-SSSS or AAA GG SSSS (one separator, used twice), standing alone.
 *
 * Validity rules from the SSA: area 000, 666 and 900-999 are never issued, nor group 00 or
 * serial 0000; 078-05-1120 and 219-09-9999 are well-known published (invalid) numbers.
 *
 * Deliberately not caught: nine solid digits ("123456789"): without separators an SSN cannot
 * be told from any other nine-digit id, so flagging them would bury real findings. Also not
 * caught: numbers inside longer digit chains ("123-45-6789-01").
 */
import { candidateDetector } from '../candidates';
import { numberEndOk, numberStartOk, readDigitGroups } from '../scan';

const PUBLISHED = new Set(['078051120', '219099999']);

export const usSsn = candidateDetector({
  kind: 'pii:us_ssn',
  /** Where an SSN can start: 3 digits, a separator, 2 digits, a separator, 4 digits. */
  candidate: /[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}/,
  lookBehind: 0,
  check(text, i, emit) {
    if (!numberStartOk(text, i, false)) return i + 1;
    const g = readDigitGroups(text, i, '- ', 9, 3);
    if (g.more || g.ends.length !== 3 || g.seps[1] !== g.seps[2]) return i + 1;
    if (g.ends[0] - g.starts[0] !== 3 || g.ends[1] - g.starts[1] !== 2 || g.ends[2] - g.starts[2] !== 4) return i + 1;
    const end = g.ends[2];
    if (!numberEndOk(text, end) || !valid(g.digits)) return i + 1;
    emit(i, end);
    return end;
  },
});

function valid(d: string): boolean {
  const area = +d.slice(0, 3);
  if (area === 0 || area === 666 || area >= 900) return false;
  if (d.slice(3, 5) === '00' || d.slice(5) === '0000') return false;
  return !PUBLISHED.has(d);
}
