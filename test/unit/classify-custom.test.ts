import { createClassifier, DEFAULT_CLASSIFY_CONFIG, type ClassifyConfig } from '../../collector/src/processor/classify';

function config(custom: { name: string; pattern: string }[]): ClassifyConfig {
  return {
    ...DEFAULT_CLASSIFY_CONFIG,
    pii: { enabled: true, kinds: [], custom },
    secrets: { enabled: false },
    prompt_injection: { enabled: false },
  };
}

function found(pattern: string, text: string): string[] {
  return createClassifier(config([{ name: 'x', pattern }]))
    .scan(text)
    .map((f) => text.slice(f.start, f.end));
}

describe('custom patterns: matching', () => {
  it('reports pii:<name> for each entry', () => {
    const c = createClassifier(
      config([
        { name: 'employee_id', pattern: 'EMP-\\d{6}' },
        { name: 'mrn', pattern: '\\bMRN[:# ]?\\d{6,10}\\b' },
      ]),
    );
    const text = 'EMP-123456 filed MRN:00123456 (EMP-12345 is too short)';
    expect(c.scan(text).map((f) => [f.kind, text.slice(f.start, f.end)])).toEqual([
      ['pii:employee_id', 'EMP-123456'],
      ['pii:mrn', 'MRN:00123456'],
    ]);
    expect(c.violations([text])).toEqual(['pii:employee_id', 'pii:mrn']);
    expect(c.kinds).toEqual(['pii:employee_id', 'pii:mrn']);
  });

  it.each([
    ['classes and bounded repeats', '[A-Z]{2}\\d{6,8}', 'passport AB1234567 and C1234567', ['AB1234567']],
    ['alternation', '(?:ACME|acme)-[0-9a-f]{8}', 'ids acme-deadbeef ACME-0badc0de other-12345678', ['acme-deadbeef', 'ACME-0badc0de']],
    ['word boundaries', '\\bK\\d{4}\\b', 'K1234 XK1234 K12345 (K9999)', ['K1234', 'K9999']],
    ['anchors', '^ID\\d+', 'ID12 and ID34', ['ID12']],
    ['optional groups', '(?:\\+?1[-. ]?)?\\(?\\d{3}\\)?[-. ]?\\d{3}[-. ]?\\d{4}', 'call (415) 555-0100', ['(415) 555-0100']],
    ['unbounded repeats with a separator', '[a-z]+@corp\\.example', 'to bob@corp.example now', ['bob@corp.example']],
    ['escapes', '\\x41\\u0042\\t\\.', 'AB\t. AB\tx', ['AB\t.']],
    ['named and capturing groups', '(?<p>[A-Z]{3})-(\\d{3})', 'ABC-123', ['ABC-123']],
    ['negated classes', 'id=[^\\s,]{4}', 'id=ab/1, id=xyz', ['id=ab/1']],
  ])('supports %s', (_what, pattern, text, values) => {
    expect(found(pattern, text)).toEqual(values);
  });

  it('reports overlapping matches as one span covering all of them', () => {
    // "aXa" and "aXaXa": every character covered by some match is inside the finding.
    expect(found('a(?:Xa){1,2}', '--aXaXaXa--')).toEqual(['aXaXaXa']);
  });

  it('agrees with the JavaScript engine on which characters are covered (differential)', () => {
    // Deterministic small fuzz: for each pattern and text, compute with RegExp every match
    // [s, e) (forcing each end with a lookahead), merge, and compare with the findings.
    const patterns = [
      '\\d{2,4}-?[A-Z]', 'a|ab|abc', '(?:ab|cd)+x?', '\\bfoo\\w{0,3}\\b', '[a-c]{2}(?:-[a-c]{2})*',
      '(?:\\d{3}-){2}\\d{4}', 'x[^x]{1,5}x', '^\\w+|\\w+$', '(?:a|b)c{1,3}', '[ab]+c',
    ];
    const alphabet = 'abcx-12 foo';
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 48271) + 1) >>> 0;
      return (seed >>> 8) % n;
    };
    for (const pattern of patterns) {
      const c = createClassifier(config([{ name: 'x', pattern }]));
      for (let t = 0; t < 60; t++) {
        let text = '';
        for (let i = rnd(24); i > 0; i--) text += alphabet[rnd(alphabet.length)];
        const spans: [number, number][] = [];
        for (let s = 0; s < text.length; s++) {
          for (let e = s + 1; e <= text.length; e++) {
            const re = new RegExp(`(?:${pattern})(?=[\\s\\S]{${text.length - e}}$)`, 'y');
            re.lastIndex = s;
            if (re.test(text)) spans.push([s, e]);
          }
        }
        const merged: [number, number][] = [];
        for (const [s, e] of spans) {
          const last = merged[merged.length - 1];
          if (last && s < last[1]) last[1] = Math.max(last[1], e);
          else merged.push([s, e]);
        }
        expect([pattern, text, c.scan(text).map((f) => [f.start, f.end])]).toEqual([pattern, text, merged]);
      }
    }
  });
});

describe('custom patterns: refused at config time, naming the entry', () => {
  it.each([
    ['nested quantifiers', '(a+)+b', /pii\.custom\[1\] "bad": pattern refused at offset 2: nested quantifier/],
    ['nested quantifiers (email-style)', '(\\w+\\.)*\\w+@x\\.com', /pii\.custom\[1\] "bad": .*nested quantifier/],
    ['bounded nesting', '(?:a{1,3}){2,}', /nested quantifier/],
    ['backreferences', '(a)\\1', /pii\.custom\[1\] "bad": pattern refused at offset 3: backreferences are not supported/],
    ['named backreferences', '(?<n>a)\\k<n>', /backreferences are not supported/],
    ['lookahead', 'foo(?=bar)', /pii\.custom\[1\] "bad": pattern refused at offset 3: lookaround/],
    ['negative lookbehind', '(?<!x)foo', /lookaround/],
    ['overlapping alternation under a quantifier', '(a|ab)+c', /alternation whose branches can overlap/],
    ['an empty alternative under a quantifier', '(?:x|)+y', /can match the empty string|overlap/],
    ['overlapping adjacent quantifiers', '\\d+\\d*x', /overlapping adjacent quantifiers/],
    ['adjacent quantifiers across an optional part', '\\w+\\s*\\w+', /overlapping adjacent quantifiers/],
    ['patterns matching the empty string', 'a*', /can match the empty string/],
    ['invalid syntax', '(abc', /pii\.custom\[1\] "bad": pattern refused: not a valid regular expression/],
    ['\\p{...}', '\\p{L}+', /\\p\{\.\.\.\} is not supported/],
    ['huge repeat counts', 'a{1000}', /repeat count above/],
    ['programs too costly to run', '(?:ab){1,60}', /too large for the matcher/],
    ['many optional parts', 'a?'.repeat(20) + 'b', /too large for the matcher/],
  ])('%s', (_what, pattern, message) => {
    expect(() => createClassifier(config([{ name: 'ok', pattern: 'OK\\d' }, { name: 'bad', pattern }]))).toThrow(message);
  });

  it.each([
    ['a name with capitals', { name: 'Employee', pattern: 'E\\d' }, /pii\.custom\[0\] "Employee": name must match \[a-z0-9_\]\+/],
    ['a name with a colon', { name: 'pii:x', pattern: 'E\\d' }, /name must match/],
    ['an empty pattern', { name: 'x', pattern: '' }, /pii\.custom\[0\] "x": pattern must be a non-empty string/],
    ['a missing pattern', { name: 'x' } as { name: string; pattern: string }, /pattern must be a non-empty string/],
  ])('refuses %s', (_what, entry, message) => {
    expect(() => createClassifier(config([entry]))).toThrow(message);
  });

  it('refuses duplicate names', () => {
    expect(() => createClassifier(config([{ name: 'x', pattern: 'a' }, { name: 'x', pattern: 'b' }]))).toThrow(
      /pii\.custom\[1\] "x" repeats a name/,
    );
  });

  it('accepts safe look-alikes of the refused shapes', () => {
    for (const pattern of ['(\\d{3}-){2}\\d{4}', '(?:[A-Z]|-)+\\d', '\\w+@\\w+\\.com', '\\d+(?:\\.\\d+)?', '(?:ab|cd)+', '[A-Z0-9]{20,200}']) {
      expect(() => createClassifier(config([{ name: 'x', pattern }]))).not.toThrow();
    }
  });
});
