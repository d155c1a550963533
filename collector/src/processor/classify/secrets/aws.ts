/**
 * secret:aws_access_key — AWS access key ids and, when labelled, secret access keys.
 *
 * Key ids: 20 characters, `AKIA` (long-term), `ASIA` (STS temporary), `ABIA`, `ACCA`, then 16
 * upper-case base32 characters, standing alone.
 *
 * Secret access keys are 40 characters of base64 with no prefix; alone they look like any
 * other hash, so they are reported only right after a label such as `aws_secret_access_key`,
 * `AWS_SECRET_ACCESS_KEY=`, `"SecretAccessKey": "` or `secret_access_key:`.
 *
 * Deliberately not caught: unlabelled secret keys; AWS's documentation examples
 * (`AKIAIOSFODNN7EXAMPLE`, `...EXAMPLEKEY`) and low-entropy placeholders.
 */
import type { Detector, Emit } from '../types';
import { Literals, forEachPrefixedToken } from '../literals';
import { distinctChars, isAlnum, isDigit, isUpper, runEnd } from '../scan';

const ID_PREFIXES = new Literals(['AKIA', 'ASIA', 'ABIA', 'ACCA']);

// Literal words with optional single separators, no repetition: linear with the g flag.
const SECRET_LABEL = /aws[_-]?secret[_-]?(?:access[_-]?)?key|secret[_-]?access[_-]?key/gi;
/** "secret" in any ASCII case, as the i flag of SECRET_LABEL reads it (no u flag: ASCII only). */
const HAS_SECRET = /[Ss][Ee][Cc][Rr][Ee][Tt]/;
/** Between a label and its value: quotes, spaces, '=', ':', '=>', and JSON escapes. */
const isLabelGap = (c: number): boolean =>
  c === 32 || c === 9 || c === 34 || c === 39 || c === 96 || c === 58 || c === 61 || c === 62 || c === 92;
const isSecretChar = (c: number): boolean => isAlnum(c) || c === 43 /* + */ || c === 47 /* / */ || c === 61; /* = */

/**
 * Both label forms end with "key" (in any case), and a value is reported only after at least
 * one gap character: so there is a "key" then a gap character. Searched by its 'k' (indexOf,
 * fast), which is rarer in prose than any letter of "secret".
 */
function keyBeforeGap(text: string): boolean {
  for (const k of ['k', 'K']) {
    for (let at = text.indexOf(k); at >= 0; at = text.indexOf(k, at + 1)) {
      // c | 0x20 is 'e' (101) or 'y' (121) for that letter in either case only.
      if (
        (text.charCodeAt(at + 1) | 0x20) === 101 &&
        (text.charCodeAt(at + 2) | 0x20) === 121 &&
        isLabelGap(text.charCodeAt(at + 3))
      )
        return true;
    }
  }
  return false;
}

export const awsAccessKey: Detector = {
  kind: 'secret:aws_access_key',
  scan(text: string, emit: Emit): void {
    forEachPrefixedToken(text, ID_PREFIXES, isAlnum, (start, end) => {
      if (end - start !== 20 || text.startsWith('EXAMPLE', end - 7)) return;
      for (let i = start + 4; i < end; i++) {
        const c = text.charCodeAt(i);
        if (!isUpper(c) && !isDigit(c)) return;
      }
      if (distinctChars(text, start + 4, end, 6) >= 6) emit(start, end);
    });

    // Most texts are ruled out by fast searches for what every label has before a value.
    if (!keyBeforeGap(text) || !HAS_SECRET.test(text)) return;
    const label = new RegExp(SECRET_LABEL.source, SECRET_LABEL.flags);
    for (let m = label.exec(text); m !== null; m = label.exec(text)) {
      const valueStart = runEnd(text, label.lastIndex, isLabelGap, label.lastIndex + 12);
      if (valueStart === label.lastIndex) continue; // "secret_access_keys", "...keyId"
      const valueEnd = runEnd(text, valueStart, isSecretChar, valueStart + 41);
      if (valueEnd - valueStart !== 40 || (valueEnd < text.length && isSecretChar(text.charCodeAt(valueEnd)))) continue;
      if (text.startsWith('EXAMPLEKEY', valueEnd - 10) || distinctChars(text, valueStart, valueEnd, 12) < 12) continue;
      emit(valueStart, valueEnd);
      label.lastIndex = valueEnd;
    }
  },
};
