/**
 * Every detector must finish 1 MB of adversarial input in bounded time: no catastrophic
 * backtracking, no quadratic rescans. The bound is deliberately far from typical times (30 s per
 * detector per input, where a few to a few hundred milliseconds is usual, even on a loaded
 * machine) so this is not a timing test: what it catches is a detector that hangs or goes
 * quadratic, which on 1 MB means hours. It is CPU time, this process's, so other work on a loaded
 * machine (parallel test workers) does not count against a detector.
 */
import { createClassifier, DEFAULT_CLASSIFY_CONFIG } from '../../collector/src/processor/classify';
import { createCustomDetector } from '../../collector/src/processor/classify/custom';
import { promptInjection } from '../../collector/src/processor/classify/injection';
import { PII_DETECTORS } from '../../collector/src/processor/classify/pii';
import { SECRET_DETECTORS } from '../../collector/src/processor/classify/secrets';
import type { Detector } from '../../collector/src/processor/classify/types';

const MB = 1 << 20;
const BOUND_MS = 30_000;
const fill = (unit: string): string => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);

function pseudoRandom(alphabet: string): string {
  let x = 1;
  const out: string[] = [];
  for (let i = 0; i < MB; i++) {
    x = (Math.imul(x, 48271) + 11) >>> 0;
    out.push(alphabet[(x >>> 16) % alphabet.length]);
  }
  return out.join('');
}

const INPUTS: [string, string][] = [
  ['1 MB of one digit', fill('7')],
  ['1 MB of one letter', fill('a')],
  ['1 MB of "-"', fill('-')],
  ['1 MB of "@"', fill('@')],
  ['1 MB of ":"', fill(':')],
  ['aaaa@aaaa@...', fill('aaaa@')],
  ['a@b.a@b.', fill('a@b.')],
  ['digits and spaces', fill('1 ')],
  ['digits and dashes', fill('12-')],
  ['digits and dots', fill('1.')],
  ['hex and colons', fill('ab:1:')],
  ['card-like groups', fill('4111 ')],
  ['IBAN-like groups', fill('DE89 ')],
  ['phone-like groups', fill('+1 (415) ')],
  ['repeated sk-', fill('sk-')],
  ['repeated sk-ant-', fill('sk-ant-api03-')],
  ['repeated ghp_/xoxb-/AKIA', fill('ghp_xoxb-1-AKIA')],
  ['repeated ID-like tokens', fill('AB123456')],
  ['repeated -----BEGIN', fill('-----BEGIN ')],
  ['repeated PEM headers without END', fill('-----BEGIN RSA PRIVATE KEY-----\n')],
  ['repeated eyJ', fill('eyJ')],
  ['repeated JWT headers', fill('eyJhbGciOiJIUzI1NiJ9.')],
  ['repeated ://', fill('postgres://a:b@')],
  ['repeated secret labels', fill('aws_secret_access_key=')],
  ['unterminated JSON string of escapes', '{"a":"' + fill('x\\"\\n\\u00')],
  ['1 MB of backslashes', fill('\\')],
  ['repeated injection words', fill('ignore all previous you are now ')],
  ['random base64', pseudoRandom('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')],
  [
    'random printable ASCII',
    pseudoRandom(' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\n'),
  ],
];

const CUSTOM: Detector[] = [
  createCustomDetector({ name: 'employee_id', pattern: 'EMP-\\d{6}' }, 0),
  createCustomDetector({ name: 'token', pattern: '\\b[A-Za-z0-9]{20,40}\\b' }, 1),
  createCustomDetector({ name: 'mailish', pattern: '[a-z]+@[a-z]+\\.(?:com|org)' }, 2),
  createCustomDetector({ name: 'phoneish', pattern: '(?:\\+?1[-. ]?)?\\(?\\d{3}\\)?[-. ]?\\d{3}[-. ]?\\d{4}' }, 3),
  // Short matches with an optional part that can run on: each search must not read to the end.
  createCustomDetector({ name: 'tail', pattern: '[A-Z]{2}\\d{6}(?:.*confidential)?' }, 4),
  createCustomDetector({ name: 'run_on', pattern: 'a(?:[a-z@]*\\d)?' }, 5),
  // Shapes that hang backtracking engines.
  createCustomDetector({ name: 'nested', pattern: '(?:a+)+[a@]' }, 6),
  createCustomDetector({ name: 'adjacent', pattern: '\\d+\\d*[ -]?\\d+' }, 7),
];

const DETECTORS: Detector[] = [...PII_DETECTORS, ...SECRET_DETECTORS, promptInjection, ...CUSTOM];

/** CPU milliseconds of this process spent in `run`. */
function timed(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000;
}

jest.setTimeout(10 * 60_000);

describe('1 MB pathological inputs finish in bounded time', () => {
  it.each(INPUTS)('%s: every detector', (_name, text) => {
    const slow: string[] = [];
    for (const d of DETECTORS) {
      let count = 0;
      const ms = timed(() => d.scan(text, () => count++));
      if (ms > BOUND_MS) slow.push(`${d.kind} took ${Math.round(ms)} ms`);
    }
    expect(slow).toEqual([]);
  });

  it.each(INPUTS)('%s: a whole classifier with a custom pattern', (_name, text) => {
    const classifier = createClassifier({
      ...DEFAULT_CLASSIFY_CONFIG,
      pii: { ...DEFAULT_CLASSIFY_CONFIG.pii, custom: [{ name: 'employee_id', pattern: 'EMP-\\d{6}' }] },
      redact: { enabled: true, kinds: ['*'] },
    });
    const ms = timed(() => classifier.redact(text, classifier.scan(text)));
    expect(ms).toBeLessThan(BOUND_MS);
  });
});
