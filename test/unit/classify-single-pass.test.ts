/**
 * Differential test of the classify stage's detection: the shipped classifier against the
 * findings the detectors made before detection became close to one pass over the text (one
 * regex or indexOf pass per detector, a tokenizer listing every word), recorded in
 * test/fixtures/classify/findings.json as digests of every text's findings (kind, start and
 * end, in order), a digest per 500 texts. They must be the same for every text here:
 *
 *  - seeded random texts mixing prose, injection phrases and their parts, every kind of PII and
 *    secret (valid, and near misses: wrong check digits, glued to letters, digits, escapes,
 *    underscores), JSON escapes, apostrophes and invisible characters inside words, non-ASCII
 *    text and random runs of the characters detectors look for;
 *  - the units ./classify-pathological.test.ts repeats, repeated to a few lengths, and tiny texts;
 *  - every text the classify stage scans for the benchmark's spans (bench/spans.js, the four
 *    512-span requests of the stages scenario), joined per field as the processor joins them,
 *    and string by string as it scans them when redacting;
 *
 * under the default config and under configs that leave detectors out (the pattern-based PII
 * detectors share one candidate search, built from the enabled ones). No timing here.
 *
 * A change meant to find something else rewrites the digests with
 * `AI_AUDIT_WRITE_GOLDEN=1` set; `node bench/scenarios/classify-ab.js` compares two builds
 * text by text, to see which texts a change affects.
 */
import { decodeTraceExportProtobuf } from '../../collector/src/receiver/otlp/decode';
import { documentStrings } from '../../collector/src/model/content';
import { CONTENT_FIELDS } from '../../collector/src/model/record';
import { createNormalizer } from '../../collector/src/processor/normalize';
import {
  createClassifier,
  DEFAULT_CLASSIFY_CONFIG,
  PII_KINDS,
  type ClassifyConfig,
} from '../../collector/src/processor/classify';
import { PHRASES, VETO_BEFORE } from '../../collector/src/processor/classify/injection/phrases';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { encodedRequest } = require('../../bench/spans.js') as {
  encodedRequest: (o: { seed: number; count: number; baseTimeMs: number }) => { bytes: Buffer };
};

type Random = () => number;

// Globals are slow to reach from a test's sandbox: what runs per character takes them once.
const imul = Math.imul;

/** mulberry32, as bench/spans.js: the same texts on every run. */
function rng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Random, lo: number, hi: number): number => lo + ((r() * (hi - lo + 1)) | 0);
const pick = <T>(r: Random, list: readonly T[]): T => list[(r() * list.length) | 0];
const chars = (r: Random, alphabet: string, n: number): string => {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[(r() * alphabet.length) | 0];
  return out;
};
const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz${DIGITS}`;
const BASE64 = `${ALNUM}+/`;
const HEX = '0123456789abcdefABCDEF';

/** Every word the injection phrases and the veto know, and some prose. */
const PHRASE_WORDS = [
  ...new Set(PHRASES.flatMap((p) => p.steps.flatMap((s) => (s.alts ?? []).flatMap((alt) => alt)))),
  ...VETO_BEFORE,
];
const PROSE =
  'the order was shipped to your address and the refund is pending please check whether it arrived today thanks'.split(
    ' ',
  );

const ANY_WORD = [...PROSE, ...PHRASE_WORDS];
const BEFORE_WORD = [...VETO_BEFORE, ...PROSE];

/** Random case, now and then an apostrophe, a zero-width character or a soft hyphen inside. */
function disguise(r: Random, word: string): string {
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const roll = r();
    out += roll < 0.15 ? word[i].toUpperCase() : word[i];
    if (i < word.length - 1 && r() < 0.03) out += pick(r, ["'", '\u2019', '\u200b', '\u00ad', '\u2060', '\ufeff']);
  }
  return r() < 0.1 ? out.toUpperCase() : out;
}

/** One way through a phrase's steps, word by word, sometimes broken or cut short. */
function phrase(r: Random): string {
  const p = pick(r, PHRASES);
  const words: string[] = [];
  for (const step of p.steps) {
    const times = int(r, step.min, Math.min(step.max, step.min + 2));
    for (let i = 0; i < times; i++) {
      if (step.alts === null) words.push(pick(r, ANY_WORD));
      else words.push(...pick(r, step.alts));
    }
    if (r() < 0.05) break;
  }
  if (r() < 0.3) words.unshift(pick(r, BEFORE_WORD));
  return words
    .map((w) => (r() < 0.3 ? disguise(r, w) : w))
    .join(pick(r, [' ', ' ', ' ', '  ', ', ', '\n', '. ', ' - ']));
}

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = +body[body.length - 1 - i];
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

function card(r: Random): string {
  const [prefix, length] = pick(r, [
    ['4', 16],
    ['4', 13],
    ['4', 19],
    ['51', 16],
    ['2221', 16],
    ['34', 15],
    ['37', 15],
    ['6011', 16],
    ['65', 19],
    ['3530', 16],
    ['36', 14],
    ['6304', 13],
    ['1', 16],
  ] as const);
  let digits = prefix + chars(r, DIGITS, length - prefix.length - 1);
  digits += r() < 0.8 ? luhnDigit(digits) : chars(r, DIGITS, 1);
  const sep = pick(r, ['', '', ' ', '-', '.']);
  if (sep === '' || r() < 0.2) return digits;
  const groups =
    length === 15 ? [4, 6, 5] : length === 14 ? [4, 6, 4] : [4, 4, 4, 4, 4].slice(0, Math.ceil(length / 4));
  let out = '';
  let at = 0;
  for (const size of groups) {
    if (at >= digits.length) break;
    out += (at > 0 ? sep : '') + digits.slice(at, at + size);
    at += size;
  }
  return out + (r() < 0.1 ? ` ${chars(r, DIGITS, 3)}` : '');
}

function ssn(r: Random): string {
  const area = pick(r, ['123', '000', '666', '901', '078', '219', String(int(r, 1, 899)).padStart(3, '0')]);
  const group = pick(r, ['45', '00', '05', '09', String(int(r, 1, 99)).padStart(2, '0')]);
  const serial = pick(r, ['6789', '0000', '1120', '9999', String(int(r, 0, 9999)).padStart(4, '0')]);
  const sep = pick(r, ['-', ' ', '-', '.']);
  return `${area}${sep}${group}${pick(r, [sep, sep, '-', ' '])}${serial}`;
}

function phone(r: Random): string {
  return pick(r, [
    () => `+1 ${int(r, 200, 999)} ${int(r, 200, 999)} ${chars(r, DIGITS, 4)}`,
    () => `(${int(r, 200, 999)}) ${int(r, 200, 999)}-${chars(r, DIGITS, 4)}`,
    () => `${int(r, 100, 999)}.${int(r, 100, 999)}.${chars(r, DIGITS, 4)}`,
    () => `1-800-${int(r, 200, 999)}-${chars(r, DIGITS, 4)}`,
    () => `+44 (0)20 ${chars(r, DIGITS, 4)} ${chars(r, DIGITS, 4)}`,
    () => `0${int(r, 1, 9)}${chars(r, DIGITS, 1)} ${chars(r, DIGITS, 4)} ${chars(r, DIGITS, 4)}`,
    () => `0049 30 ${chars(r, DIGITS, 7)}`,
    () => `+${chars(r, DIGITS, int(r, 8, 16))}`,
    () =>
      `0${int(r, 1, 9)} ${chars(r, DIGITS, 2)} ${chars(r, DIGITS, 2)} ${chars(r, DIGITS, 2)} ${chars(r, DIGITS, 2)}`,
    () => `030/${chars(r, DIGITS, 8)}`,
    () => `${chars(r, DIGITS, int(r, 7, 12))}`,
    () => chars(r, '0123456789 -./()+', int(r, 8, 24)),
  ])();
}

function iban(r: Random): string {
  const [country, length, letters] = pick(r, [
    ['DE', 22, 0],
    ['GB', 22, 4],
    ['FR', 27, 0],
    ['NL', 18, 4],
    ['NO', 15, 0],
    ['MT', 31, 4],
    ['XX', 20, 0],
  ] as const);
  const bban = chars(r, UPPER, letters) + chars(r, DIGITS, length - 4 - letters);
  const numeric = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rem = 0;
  for (const d of numeric) rem = (rem * 10 + +d) % 97;
  const check = r() < 0.85 ? String(98 - rem).padStart(2, '0') : chars(r, DIGITS, 2);
  const compact = country + check + bban;
  return r() < 0.5 ? compact : compact.replace(/(.{4})(?!$)/g, '$1 ');
}

function ip(r: Random): string {
  const octet = (): string => String(pick(r, [0, 1, 10, 127, 192, 255, 256, int(r, 0, 255)]));
  return pick(r, [
    () => `${octet()}.${octet()}.${octet()}.${octet()}`,
    () => `${octet()}.${octet()}.${octet()}.${octet()}:${int(r, 1, 99999)}`,
    () => `010.${octet()}.${octet()}.${octet()}`,
    () => `${octet()}.${octet()}.${octet()}.${octet()}.${octet()}`,
    () => Array.from({ length: 8 }, () => chars(r, HEX, int(r, 1, 4))).join(':'),
    () => `${chars(r, HEX, 4)}::${chars(r, HEX, int(r, 1, 4))}`,
    () => `::ffff:${octet()}.${octet()}.${octet()}.${octet()}`,
    () => `fe80::${chars(r, HEX, 4)}:${chars(r, HEX, 4)}%eth0`,
    () => '::1',
    () => `${int(r, 0, 23)}:${int(r, 10, 59)}:${int(r, 10, 59)}`,
    () => chars(r, '0123456789abcdef:.', int(r, 4, 40)),
  ])();
}

function email(r: Random): string {
  const local = pick(r, ['jordan.smith', 'a', 'x+tag', 'first_last', '.dot', 'a..b', 'user%x', 'n-o']);
  const domain = pick(r, [
    'example.com',
    'mail.example.co.uk',
    'x.png',
    '2x.png',
    'a',
    'xn--bcher-kva.de',
    'b.c-',
    'd.museum',
  ]);
  return pick(r, [
    () => `${local}@${domain}`,
    () => `postgres://${local}:secret@${domain}`,
    () => `mailto:${local}@${domain}.`,
    () => `${local}@${local}@${domain}`,
    () => `name@${int(r, 1, 3)}x.png`,
    () => `pkg@${int(r, 1, 9)}.${int(r, 0, 9)}.${int(r, 0, 9)}`,
  ])();
}

const b64url = (s: string): string => Buffer.from(s).toString('base64url');

function secret(r: Random): string {
  return pick(r, [
    () => `sk-proj-${chars(r, ALNUM + '_-', int(r, 30, 80))}`,
    () => `sk-${chars(r, ALNUM, 20)}T3BlbkFJ${chars(r, ALNUM, 20)}`,
    () => `sk-${chars(r, ALNUM, int(r, 10, 60))}`,
    () => `sk-ant-api03-${chars(r, ALNUM + '_-', int(r, 30, 95))}AA`,
    () =>
      `sk-ant-${chars(r, 'abcdefghijklmnopqrstuvwxyz', int(r, 1, 14))}${chars(r, DIGITS, 2)}-${chars(r, ALNUM, 45)}`,
    () => `${pick(r, ['AKIA', 'ASIA', 'ABIA', 'ACCA'])}${chars(r, UPPER + '234567', int(r, 15, 17))}`,
    () => 'AKIAIOSFODNN7EXAMPLE',
    () =>
      `${pick(r, ['aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY', 'SecretAccessKey', 'secret-access-key', 'awssecretkey'])}${pick(r, ['=', ': ', '": "', ' => ', '\\"', ' '])}${chars(r, BASE64 + '=', int(r, 39, 41))}`,
    () => `${pick(r, ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'])}${chars(r, ALNUM, int(r, 34, 40))}`,
    () => `github_pat_${chars(r, ALNUM, 22)}_${chars(r, ALNUM + '_', int(r, 50, 60))}`,
    () =>
      `${pick(r, ['xoxb-', 'xoxp-', 'xoxa-', 'xoxe-'])}${chars(r, DIGITS, int(r, 0, 13))}-${chars(r, ALNUM + '-', int(r, 5, 40))}`,
    () =>
      `https://hooks.slack.com/${pick(r, ['services/', 'workflows/', 'triggers/', 'other/'])}T${chars(r, ALNUM + '/', int(r, 10, 50))}`,
    () => `${pick(r, ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_', 'pk_live_'])}${chars(r, ALNUM, int(r, 18, 40))}`,
    () =>
      `${b64url(pick(r, ['{"alg":"HS256","typ":"JWT"}', '{"typ":"JWT"}', '{"alg" : "none"}']))}.${b64url(`{"sub":"${int(r, 1, 1e6)}"}`)}.${chars(r, ALNUM + '_-', int(r, 10, 50))}`,
    () => {
      const label = pick(r, [
        'RSA PRIVATE KEY',
        'PRIVATE KEY',
        'EC PRIVATE KEY',
        'PGP PRIVATE KEY BLOCK',
        'PUBLIC KEY',
      ]);
      const nl = pick(r, ['\n', '\\n', '\r\n']);
      const body = Array.from({ length: int(r, 0, 4) }, () => chars(r, BASE64, int(r, 10, 64))).join(nl);
      const end = r() < 0.7 ? `${nl}-----END ${label}-----` : pick(r, ['', `${nl}${nl}trailing prose`, ' and more']);
      return `-----BEGIN ${label}-----${nl}${r() < 0.2 ? `Proc-Type: 4,ENCRYPTED${nl}${nl}` : ''}${body}${end}`;
    },
    () =>
      `${pick(r, ['postgres', 'mongodb+srv', 'redis', 'jdbc:mysql', 'http', 'ftp', 'sqlite'])}://${pick(r, ['user', 'admin', ''])}${pick(r, [':', ''])}${pick(r, ['s3cr3t', '${DB_PASSWORD}', '****', '<password>', 'p@ss', ''])}@${pick(r, ['db.internal', 'localhost', '10.0.0.1'])}${pick(r, [':5432', ':', '/db', ''])}`,
  ])();
}

/** Runs of the characters detectors anchor on, and everything else that tends to break scanners. */
function soup(r: Random): string {
  const alphabet = pick(r, [
    '0123456789 -.',
    '0123456789 -./()+:',
    'AaBb0123:. ',
    'skant-_xobpJey.A@ ',
    ' eyJ.',
    "ignore all previous you'\u2019\u200b ",
    '\\nrtu0041"{} ',
    'Ééß\u0130\u212a\u017f\uff11\u0661😀 a1',
    ALNUM + ' _-.:/@',
  ]);
  return chars(r, alphabet, int(r, 1, 80));
}

/** What may stand right before or after an item: nothing glued, or glue of every kind. */
const GLUE = [
  '',
  '',
  '',
  ' ',
  '\n',
  'x',
  '7',
  '_',
  '-',
  '.',
  '/',
  ':',
  '@',
  '\\n',
  '\\u0041',
  '\\\\',
  '"',
  "'",
  '\u200b',
  'é',
  '(',
];

const FRAGMENTS: ((r: Random) => string)[] = [
  (r) => Array.from({ length: int(r, 1, 12) }, () => pick(r, PROSE)).join(' '),
  (r) =>
    Array.from({ length: int(r, 1, 8) }, () => disguise(r, pick(r, PHRASE_WORDS))).join(pick(r, [' ', ', ', '\n'])),
  phrase,
  phrase,
  card,
  ssn,
  phone,
  iban,
  ip,
  email,
  secret,
  secret,
  soup,
  (r) => chars(r, 'a', int(r, 20, 60)),
  (r) =>
    pick(r, ['ignore ', 'you are now ', '4111 ', 'sk-', 'eyJ', 'a@', ':', 'DE89 ', '-----BEGIN ']).repeat(
      int(r, 2, 30),
    ),
];

function generate(r: Random): string {
  let text = '';
  const parts = int(r, 1, 14);
  for (let i = 0; i < parts; i++) {
    text += pick(r, GLUE) + pick(r, FRAGMENTS)(r) + pick(r, GLUE);
    text += pick(r, [' ', ' ', '. ', '\n', ', ', '', '\\n', '\t', '; ', ' "', '" ']);
  }
  return text;
}

/** What ./classify-pathological.test.ts repeats to 1 MB, repeated here to a few lengths. */
const PATHOLOGICAL_UNITS = [
  '7',
  'a',
  '-',
  '@',
  ':',
  'aaaa@',
  'a@b.',
  '1 ',
  '12-',
  '1.',
  'ab:1:',
  '4111 ',
  'DE89 ',
  '+1 (415) ',
  'sk-',
  'sk-ant-api03-',
  'ghp_xoxb-1-AKIA',
  'AB123456',
  '-----BEGIN ',
  '-----BEGIN RSA PRIVATE KEY-----\n',
  'eyJ',
  'eyJhbGciOiJIUzI1NiJ9.',
  'postgres://a:b@',
  'aws_secret_access_key=',
  'x\\"\\n\\u00',
  '\\',
  'ignore all previous you are now ',
];

/** The classify stage's texts for the benchmark's requests: per field joined, and each string. */
function benchmarkTexts(): string[] {
  const normalizer = createNormalizer({ exclude_attributes: [], keep_attributes: [] });
  const limits = {
    maxSpans: 100_000,
    maxAttributesPerSpan: 1000,
    maxEventsPerSpan: 1000,
    maxAttributeValueLength: 1 << 20,
    maxValueDepth: 16,
  };
  const texts: string[] = [];
  // Seeds and size as bench/lib/requests.js loads them for the stages scenario.
  for (let seed = 20_261_127; seed < 20_261_127 + 4; seed++) {
    const { bytes } = encodedRequest({ seed, count: 512, baseTimeMs: Date.UTC(2026, 0, 1) });
    for (const record of normalizer.spans('default', decodeTraceExportProtobuf(bytes, limits).export).records) {
      for (const field of CONTENT_FIELDS) {
        const document = record.content[field];
        if (document === undefined) continue;
        const strings = documentStrings(document);
        texts.push(strings.join('\n'), ...strings);
      }
    }
  }
  return texts;
}

const GOLDEN_FILE = join(__dirname, '../fixtures/classify/findings.json');
const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Record<string, string[]>;
const CHUNK = 500;

/** A digest of the findings on each run of CHUNK texts, in order. */
function findingDigests(config: ClassifyConfig, texts: Iterable<string>): string[] {
  const classifier = createClassifier(config);
  const digests: string[] = [];
  let hash = createHash('sha256');
  let n = 0;
  for (const text of texts) {
    hash.update(`${JSON.stringify(classifier.scan(text))}\n`);
    if (++n % CHUNK === 0) {
      digests.push(hash.digest('hex').slice(0, 16));
      hash = createHash('sha256');
    }
  }
  if (n % CHUNK !== 0) digests.push(hash.digest('hex').slice(0, 16));
  return digests;
}

/** The digests of a case's findings, which must be the recorded ones (or become them, when asked). */
function expectGolden(name: string, config: ClassifyConfig, texts: Iterable<string>): void {
  const digests = findingDigests(config, texts);
  if (process.env.AI_AUDIT_WRITE_GOLDEN) {
    golden[name] = digests;
    writeFileSync(GOLDEN_FILE, `${JSON.stringify(golden, null, 1)}\n`);
  }
  expect(digests).toEqual(golden[name]);
}

function* generated(seed: number, count: number): Generator<string> {
  const r = rng(seed);
  for (let i = 0; i < count; i++) yield generate(r);
}

const only = (pii: Partial<ClassifyConfig['pii']>, rest: Partial<ClassifyConfig> = {}): ClassifyConfig => ({
  ...DEFAULT_CLASSIFY_CONFIG,
  ...rest,
  pii: { ...DEFAULT_CLASSIFY_CONFIG.pii, ...pii },
});

jest.setTimeout(10 * 60_000);

describe('single-pass classification finds exactly what the per-detector passes found', () => {
  it('on seeded random texts, default config', () => {
    expectGolden('random default', DEFAULT_CLASSIFY_CONFIG, generated(1, 30_000));
  });

  it('the random texts find every kind', () => {
    const kinds = new Set<string>();
    const classifier = createClassifier(DEFAULT_CLASSIFY_CONFIG);
    for (const text of generated(1, 5_000)) for (const f of classifier.scan(text)) kinds.add(f.kind);
    expect([...kinds].sort()).toEqual([...classifier.kinds]);
  });

  it.each(PII_KINDS.map((kind) => [kind]))('on seeded random texts, PII %s alone', (kind) => {
    const config = only({ kinds: [kind] }, { secrets: { enabled: false }, prompt_injection: { enabled: false } });
    expectGolden(`random ${kind} alone`, config, generated(2, 5_000));
  });

  it('on seeded random texts, some PII kinds, custom patterns, no injection', () => {
    const config = only(
      {
        kinds: ['pii:phone', 'pii:iban', 'pii:ip_address'],
        custom: [
          { name: 'employee_id', pattern: 'EMP-\\d{6}' },
          { name: 'ticket', pattern: '[A-Z]{2}[0-9]{2}' },
        ],
      },
      { prompt_injection: { enabled: false } },
    );
    expectGolden('random some kinds and custom', config, generated(3, 5_000));
  });

  it('on the repeated units of the pathological inputs, and on tiny texts', () => {
    const texts = ['', ' ', '@', ':', '-', '\\', "'", '\u200b', 'a', '7', 'you', 'ignore all previous instructions'];
    for (const unit of PATHOLOGICAL_UNITS)
      for (const length of [1, 2, 3, 50, 4000])
        texts.push(unit.repeat(Math.ceil(length / unit.length)).slice(0, length));
    expectGolden('pathological units and tiny texts', DEFAULT_CLASSIFY_CONFIG, texts);
  });

  it('on every text the classify stage scans for the benchmark spans', () => {
    const texts = benchmarkTexts();
    expect(texts.length).toBeGreaterThan(4 * 512 * 3);
    expectGolden('benchmark span texts', DEFAULT_CLASSIFY_CONFIG, texts);
  });
});
