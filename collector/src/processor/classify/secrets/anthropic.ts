/**
 * secret:anthropic_api_key — `sk-ant-<type><NN>-<body>`: API keys (`sk-ant-api03-`, 93
 * characters then "AA"), admin keys (`sk-ant-admin01-`) and OAuth tokens (`sk-ant-oat01-`,
 * `sk-ant-ort01-`). The type segment is matched generically so new versions are caught;
 * the body must be at least 40 characters of the token alphabet.
 *
 * Deliberately not caught: truncated keys and documentation stubs ("sk-ant-..."), which are
 * too short to be usable.
 */
import type { Detector, Emit } from '../types';
import { Literals, forEachPrefixedToken } from '../literals';
import { isTokenChar } from '../scan';

const PREFIX = new Literals(['sk-ant-']);

// Anchored and run on one token of at most 400 characters; the only variable-length parts
// ([a-z]{2,12} then \d{2}, and the final class) cannot overlap, so matching is linear.
const SHAPE = /^sk-ant-[a-z]{2,12}\d{2}-[A-Za-z0-9_-]{40,}$/;

export const anthropicApiKey: Detector = {
  kind: 'secret:anthropic_api_key',
  scan(text: string, emit: Emit): void {
    forEachPrefixedToken(text, PREFIX, isTokenChar, (start, end) => {
      if (end - start <= 400 && SHAPE.test(text.slice(start, end))) emit(start, end);
    });
  },
};
