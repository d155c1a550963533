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
    [
      'alternation',
      '(?:ACME|acme)-[0-9a-f]{8}',
      'ids acme-deadbeef ACME-0badc0de other-12345678',
      ['acme-deadbeef', 'ACME-0badc0de'],
    ],
    ['word boundaries', '\\bK\\d{4}\\b', 'K1234 XK1234 K12345 (K9999)', ['K1234', 'K9999']],
    ['anchors', '^ID\\d+', 'ID12 and ID34', ['ID12']],
    [
      'optional groups',
      '(?:\\+?1[-. ]?)?\\(?\\d{3}\\)?[-. ]?\\d{3}[-. ]?\\d{4}',
      'call (415) 555-0100',
      ['(415) 555-0100'],
    ],
    ['unbounded repeats with a separator', '[a-z]+@corp\\.example', 'to bob@corp.example now', ['bob@corp.example']],
    ['escapes', '\\x41\\u0042\\t\\.', 'AB\t. AB\tx', ['AB\t.']],
    ['named and capturing groups', '(?<p>[A-Z]{3})-(\\d{3})', 'ABC-123', ['ABC-123']],
    ['negated classes', 'id=[^\\s,]{4}', 'id=ab/1, id=xyz', ['id=ab/1']],
  ])('supports %s', (_what, pattern, text, values) => {
    expect(found(pattern, text)).toEqual(values);
  });

  it('reports successive leftmost-longest matches, without merging overlapping ones', () => {
    // From each start the longest match, whatever the alternation order or laziness; the next
    // search starts where it ended, so "aXa" (starting inside "aXaXa") is not reported.
    expect(found('a(?:Xa){1,2}', '--aXaXaXa--')).toEqual(['aXaXa']);
    expect(found('a|ab|abc', 'abc ab')).toEqual(['abc', 'ab']);
    expect(found('\\d+?', 'ab 1234')).toEqual(['1234']);
    // A search starting where a match ended still sees the character before it (\b).
    expect(found('[a-z]{2}|\\b\\d', 'ab1 c2 3')).toEqual(['ab', '3']);
  });

  it('agrees with the JavaScript engine on leftmost-longest matches (differential)', () => {
    // Deterministic small fuzz: for each pattern and text, compute with RegExp, from each
    // position, the leftmost start of a match and the longest match there (forcing each end with
    // a lookahead), continuing from its end; compare with the findings.
    const patterns = [
      '\\d{2,4}-?[A-Z]',
      'a|ab|abc',
      '(?:ab|cd)+x?',
      '\\bfoo\\w{0,3}\\b',
      '[a-c]{2}(?:-[a-c]{2})*',
      '(?:\\d{3}-){2}\\d{4}',
      'x[^x]{1,5}x',
      '^\\w+|\\w+$',
      '(?:a|b)c{1,3}',
      '[ab]+c',
    ];
    const alphabet = 'abcx-12 foo';
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 48271) + 1) >>> 0;
      return (seed >>> 8) % n;
    };
    const matchesAt = (pattern: string, text: string, s: number, e: number): boolean => {
      const re = new RegExp(`(?:${pattern})(?=[\\s\\S]{${text.length - e}}$)`, 'y');
      re.lastIndex = s;
      return re.test(text);
    };
    for (const pattern of patterns) {
      const c = createClassifier(config([{ name: 'x', pattern }]));
      for (let t = 0; t < 60; t++) {
        let text = '';
        for (let i = rnd(24); i > 0; i--) text += alphabet[rnd(alphabet.length)];
        const expected: [number, number][] = [];
        for (let s = 0; s < text.length; s++) {
          let e = text.length;
          while (e > s && !matchesAt(pattern, text, s, e)) e--;
          if (e === s) continue;
          expected.push([s, e]);
          s = e - 1;
        }
        expect([pattern, text, c.scan(text).map((f) => [f.start, f.end])]).toEqual([pattern, text, expected]);
      }
    }
  });

  it('finds the same matches as the JavaScript engine in long texts (differential)', () => {
    // Patterns whose greedy JavaScript match is also the longest, over texts of a few thousand
    // characters: matches at any distance from where the scan's windows start and end.
    const patterns = [
      'EMP-\\d{6}',
      '[A-Z]{2}\\d{6,8}',
      '\\bK\\d{4}\\b',
      '[a-z]+@corp\\.example',
      'x[^x]{1,80}x',
      '\\d{3}(?:-\\d{4})?$',
      '[a-z ]{100,}',
    ];
    const tokens = [
      'EMP-123456',
      'EMP-12345',
      'AB1234567',
      'K1234',
      'XK12345',
      'bob@corp.example',
      '555-1234',
      'x',
      'xx',
      ' ',
      'a',
      'word ',
      '-',
      '\n',
      '12',
    ];
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 48271) + 1) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let t = 0; t < 20; t++) {
      let text = '';
      while (text.length < 3000) text += rnd(4) === 0 ? 'word '.repeat(rnd(40)) : tokens[rnd(tokens.length)];
      for (const pattern of patterns) {
        const expected = [...text.matchAll(new RegExp(pattern, 'g'))].map((m) => [m.index, m.index + m[0].length]);
        const c = createClassifier(config([{ name: 'x', pattern }]));
        expect([pattern, c.scan(text).map((f) => [f.start, f.end])]).toEqual([pattern, expected]);
      }
    }
  });

  it('reports a longer match only when it ends near the shorter one (linear-time scan)', () => {
    // A search looks a bounded number of characters past the match it reports (32 here).
    expect(found('a(?:b*c)?', 'abbbbc')).toEqual(['abbbbc']);
    expect(found('a(?:b*c)?', 'a' + 'b'.repeat(100) + 'c')).toEqual(['a']);
    // Long matches are found whole, however long.
    expect(found('[a-z]+', 'x'.repeat(10_000))).toEqual(['x'.repeat(10_000)]);
    expect(found('<[^>]*>', ' <' + 'a'.repeat(5000) + '> ')).toEqual(['<' + 'a'.repeat(5000) + '>']);
  });

  it('reads the text as RE2 does where it differs from JavaScript', () => {
    // A character outside the BMP is one character; offsets stay UTF-16 code units.
    expect(found('x.y', 'a x\u{1F600}y')).toEqual(['x\u{1F600}y']);
    expect(createClassifier(config([{ name: 'x', pattern: 'x.y' }])).scan('a x\u{1F600}y')).toEqual([
      { kind: 'pii:x', start: 2, end: 6 },
    ]);
    // '.' stops only at \n; \s is [\t\n\f\r ] (no \v, no Unicode spaces).
    expect(found('a.b', 'a\rb a\u2028b a\nb')).toEqual(['a\rb', 'a\u2028b']);
    expect(found('1\\s2', '1\v2 1\u00a02 1\t2')).toEqual(['1\t2']);
  });
});

describe('custom patterns: refused at config time, naming the entry', () => {
  it.each([
    [
      'backreferences',
      '(a)\\1',
      /pii\.custom\[1\] "bad": pattern refused at offset 3: backreferences are not supported/,
    ],
    ['named backreferences', '(?<n>a)\\k<n>', /backreferences are not supported/],
    ['lookahead', 'foo(?=bar)', /pii\.custom\[1\] "bad": pattern refused at offset 3: lookaround/],
    ['negative lookbehind', '(?<!x)foo', /lookaround/],
    ['patterns matching the empty string', 'a*', /can match the empty string/],
    ['patterns matching the empty string at some positions only', '\\b\\w*', /can match the empty string/],
    ['patterns matching the empty string at the end only', '\\d*$', /can match the empty string/],
    ['invalid syntax', '(abc', /pii\.custom\[1\] "bad": pattern refused: not a valid regular expression/],
    ['\\p{...}', '\\p{L}+', /\\p\{\.\.\.\} is not supported/],
    [
      'escapes RE2 reads differently',
      'x\\Ay',
      /pii\.custom\[1\] "bad": pattern refused at offset 1: \\A is not supported/,
    ],
    ['\\u{...} (a repeat of "u" in JavaScript without the u flag)', 'x\\u{41}', /\\u\{\.\.\.\} is not supported/],
    [
      'POSIX classes (characters of a class in JavaScript)',
      '[[:alpha:]]+',
      /offset 1: \[: inside a class is not supported/,
    ],
    [
      'syntax JavaScript accepts and RE2 does not',
      '[\\b]x',
      /pattern refused: not supported by the linear-time matcher \(invalid escape sequence/,
    ],
    ['repeat counts above 1000', 'a{1001}', /not supported by the linear-time matcher \(invalid repeat count/],
    ['programs too large to run', 'a{1000}', /too large for the matcher/],
    ['programs too large to run (bounded group)', '(?:ab){1,150}', /too large for the matcher/],
  ])('%s', (_what, pattern, message) => {
    expect(() =>
      createClassifier(
        config([
          { name: 'ok', pattern: 'OK\\d' },
          { name: 'bad', pattern },
        ]),
      ),
    ).toThrow(message);
  });

  it('refuses duplicate names', () => {
    expect(() =>
      createClassifier(
        config([
          { name: 'x', pattern: 'a' },
          { name: 'x', pattern: 'b' },
        ]),
      ),
    ).toThrow(/pii\.custom\[1\] "x" repeats a name/);
  });

  it('accepts shapes that hang backtracking engines: RE2 runs them in linear time', () => {
    // Nested and overlapping quantifiers: a backtracking engine can take exponential time on
    // them, RE2 takes linear time (classify-pathological scans 1 MB inputs with some).
    expect(found('(a+)+b', 'xaaab')).toEqual(['aaab']);
    expect(found('(\\w+\\.)*\\w+@x\\.com', 'to a.b.c@x.com')).toEqual(['a.b.c@x.com']);
    expect(found('(a|ab)+c', 'abababc')).toEqual(['abababc']);
    expect(found('\\w+\\s*\\w+', 'ab cd')).toEqual(['ab cd']);
    const accepted = [
      '(?:a{1,3}){2,}',
      '(?:x|)+y',
      '\\d+\\d*x',
      '(?:ab){1,60}',
      'a?'.repeat(20) + 'b',
      '(\\d{3}-){2}\\d{4}',
      '(?:[A-Z]|-)+\\d',
      '\\w+@\\w+\\.com',
      '\\d+(?:\\.\\d+)?',
      '(?:ab|cd)+',
      '[A-Z0-9]{20,200}',
    ];
    for (const pattern of accepted) {
      expect(() => createClassifier(config([{ name: 'x', pattern }]))).not.toThrow();
    }
  });
});
