/**
 * secret:openai_api_key — `sk-...` keys. Every OpenAI key format seen so far (legacy user keys,
 * `sk-proj-`, `sk-svcacct-`, `sk-admin-`) embeds the marker "T3BlbkFJ" (base64 of "OpenAI"),
 * which is what separates them from the many other vendors that also use an `sk-` prefix.
 * Typed keys (`sk-proj-` etc.) are also accepted without the marker when long and random.
 *
 * Deliberately not caught: bare `sk-` keys of other shapes without the marker (could be any
 * vendor), truncated or masked keys ("sk-...abcd").
 */
import type { Detector, Emit } from '../types';
import { Literals, forEachPrefixedToken } from '../literals';
import { distinctChars, isTokenChar } from '../scan';

const PREFIX = new Literals(['sk-']);
const MARKER = 'T3BlbkFJ';
const TYPED = ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-None-'];

export const openaiApiKey: Detector = {
  kind: 'secret:openai_api_key',
  scan(text: string, emit: Emit): void {
    forEachPrefixedToken(text, PREFIX, isTokenChar, (start, end) => {
      const len = end - start;
      if (len < 40 || len > 400 || text.startsWith('sk-ant-', start)) return; // sk-ant-: Anthropic
      const token = text.slice(start, end);
      if (token.includes(MARKER)) {
        emit(start, end);
        return;
      }
      const typed = TYPED.find((p) => token.startsWith(p));
      if (typed && len - typed.length >= 40 && distinctChars(text, start + typed.length, end, 16) >= 16)
        emit(start, end);
    });
  },
};
