import { createClassifier, DEFAULT_CLASSIFY_CONFIG } from '../../collector/src/processor/classify';

// Built-in PII only, so each expectation is about one detector family.
const classifier = createClassifier({
  ...DEFAULT_CLASSIFY_CONFIG,
  secrets: { enabled: false },
  prompt_injection: { enabled: false },
});

/** The values found for `kind`, sliced from the text (the API itself only returns offsets). */
function found(text: string, kind: string): string[] {
  return classifier
    .scan(text)
    .filter((f) => f.kind === kind)
    .map((f) => text.slice(f.start, f.end));
}

describe('pii:email', () => {
  const kind = 'pii:email';

  it.each([
    ['Contact john.doe@example.com today', 'john.doe@example.com'],
    ['j.o-h_n+tag@sub.example.co.uk', 'j.o-h_n+tag@sub.example.co.uk'],
    ['{"user":{"email":"jane@corp.io","name":"Jane"}}', 'jane@corp.io'],
    ['mailto:support@example.org', 'support@example.org'],
    ['<ops@example.net>', 'ops@example.net'],
    ['write to first.last@example.com.', 'first.last@example.com'],
    ['Ünïcode before: müller ist max@example.de', 'max@example.de'],
  ])('finds it in %j', (text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it('finds addresses inside JSON-in-JSON tool arguments, without the escape letter', () => {
    const args = JSON.stringify({
      arguments: JSON.stringify({ to: 'bob@example.org', body: 'cc\nalice@example.com' }),
    });
    expect(found(args, kind)).toEqual(['bob@example.org', 'alice@example.com']);
  });

  it.each([
    ['asset names', 'background: url(icon@2x.png)'],
    ['package versions', 'npm i lodash@4.17.21 @types/node@20'],
    ['scoped packages and decorators', 'import x from "@scope/pkg"; @Component'],
    ['single-label hosts', 'ssh admin@localhost'],
    ['one-letter TLDs', 'a@b.c'],
    ['URL credentials (a secret, not an email)', 'postgres://app:hunter2@db.example.com/app'],
    ['double dots', 'john..doe@example.com'],
    ['a bare @', 'price @ 5 EUR, @@, @'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('pii:phone', () => {
  const kind = 'pii:phone';

  it.each([
    ['Call +1 (415) 555-0100 now', '+1 (415) 555-0100'],
    ['UK office +44 20 7946 0958', '+44 20 7946 0958'],
    ['Paris +33 1 23 45 67 89.', '+33 1 23 45 67 89'],
    ['Berlin +49 30 12345678', '+49 30 12345678'],
    ['tel:+14155550100', '+14155550100'],
    ['with trunk +44 (0)20 7946 0958', '+44 (0)20 7946 0958'],
    ['(415) 555-0100', '(415) 555-0100'],
    ['415-555-0100', '415-555-0100'],
    ['415.555.0100', '415.555.0100'],
    ['toll free 1-800-555-0199', '1-800-555-0199'],
    ['London 020 7946 0958', '020 7946 0958'],
    ['Amsterdam 06-12345678', '06-12345678'],
    ['Munich 089/12345678', '089/12345678'],
    ['dial 0049 30 1234567', '0049 30 1234567'],
    ['{"phone":"+1 415 555 0100"}', '+1 415 555 0100'],
  ])('finds it in %j', (text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it.each([
    ['ISO dates', 'released 2024-01-15 and 15.01.2024 and 01/15/2024'],
    ['times', 'at 12:30:45 or 09:00'],
    ['token counts', '{"input_tokens": 15234, "output_tokens": 1200, "total": 16434}'],
    ['ungrouped ids', 'order 4155550100 and user 0612345678'],
    ['unix timestamps', 'ts=1712345678 ms=1712345678901'],
    ['version numbers', 'node v20.19.4, openai 6.30.1, build 1.2.3.4'],
    ['IP addresses', 'host 192.168.100.200'],
    ['ISBNs', 'ISBN 978-3-16-148410-0'],
    ['NANP-invalid area and exchange codes', 'call 123-456-7890 or 415-055-0100'],
    ['money', '$1,234,567.89 and 3.14159'],
    ['UUIDs', 'id 550e8400-e29b-41d4-a716-446655440000'],
    ['arithmetic', '1 + 2 = 3, x+100000000'],
    ['short lists of numbers', 'pages 12 34 56 and 2021 2022 2023'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('pii:credit_card', () => {
  const kind = 'pii:credit_card';

  it.each([
    ['Visa', 'card 4111 1111 1111 1111 exp 12/28', '4111 1111 1111 1111'],
    ['Visa, dashes', 'card: 4111-1111-1111-1111', '4111-1111-1111-1111'],
    ['Visa, solid', '{"pan":"4012888888881881"}', '4012888888881881'],
    ['Mastercard', '5555 5555 5555 4444', '5555 5555 5555 4444'],
    ['Mastercard 2-series', '2223 0031 2200 3222', '2223 0031 2200 3222'],
    ['Amex 4-6-5', 'amex 3782 822463 10005', '3782 822463 10005'],
    ['Discover', '6011 1111 1111 1117', '6011 1111 1111 1117'],
    ['JCB', '3530 1113 3330 0000', '3530 1113 3330 0000'],
    ['Diners 14 digits', '30569309025904', '30569309025904'],
    ['UnionPay', '6200000000000005', '6200000000000005'],
    ['followed by a CVV', 'card 4111 1111 1111 1111 123', '4111 1111 1111 1111'],
  ])('finds %s', (_what, text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it('finds two cards in one list', () => {
    expect(found('4111 1111 1111 1111 5555 5555 5555 4444', kind)).toEqual([
      '4111 1111 1111 1111',
      '5555 5555 5555 4444',
    ]);
  });

  it.each([
    ['a Luhn failure', '4111 1111 1111 1112'],
    ['an unknown issuer prefix', '1234 5678 9012 3456'],
    ['a 13-digit millisecond timestamp', 'ts 1712345678901'],
    ['a 19-digit nanosecond timestamp', '1712345678901234567'],
    ['a long digit run', '41111111111111111111111'],
    ['a card glued to letters', 'ORD4111111111111111 and x-4111111111111111'],
    ['mixed separators', '4111 1111-1111 1111'],
    ['odd grouping', '41 11 11 11 11 11 11 11'],
    ['a UUID', '123e4567-e89b-12d3-a456-426614174000'],
    ['a hex hash', 'sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['a decimal', 'pi = 3.4111111111111111'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('pii:iban', () => {
  const kind = 'pii:iban';

  it.each([
    ['DE89 3704 0044 0532 0130 00'],
    ['GB82 WEST 1234 5698 7654 32'],
    ['FR14 2004 1010 0505 0001 3M02 606'],
    ['NL91ABNA0417164300'],
    ['CH9300762011623852957'],
    ['NO93 8601 1117 947'],
  ])('finds %s', (iban) => {
    expect(found(`IBAN: ${iban}, thanks`, kind)).toEqual([iban]);
  });

  it.each([
    ['a bad check digit', 'DE89 3704 0044 0532 0130 01'],
    ['the wrong length for the country', 'DE89 3704 0044 0532 0130 0'],
    ['an unknown country', 'XX89 3704 0044 0532 0130 00'],
    ['inconsistent spacing', 'DE89 37040044 0532 0130 00'],
    ['a longer token', 'DE89370400440532013000X'],
    ['lower case', 'de89 3704 0044 0532 0130 00'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('pii:us_ssn', () => {
  const kind = 'pii:us_ssn';

  it.each([
    ['SSN 123-45-6789.', '123-45-6789'],
    ['ssn: 219 09 9998', '219 09 9998'],
    ['{"ssn":"536-22-1234"}', '536-22-1234'],
  ])('finds it in %j', (text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it.each([
    ['area 000', '000-12-3456'],
    ['area 666', '666-12-3456'],
    ['area 900-999', '900-12-3456 and 999-12-3456'],
    ['group 00', '123-00-4567'],
    ['serial 0000', '123-45-0000'],
    ['the Woolworth wallet number', '078-05-1120'],
    ['the 1960s advertisement number', '219-09-9999'],
    ['nine solid digits', '123456789'],
    ['a longer chain', '123-45-6789-01'],
    ['mixed separators', '123-45 6789'],
    ['dates', '2024-01-15'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('pii:ip_address', () => {
  const kind = 'pii:ip_address';

  it.each([
    ['client 192.168.1.10 connected', '192.168.1.10'],
    ['dns 8.8.8.8.', '8.8.8.8'],
    ['http://10.0.0.1:8080/health', '10.0.0.1'],
    ['host:172.16.0.5', '172.16.0.5'],
    ['v6 2001:db8::1 ok', '2001:db8::1'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
    ['link fe80::1ff:fe23:4567:890a%eth0', 'fe80::1ff:fe23:4567:890a'],
    ['mapped ::ffff:192.0.2.128', '::ffff:192.0.2.128'],
    ['[2001:db8::2]:443', '2001:db8::2'],
    ['{"ip":"203.0.113.7"}', '203.0.113.7'],
  ])('finds it in %j', (text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it.each([
    ['loopback and unspecified', '127.0.0.1 0.0.0.0 ::1 :: 255.255.255.255'],
    ['octets over 255', '256.1.1.1 and 1.2.3.999'],
    ['five-part numbers', '1.2.3.4.5'],
    ['three-part versions', 'v1.2.3 and 10.0.19041'],
    ['Windows build numbers', '10.0.19041.1'],
    ['versions glued to letters', 'v1.2.3.4'],
    ['times', '12:30:45'],
    ['MAC addresses', '00:1A:2B:3C:4D:5E'],
    ['C++ scopes and hex words', 'std::vector a::b be::ef'],
    ['leading zeros', '010.001.002.003'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('false-positive guards across all PII kinds', () => {
  it.each([
    [
      'a usage record',
      '{"model":"gpt-4o-2024-08-06","usage":{"prompt_tokens":1532,"completion_tokens":211,"total_tokens":1743},"created":1712345678}',
    ],
    [
      'UUIDs and trace ids',
      'trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7 id 550e8400-e29b-41d4-a716-446655440000',
    ],
    ['timestamps', '2024-06-01T12:34:56.789Z 2024-06-01 12:34:56 +0200 1717245296789'],
    ['hashes', 'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 git 1a2b3c4d'],
    [
      'base64',
      'aGVsbG8gd29ybGQgMTIzNDU2Nzg5MDEyMzQ1Njc4OTA= and iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    ],
    ['semver and ranges', '^1.2.3 ~4.5.6 >=20.6.0 <22 1.0.0-rc.1+build.5'],
    ['prose with numbers', 'In 2023, 45% of 1,200 users spent $3,456.78 over 12 months (see page 42).'],
  ])('finds nothing in %s', (_what, text) => {
    expect(classifier.scan(text)).toEqual([]);
  });
});
