/**
 * secret:stripe_key — secret and restricted API keys: `sk_live_`, `rk_live_`, `sk_test_`,
 * `rk_test_` followed by base62 (Stripe keys are 24 to ~100 characters after the prefix and
 * may grow). Test-mode keys are included: they still open the account's test data.
 *
 * Deliberately not caught: publishable keys (`pk_live_`, meant to be public), webhook signing
 * secrets (`whsec_`), and placeholders ("sk_live_your_key_here" has underscores).
 */
import type { Detector, Emit } from '../types';
import { Literals, forEachPrefixedToken } from '../literals';
import { distinctChars, isAlnum, isWord } from '../scan';

const PREFIXES = new Literals(['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_']);

export const stripeKey: Detector = {
  kind: 'secret:stripe_key',
  scan(text: string, emit: Emit): void {
    forEachPrefixedToken(text, PREFIXES, isWord, (start, end) => {
      const bodyStart = start + 8;
      if (end - bodyStart < 20 || end - bodyStart > 247) return;
      for (let i = bodyStart; i < end; i++) if (!isAlnum(text.charCodeAt(i))) return;
      if (distinctChars(text, bodyStart, end, 10) >= 10) emit(start, end);
    });
  },
};
