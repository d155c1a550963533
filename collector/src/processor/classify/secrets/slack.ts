/**
 * secret:slack_token — Slack tokens and incoming-webhook URLs.
 *
 * Tokens: `xox` + type letter (b bot, p user, a/r workspace access/refresh, s/o legacy, e
 * rotating) + '-' + a numeric team/user id + '-' + more segments, e.g.
 * `xoxb-<10-13 digits>-<10-13 digits>-<24 alnum>`. The numeric first segment is what tells a
 * real token from prose like "xoxb-your-bot-token".
 *
 * Webhooks: `https://hooks.slack.com/services/T…/B…/<secret>` (also `/workflows/`,
 * `/triggers/`): the URL itself is the credential.
 *
 * Deliberately not caught: app-level tokens (`xapp-`), configuration tokens' `xoxe.` wrapper
 * (the inner `xoxp-` part is caught), signing secrets (plain hex, no prefix).
 */
import type { Detector, Emit } from '../types';
import { Literals, forEachLiteral, forEachPrefixedToken } from '../literals';
import { distinctChars, isAlnum, runEnd } from '../scan';

const TOKEN_PREFIXES = new Literals(['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxo-', 'xoxe-']);
const isSlackTokenChar = (c: number): boolean => isAlnum(c) || c === 45;
// Anchored, on one token of at most 300 characters: \d{1,15} is followed by a literal '-'
// it cannot match, so there is no ambiguity to backtrack over.
const TOKEN_SHAPE = /^xox[a-z]-\d{1,15}-[A-Za-z0-9-]{8,}$/;

const HOOK_HOST = 'hooks.slack.com/';
const HOOK = new Literals([HOOK_HOST]);
const HOOK_PATHS = ['services/', 'workflows/', 'triggers/'];
const isHookPathChar = (c: number): boolean => isAlnum(c) || c === 47 /* / */ || c === 95 || c === 45 || c === 43;

export const slackToken: Detector = {
  kind: 'secret:slack_token',
  scan(text: string, emit: Emit): void {
    forEachPrefixedToken(text, TOKEN_PREFIXES, isSlackTokenChar, (start, end) => {
      if (end - start < 20 || end - start > 300) return;
      if (TOKEN_SHAPE.test(text.slice(start, end)) && distinctChars(text, start + 5, end, 8) >= 8) emit(start, end);
    });

    forEachLiteral(text, HOOK, (at) => {
      const pathStart = at + HOOK_HOST.length;
      const kind = HOOK_PATHS.find((p) => text.startsWith(p, pathStart));
      if (!kind) return pathStart;
      const secretStart = pathStart + kind.length;
      const end = runEnd(text, secretStart, isHookPathChar, secretStart + 200);
      if (end - secretStart < 20) return end;
      const start = text.startsWith('https://', at - 8) ? at - 8 : text.startsWith('http://', at - 7) ? at - 7 : at;
      emit(start, end);
      return end;
    });
  },
};
