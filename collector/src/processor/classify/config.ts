/**
 * Configuration of the classify stage (`processors.classify`): its shape and defaults. The
 * loader checks it against ./config.schema.json (test/unit/config-types.test.ts keeps the
 * two in step); createClassifier assumes a config that passed.
 */
import { PII_DETECTORS } from './pii';
import { SECRET_DETECTORS } from './secrets';

export const PII_KINDS: readonly string[] = PII_DETECTORS.map((d) => d.kind);
export const SECRET_KINDS: readonly string[] = SECRET_DETECTORS.map((d) => d.kind);
export const PROMPT_INJECTION_KIND = 'prompt_injection';

export interface ClassifyConfig {
  pii: {
    enabled: boolean;
    /** Built-in PII kinds to detect (e.g. "pii:email"); default all. Custom patterns always run. */
    kinds: string[];
    /** Extra PII patterns; each reports kind `pii:<name>`. */
    custom: { name: string; pattern: string }[];
  };
  secrets: { enabled: boolean };
  prompt_injection: { enabled: boolean };
  redact: {
    /** When false (default), `redact` returns the text unchanged. */
    enabled: boolean;
    /** Kinds to redact: exact kinds, or "pii:*", "secret:*", "*". Default ["pii:*"]. */
    kinds: string[];
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export const DEFAULT_CLASSIFY_CONFIG: ClassifyConfig = deepFreeze({
  pii: { enabled: true, kinds: [...PII_KINDS], custom: [] },
  secrets: { enabled: true },
  prompt_injection: { enabled: true },
  redact: { enabled: false, kinds: ['pii:*'] },
});

/** A predicate for "is this kind selected by one of these selectors". */
export function kindSelector(selectors: readonly string[]): (kind: string) => boolean {
  const exact = new Set(selectors.filter((s) => !s.endsWith('*')));
  const prefixes = selectors.filter((s) => s.endsWith('*')).map((s) => s.slice(0, -1));
  return (kind) => exact.has(kind) || prefixes.some((p) => kind.startsWith(p));
}
