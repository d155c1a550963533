/**
 * Configuration of the classify stage (`processors.classify`): shape, defaults, and the checks
 * createClassifier runs. The JSON Schema in collector/src/processor/classify/config.schema.json
 * describes the same shape for the config loader; a unit test keeps the two in step.
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

/** Kind selectors in redact.kinds: an exact kind, a family wildcard, or everything. */
export const KIND_SELECTOR = /^(?:\*|pii:\*|secret:\*|prompt_injection|pii:[a-z0-9_]{1,64}|secret:[a-z0-9_]{1,64})$/;

/** A predicate for "is this kind selected by one of these selectors". */
export function kindSelector(selectors: readonly string[]): (kind: string) => boolean {
  const exact = new Set(selectors.filter((s) => !s.endsWith('*')));
  const prefixes = selectors.filter((s) => s.endsWith('*')).map((s) => s.slice(0, -1));
  return (kind) => exact.has(kind) || prefixes.some((p) => kind.startsWith(p));
}

/**
 * Checks what the schema checks, so a config that did not come through the loader fails the
 * same way: the message names the key and the reason. Custom patterns are checked when their
 * detectors are built.
 */
export function checkConfig(config: ClassifyConfig): void {
  const fail = (key: string, reason: string): never => {
    throw new Error(`classify config: ${key} ${reason}`);
  };
  const obj = (v: unknown, key: string): void => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(key, 'must be an object');
  };
  const bool = (v: unknown, key: string): void => {
    if (typeof v !== 'boolean') fail(key, 'must be true or false');
  };
  const list = (v: unknown, key: string): void => {
    if (!Array.isArray(v)) fail(key, 'must be a list');
  };
  obj(config, '(processors.classify)');
  obj(config.pii, 'pii');
  bool(config.pii.enabled, 'pii.enabled');
  list(config.pii.kinds, 'pii.kinds');
  config.pii.kinds.forEach((k, i) => {
    if (!PII_KINDS.includes(k)) fail(`pii.kinds[${i}]`, `is not a built-in PII kind (one of ${PII_KINDS.join(', ')})`);
  });
  list(config.pii.custom, 'pii.custom');
  obj(config.secrets, 'secrets');
  bool(config.secrets.enabled, 'secrets.enabled');
  obj(config.prompt_injection, 'prompt_injection');
  bool(config.prompt_injection.enabled, 'prompt_injection.enabled');
  obj(config.redact, 'redact');
  bool(config.redact.enabled, 'redact.enabled');
  list(config.redact.kinds, 'redact.kinds');
  config.redact.kinds.forEach((k, i) => {
    if (typeof k !== 'string' || !KIND_SELECTOR.test(k)) {
      fail(`redact.kinds[${i}]`, 'must be a kind ("pii:email"), "pii:*", "secret:*", "prompt_injection" or "*"');
    }
  });
  const names = new Set<string>();
  config.pii.custom.forEach((c, i) => {
    const name = typeof c === 'object' && c !== null ? c.name : undefined;
    if (typeof name === 'string' && names.has(name)) fail(`pii.custom[${i}] "${name}"`, 'repeats a name used by an earlier entry');
    if (typeof name === 'string') names.add(name);
  });
}
