/**
 * secret:private_key — PEM private key blocks: `-----BEGIN <label>PRIVATE KEY-----` (RSA, EC,
 * DSA, OPENSSH, ENCRYPTED, PKCS#8 with no label, "PGP PRIVATE KEY BLOCK"), through the
 * matching END line. The finding spans the whole block, so redaction removes the key body.
 *
 * A header alone (documentation) is not reported: at least 40 base64 characters must follow.
 * Without an END line within 64 KB (a truncated paste), the finding runs to the end of the
 * base64 body (see bodyEnd), including `\n` escapes of JSON-encoded keys.
 *
 * Linear: the header is parsed with a bounded read, the next END marker is found with a
 * forward-only cached search, and the scan resumes after the block.
 *
 * Deliberately not caught: public keys and certificates (not secret), raw base64 DER keys
 * without the PEM armour, PuTTY .ppk files.
 */
import type { Detector, Emit } from '../types';
import { LiteralSearch, Literals, forEachLiteral } from '../literals';
import { isAlnum, isUpper, isDigit } from '../scan';

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';
const MAX_LABEL = 48;
const MAX_BLOCK = 64 * 1024;
const MIN_BODY = 40;
const BEGINS = new Literals([BEGIN]);
const ENDS = new Literals([END]);

const isLabelChar = (c: number): boolean => isUpper(c) || isDigit(c) || c === 32;

export const privateKey: Detector = {
  kind: 'secret:private_key',
  scan(text: string, emit: Emit): void {
    const ends = new LiteralSearch(text, ENDS);
    forEachLiteral(text, BEGINS, (at) => {
      const label = readLabel(text, at + BEGIN.length);
      if (label === null) return at + BEGIN.length;
      const bodyStart = at + BEGIN.length + label.length + DASHES.length;

      const endAt = ends.at(bodyStart);
      if (endAt >= 0 && endAt - bodyStart <= MAX_BLOCK && text.startsWith(label + DASHES, endAt + END.length)) {
        const blockEnd = endAt + END.length + label.length + DASHES.length;
        if (countBase64(text, bodyStart, endAt, MIN_BODY) >= MIN_BODY) emit(at, blockEnd);
        return blockEnd;
      }
      const i = bodyEnd(text, bodyStart, Math.min(text.length, bodyStart + MAX_BLOCK));
      if (countBase64(text, bodyStart, i, MIN_BODY) >= MIN_BODY) emit(at, i);
      return Math.max(i, bodyStart);
    });
  },
};

/** "RSA PRIVATE KEY" etc. when the header is `-----BEGIN <label>-----` and the label names a private key. */
function readLabel(text: string, from: number): string | null {
  let i = from;
  while (i < text.length && i - from <= MAX_LABEL && isLabelChar(text.charCodeAt(i))) i++;
  if (i - from > MAX_LABEL || !text.startsWith(DASHES, i)) return null;
  const label = text.slice(from, i);
  return label.endsWith('PRIVATE KEY') || label.endsWith('PRIVATE KEY BLOCK') ? label : null;
}

/**
 * End of a PEM body that has no END line (a truncated paste): base64 lines, optionally after
 * "Proc-Type:"/"DEK-Info:" header lines and a blank line. Once a base64 line has been seen, a
 * blank line, a space or anything outside the PEM alphabet ends the body, so trailing prose is
 * not swallowed. Newlines may be real or JSON-escaped ("\\n"). A lone '-' is allowed
 * ("AES-128-CBC"), "--" (the next armour line) is not.
 */
function bodyEnd(text: string, from: number, limit: number): number {
  let i = from;
  let end = from; // end of the last complete body character seen
  let inBody = false;
  let lineChars = 0; // base64 characters on the current line
  let lineClean = true; // no ':' or spaces on the current line
  let blankRun = 0; // consecutive line breaks
  while (i < limit) {
    const c = text.charCodeAt(i);
    const escapedBreak = c === 92 && (text.charCodeAt(i + 1) === 110 || text.charCodeAt(i + 1) === 114);
    if (c === 10 || c === 13 || escapedBreak) {
      if (lineClean && lineChars >= 16) inBody = true;
      if (c !== 13 && !(escapedBreak && text.charCodeAt(i + 1) === 114)) blankRun++;
      if (inBody && blankRun > 1) break;
      lineChars = 0;
      lineClean = true;
      i += escapedBreak ? 2 : 1;
      continue;
    }
    if (c === 32 || c === 9 || c === 58 || c === 44) {
      if (inBody) break;
      lineClean = false;
    } else if (c === 45) {
      if (text.charCodeAt(i + 1) === 45) break;
    } else if (isAlnum(c) || c === 43 || c === 47 || c === 61) {
      lineChars++;
      end = i + 1;
    } else {
      break;
    }
    blankRun = 0;
    i++;
  }
  return end;
}

/** Alphanumeric characters in [from, to), counting up to `enough`. */
function countBase64(text: string, from: number, to: number, enough: number): number {
  let n = 0;
  for (let i = from; i < to && n < enough; i++) if (isAlnum(text.charCodeAt(i))) n++;
  return n;
}
