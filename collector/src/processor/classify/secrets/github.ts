/**
 * secret:github_token — GitHub's prefixed tokens: `ghp_` (personal), `gho_` (OAuth), `ghu_`
 * (app user-to-server), `ghs_` (app server-to-server / Actions), `ghr_` (refresh), each with
 * 36 base62 characters today (GitHub reserves the right to grow them to 255), and fine-grained
 * PATs `github_pat_<22>_<59>`.
 *
 * Deliberately not caught: pre-2021 40-hex tokens (indistinguishable from SHA-1 hashes),
 * and placeholders with few distinct characters ("ghp_xxxx...").
 */
import type { Detector, Emit } from '../types';
import { Literals, forEachPrefixedToken } from '../literals';
import { distinctChars, isAlnum, isWord } from '../scan';

const PREFIXES = new Literals(['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_']);
const PAT = PREFIXES.needles.length - 1;

export const githubToken: Detector = {
  kind: 'secret:github_token',
  scan(text: string, emit: Emit): void {
    forEachPrefixedToken(text, PREFIXES, isWord, (start, end, which) => {
      const bodyStart = start + PREFIXES.needles[which].length;
      const len = end - bodyStart;
      if (which === PAT) {
        if (len < 70 || len > 255) return;
      } else {
        if (len < 36 || len > 251) return;
        for (let i = bodyStart; i < end; i++) if (!isAlnum(text.charCodeAt(i))) return;
      }
      if (distinctChars(text, bodyStart, end, 10) >= 10) emit(start, end);
    });
  },
};
