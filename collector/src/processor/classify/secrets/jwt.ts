/**
 * secret:jwt — compact JWS tokens: three base64url segments joined by '.', where the first
 * two are JSON objects (so both start with "eyJ", base64 of '{"') and the header, decoded,
 * names an "alg". The signature must be present (16+ characters): unsigned `alg: none`
 * tokens carry no credential.
 *
 * Deliberately not caught: JWE (five segments), JWTs split across lines, headers longer than
 * 1 KB, tokens whose payload is not a JSON object.
 */
import type { Detector, Emit } from '../types';
import { Literals, forEachLiteral } from '../literals';
import { boundaryBefore, isTokenChar, runEnd } from '../scan';

/** base64 of '{"': every JWT header and payload starts with it. */
const JSON_START = new Literals(['eyJ']);
const MAX_HEADER = 1024;
/** base64url characters plus '.', so a JWT is one run and cannot start inside another. */
const isJwtChar = (c: number): boolean => isTokenChar(c) || c === 46;

export const jwt: Detector = {
  kind: 'secret:jwt',
  scan(text: string, emit: Emit): void {
    forEachLiteral(text, JSON_START, (start) => {
      const headerEnd = runEnd(text, start, isTokenChar);
      // Not at a boundary: skip the whole run; "eyJeyJeyJ..." is consumed once.
      if (!boundaryBefore(text, start, isJwtChar)) return headerEnd;
      if (text.charCodeAt(headerEnd) !== 46 || !text.startsWith('eyJ', headerEnd + 1)) return headerEnd;
      const payloadEnd = runEnd(text, headerEnd + 1, isTokenChar);
      if (text.charCodeAt(payloadEnd) !== 46) return payloadEnd;
      const sigEnd = runEnd(text, payloadEnd + 1, isTokenChar);
      // A fourth segment means JWE or something else; a '.' ending the sentence is fine.
      const more = text.charCodeAt(sigEnd) === 46 && isTokenChar(text.charCodeAt(sigEnd + 1));
      if (sigEnd - payloadEnd - 1 < 16 || more) return sigEnd;
      if (
        headerEnd - start <= MAX_HEADER &&
        headerNamesAlg(text.slice(start, headerEnd)) &&
        payloadEnd - headerEnd > 8
      ) {
        emit(start, sigEnd);
      }
      return sigEnd;
    });
  },
};

function headerNamesAlg(segment: string): boolean {
  const json = Buffer.from(segment, 'base64url').toString('latin1');
  return json.startsWith('{') && /"alg"\s{0,8}:/.test(json);
}
