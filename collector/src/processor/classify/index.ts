/**
 * Content classification: finds PII, secrets and prompt-injection phrasing in the text of a
 * GenAI record (prompts, responses, system instructions, tool call arguments and results) and
 * reports what was found by kind and position, never by value.
 *
 * Usage (the pipeline's classify stage):
 *
 *   const classifier = createClassifier(config.processors.classify); // throws on a bad config
 *   record.violations = classifier.violations([input, output, system, ...toolTexts]);
 *   const findings = classifier.scan(input);
 *   const sealedInput = seal(classifier.redact(input, findings)); // identity unless redact.enabled
 *
 * Kinds:
 *  - PII: pii:email, pii:phone, pii:credit_card, pii:iban, pii:us_ssn, pii:ip_address, and
 *    pii:<name> for each custom pattern in config;
 *  - secrets: secret:openai_api_key, secret:anthropic_api_key, secret:aws_access_key,
 *    secret:github_token, secret:slack_token, secret:stripe_key, secret:jwt,
 *    secret:private_key, secret:connection_string;
 *  - prompt_injection.
 * Each detector's file says what it deliberately does not catch; all favour precision.
 *
 * Guarantees:
 *  - every detector runs in time linear in the text length on any input (see ./scan.ts for the
 *    approach, ./custom for user patterns), so hostile content cannot stall the pipeline;
 *  - findings carry offsets only; no error message contains scanned text; nothing here logs;
 *  - offsets are UTF-16 code units, the indices String#slice takes.
 */
import { CandidateSearch, isCandidateDetector } from './candidates';
import { kindSelector, type ClassifyConfig } from './config';
import { createCustomDetector, PatternError } from './custom';
import { promptInjection } from './injection';
import { PII_DETECTORS } from './pii';
import { redactSpans } from './redact';
import { SECRET_DETECTORS } from './secrets';
import type { Detector, Finding } from './types';

export type { Finding } from './types';
export type { ClassifyConfig } from './config';
export { DEFAULT_CLASSIFY_CONFIG, PII_KINDS, SECRET_KINDS, PROMPT_INJECTION_KIND } from './config';

export interface Classifier {
  /** All findings in `text`, ordered by start (then longest first, then kind). */
  scan(text: string): Finding[];
  /** The sorted, de-duplicated kinds found across `texts`: the record's `violations`. */
  violations(texts: Iterable<string>): string[];
  /**
   * `text` with the findings of the kinds selected by `redact.kinds` replaced by
   * `[REDACTED:<kind>]`; `text` unchanged when `redact.enabled` is false. `findings` must come
   * from scanning this same text (a RangeError is thrown for spans outside it).
   */
  redact(text: string, findings: readonly Finding[]): string;
  /** The kinds this classifier can report, given its config. */
  readonly kinds: readonly string[];
}

/**
 * Builds a classifier from the `processors.classify` config. Throws an Error whose message
 * names the offending key (and, for custom patterns, the entry's index and name and the
 * reason it was refused); never a message containing scanned content.
 */
export function createClassifier(config: ClassifyConfig): Classifier {
  const names = new Set<string>();
  config.pii.custom.forEach(({ name }, i) => {
    if (names.has(name))
      throw new PatternError(`classify config: pii.custom[${i}] "${name}" repeats a name used by an earlier entry`);
    names.add(name);
  });
  const detectors: Detector[] = [];
  if (config.pii.enabled) {
    const kinds = new Set(config.pii.kinds);
    detectors.push(...PII_DETECTORS.filter((d) => kinds.has(d.kind)));
    config.pii.custom.forEach((entry, i) => detectors.push(createCustomDetector(entry, i)));
  }
  if (config.secrets.enabled) detectors.push(...SECRET_DETECTORS);
  if (config.prompt_injection.enabled) detectors.push(promptInjection);

  const redactable = config.redact.enabled ? kindSelector(config.redact.kinds) : () => false;
  const kinds = [...new Set(detectors.map((d) => d.kind))].sort();
  // The pattern-prefiltered detectors share one search for their candidates (./candidates.ts).
  const candidates = new CandidateSearch(detectors.filter(isCandidateDetector));
  const others = detectors.filter((d) => !isCandidateDetector(d));

  const scan = (text: string): Finding[] => {
    if (typeof text !== 'string') throw new TypeError('classify: scan expects a string');
    const found: Finding[] = [];
    candidates.scan(text, (kind, start, end) => found.push({ kind, start, end }));
    for (const d of others) d.scan(text, (start, end) => found.push({ kind: d.kind, start, end }));
    return normalize(found);
  };

  return {
    kinds,
    scan,
    violations(texts: Iterable<string>): string[] {
      const seen = new Set<string>();
      for (const text of texts) for (const f of scan(text)) seen.add(f.kind);
      return [...seen].sort();
    },
    redact(text: string, findings: readonly Finding[]): string {
      if (typeof text !== 'string') throw new TypeError('classify: redact expects a string');
      return config.redact.enabled ? redactSpans(text, findings, redactable) : text;
    },
  };
}

/**
 * Sorts by start (longest first on ties, then kind) and drops a finding contained in an
 * earlier one of the same kind (two detectors or two passes reporting the same value, e.g. a
 * custom pattern overlapping itself, or an IPv4 tail inside an IPv6 address).
 */
function normalize(found: Finding[]): Finding[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  const reach = new Map<string, number>();
  const out: Finding[] = [];
  for (const f of found) {
    if ((reach.get(f.kind) ?? -1) >= f.end) continue;
    reach.set(f.kind, Math.max(reach.get(f.kind) ?? -1, f.end));
    out.push(f);
  }
  return out;
}
