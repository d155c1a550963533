import {
  documentStrings,
  documentText,
  documentValue,
  receivedDocument,
  rewriteStrings,
  valueDocument,
} from '../../collector/src/model/content';
import { jsonStrings, jsonSyntaxError } from '../../collector/src/model/json-scan';

/** The string values of a parsed JSON value, in order: what jsonStrings must return without parsing. */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out);
  else if (value !== null && typeof value === 'object')
    for (const key of Object.keys(value)) stringsOf((value as Record<string, unknown>)[key], out);
  return out;
}

/** JSON.parse's verdict and strings, the reference. */
function reference(text: string): string[] | undefined {
  try {
    return stringsOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'a',
  'é',
  '"',
  '\\',
  '\n',
  '\u0001',
  '\u2028',
  '😀',
  '\ud800',
  ' ',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '0',
  '-1.5e3',
  'true',
  'null',
  'x',
];

function randomValue(random: () => number, depth: number): unknown {
  const pick = random();
  if (depth > 4 || pick < 0.3) {
    const n = Math.floor(random() * 6);
    return Array.from({ length: n }, () => PIECES[Math.floor(random() * PIECES.length)]).join('');
  }
  if (pick < 0.4) return [1, -0, 2.5e-7, 1e21, true, false, null][Math.floor(random() * 7)];
  if (pick < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(random() * 4); i > 0; i--)
    object[String(randomValue(random, 9))] = randomValue(random, depth + 1);
  return object;
}

/** Random whitespace between tokens, as hand-written or pretty-printed JSON has. */
function spaced(text: string, random: () => number): string {
  return random() < 0.5 ? text : JSON.stringify(JSON.parse(text), null, Math.floor(random() * 3));
}

/** A few random edits: most break the JSON, some keep it valid. */
function mutate(text: string, random: () => number): string {
  let out = text;
  for (let k = Math.floor(random() * 3) + 1; k > 0; k--) {
    const at = Math.floor(random() * (out.length + 1));
    const piece = PIECES[Math.floor(random() * PIECES.length)];
    out = random() < 0.5 ? out.slice(0, at) + piece + out.slice(at) : out.slice(0, at) + out.slice(at + 1);
  }
  return out;
}

describe('jsonStrings and jsonSyntaxError', () => {
  it('agrees with JSON.parse on 20,000 random texts, valid and broken', () => {
    const random = rng(7);
    let valid = 0;
    for (let i = 0; i < 10_000; i++) {
      const text = spaced(JSON.stringify(randomValue(random, 0)), random);
      expect(jsonStrings(text)).toEqual(reference(text));
      // An edit can make two keys equal: JSON.parse keeps the last value, jsonStrings both
      // (both are in the text that gets sealed), so compare the verdict, then the strings.
      const broken = mutate(text, random);
      const expected = reference(broken);
      expect([broken, jsonStrings(broken) === undefined, jsonSyntaxError(broken) === undefined]).toEqual([
        broken,
        expected === undefined,
        expected !== undefined,
      ]);
      if (expected) {
        valid++;
        expect(jsonStrings(JSON.stringify(JSON.parse(broken)))).toEqual(expected);
      }
    }
    expect(valid).toBeGreaterThan(100);
  });

  it('reads every value of a repeated key: each is in the text that is sealed', () => {
    expect(jsonStrings('{"a":"first","a":"second"}')).toEqual(['first', 'second']);
  });

  it.each([
    '',
    ' ',
    '01',
    '1.',
    '.5',
    '+1',
    '[1,]',
    '{"a":1,}',
    '{a:1}',
    "'x'",
    '"\t"',
    '"\\x"',
    '"\\u12"',
    '[',
    '[]]',
    'tru',
    'nul',
    '\ufeff[]',
    '{"a" 1}',
    '1 2',
    'NaN',
    'Infinity',
  ])('refuses %j as JSON.parse does', (text) => {
    expect(reference(text)).toBeUndefined();
    expect(jsonStrings(text)).toBeUndefined();
    expect(jsonSyntaxError(text)).toMatchObject({ at: expect.any(Number), reason: expect.any(String) });
  });

  it('refuses a hostile unterminated string in one pass', () => {
    const text = `["${'ab\\n'.repeat(200_000)}`;
    // A backtracking blow-up would not finish within the test's timeout.
    expect(jsonSyntaxError(text)).toEqual({ at: 1, reason: 'unterminated string' });
    expect(jsonStrings(text)).toBeUndefined();
  });

  it('reads a text nested a million levels deep without a stack overflow', () => {
    const deep = '['.repeat(1_000_000) + '"x"' + ']'.repeat(1_000_000);
    expect(jsonStrings(deep)).toEqual(['x']);
    expect(jsonStrings(deep.slice(1))).toBeUndefined();
  });
});

describe('content documents', () => {
  const messages = '[{"role":"user","parts":[{"type":"text","content":"mail bob@example.com"}]}]';

  it('keeps received text byte for byte until a processor changes it', () => {
    const spacedText = messages.replace(/,/g, ', ');
    const document = receivedDocument(spacedText);
    expect(documentStrings(document)).toEqual(['user', 'text', 'mail bob@example.com']);
    expect(documentText(rewriteStrings(document, (s) => s))).toBe(spacedText);
    const redacted = rewriteStrings(document, (s) => s.replace('bob@example.com', '[REDACTED]'));
    expect(documentText(redacted)).toBe(messages.replace('bob@example.com', '[REDACTED]'));
    expect(documentText(document)).toBe(spacedText);
  });

  it('treats received text that is not JSON as one string, and redacts it as text', () => {
    const document = receivedDocument('call 555-0100 {not json');
    expect(documentValue(document)).toBeUndefined();
    expect(documentStrings(document)).toEqual(['call 555-0100 {not json']);
    expect(documentText(rewriteStrings(document, (s) => s.replace('555-0100', 'X')))).toBe('call X {not json');
  });

  it('serializes values built in memory, and a "__proto__" key stays data', () => {
    const value = JSON.parse('{"__proto__":{"polluted":"yes"},"a":["b"]}') as unknown;
    const rewritten = rewriteStrings(valueDocument(value), (s) => s.toUpperCase());
    expect(documentText(rewritten)).toBe('{"__proto__":{"polluted":"YES"},"a":["B"]}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
