import { createClassifier, DEFAULT_CLASSIFY_CONFIG } from '../../collector/src/processor/classify';

// Secrets only. Every token below is fake and assembled at run time (prefix + generated body),
// so no secret-shaped literal sits in the repository for scanners to trip on.
const classifier = createClassifier({
  ...DEFAULT_CLASSIFY_CONFIG,
  pii: { ...DEFAULT_CLASSIFY_CONFIG.pii, enabled: false },
  prompt_injection: { enabled: false },
});

function found(text: string, kind: string): string[] {
  return classifier
    .scan(text)
    .filter((f) => f.kind === kind)
    .map((f) => text.slice(f.start, f.end));
}

/** Deterministic pseudo-random strings over an alphabet (mulberry32). */
let seed = 42;
function next(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function rand(length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}
const UPPER32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGITS = '0123456789';
const b64url = (s: string): string => Buffer.from(s).toString('base64url');

describe('secret:openai_api_key', () => {
  const kind = 'secret:openai_api_key';
  const marker = 'T3Blbk' + 'FJ';
  const project = 'sk-' + 'proj-' + rand(74, B64URL) + marker + rand(74, B64URL);
  const legacy = 'sk-' + rand(20) + marker + rand(20);
  const service = 'sk-' + 'svcacct-' + rand(58, B64URL) + marker + rand(58, B64URL);

  it.each([
    ['a project key in a shell snippet', '```bash\nexport OPENAI_API_KEY=' + project + '\n```', project],
    ['a legacy key in JSON', JSON.stringify({ apiKey: legacy }), legacy],
    ['a service-account key in code', `client = OpenAI(api_key="${service}")`, service],
    ['a key after a JSON escape', JSON.stringify('key:\n' + legacy), legacy],
  ])('finds %s', (_what, text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it.each([
    ['sk- keys of other vendors (no OpenAI marker)', 'DEEPSEEK_KEY=sk-' + rand(32, '0123456789abcdef')],
    ['masked keys', 'your key sk-...a1b2 was rotated; sk-proj-****'],
    ['Anthropic keys', 'sk-' + 'ant-api03-' + rand(93, B64URL) + 'AA'],
    ['words ending in sk-', 'task-' + rand(60) + ' disk-' + rand(60)],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('secret:anthropic_api_key', () => {
  const kind = 'secret:anthropic_api_key';
  const api = 'sk-' + 'ant-api03-' + rand(93, B64URL) + 'AA';
  const admin = 'sk-' + 'ant-admin01-' + rand(93, B64URL) + 'AA';
  const oauth = 'sk-' + 'ant-oat01-' + rand(95, B64URL);

  it.each([
    ['an API key', `ANTHROPIC_API_KEY=${api}`, api],
    ['an admin key in JSON', JSON.stringify({ key: admin }), admin],
    ['an OAuth token in a code block', '```\nconst t = "' + oauth + '";\n```', oauth],
  ])('finds %s', (_what, text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it.each([
    ['truncated keys', 'sk-ant-api03-abc123'],
    ['documentation stubs', 'set ANTHROPIC_API_KEY=sk-ant-... in your shell'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('secret:aws_access_key', () => {
  const kind = 'secret:aws_access_key';
  const id = 'AK' + 'IA' + rand(16, UPPER32);
  const temp = 'AS' + 'IA' + rand(16, UPPER32);
  const secret = rand(40, B64);

  it.each([
    ['an access key id', `aws_access_key_id = ${id}`, [id]],
    ['a temporary key id in JSON', JSON.stringify({ AccessKeyId: temp }), [temp]],
    ['a labelled secret key (ini)', `[default]\naws_secret_access_key = ${secret}\n`, [secret]],
    ['a labelled secret key (env)', `AWS_SECRET_ACCESS_KEY=${secret}`, [secret]],
    ['a labelled secret key (JSON)', JSON.stringify({ SecretAccessKey: secret }), [secret]],
    ['a labelled secret key (JSON in JSON)', JSON.stringify(JSON.stringify({ secret_access_key: secret })), [secret]],
  ])('finds %s', (_what, text, values) => {
    expect(found(text, kind)).toEqual(values);
  });

  it.each([
    ["AWS's documentation example", 'AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['placeholders', 'AKIAXXXXXXXXXXXXXXXX'],
    ['wrong lengths', 'AKIA' + rand(15, UPPER32) + ' AKIA' + rand(17, UPPER32)],
    ['key ids glued to other text', 'x' + 'AKIA' + rand(16, UPPER32)],
    ['unlabelled 40-character strings', `token ${rand(40, B64)} and sha1 ${rand(40, '0123456789abcdef')}`],
    ['a label followed by something else', `aws_secret_access_key: <your secret key> and SecretAccessKeyId`],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('secret:github_token', () => {
  const kind = 'secret:github_token';
  const tokens = ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((p) => p + rand(36));
  const pat = 'github_' + 'pat_' + rand(22) + '_' + rand(59);

  it.each(tokens.map((t) => [t.slice(0, 4), t]))('finds %s tokens', (_prefix, token) => {
    expect(found(`git clone https://x-access-token:${token}@github.com/org/repo.git`, kind)).toEqual([token]);
  });

  it('finds fine-grained personal access tokens', () => {
    expect(found(`GITHUB_TOKEN="${pat}"`, kind)).toEqual([pat]);
  });

  it.each([
    ['placeholders', 'ghp_' + 'x'.repeat(36)],
    ['short strings', 'ghp_abc123 and github_pat_123'],
    ['classic 40-hex tokens (indistinguishable from SHA-1)', rand(40, '0123456789abcdef')],
    ['prefixes inside identifiers', 'my_ghp_' + rand(36)],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('secret:slack_token', () => {
  const kind = 'secret:slack_token';
  const bot = 'xox' + 'b-' + rand(12, DIGITS) + '-' + rand(13, DIGITS) + '-' + rand(24);
  const user =
    'xox' +
    'p-' +
    rand(12, DIGITS) +
    '-' +
    rand(12, DIGITS) +
    '-' +
    rand(12, DIGITS) +
    '-' +
    rand(32, '0123456789abcdef');
  const hook = 'https://hooks.' + 'slack.com/services/T' + rand(8, UPPER32) + '/B' + rand(8, UPPER32) + '/' + rand(24);

  it.each([
    ['a bot token', `SLACK_BOT_TOKEN=${bot}`, bot],
    ['a user token in JSON', JSON.stringify({ token: user }), user],
    ['an incoming webhook URL', `curl -X POST ${hook} -d '{}'`, hook],
  ])('finds %s', (_what, text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it.each([
    ['prose placeholders', 'set xoxb-your-bot-token and xoxp-xxxxxxxxxxxx-xxxx'],
    ['short tokens', 'xoxb-123 xoxa-2-abc'],
    ['webhook docs without a secret', 'https://hooks.slack.com/services/'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('secret:stripe_key', () => {
  const kind = 'secret:stripe_key';
  const live = 'sk_' + 'live_' + rand(99);
  const restricted = 'rk_' + 'live_' + rand(24);
  const test = 'sk_' + 'test_' + rand(24);

  it.each([
    ['a live secret key', `stripe.api_key = "${live}"`, live],
    ['a restricted key', `STRIPE_KEY=${restricted}`, restricted],
    ['a test key', JSON.stringify({ key: test }), test],
  ])('finds %s', (_what, text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it.each([
    ['publishable keys', 'pk_' + 'live_' + rand(24)],
    ['placeholders', 'sk_live_your_key_here sk_test_XXXXXXXXXXXXXXXXXXXXXXXX'],
    ['short keys', 'sk_live_abc'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('secret:jwt', () => {
  const kind = 'secret:jwt';
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: '1234567890', name: 'Test User', iat: 1516239022 }));
  const token = `${header}.${payload}.${rand(43, B64URL)}`;
  const rs = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: 'k1' }))}.${payload}.${rand(342, B64URL)}`;

  it.each([
    ['a bearer header', `Authorization: Bearer ${token}`, token],
    ['an RS256 token in JSON', JSON.stringify({ id_token: rs }), rs],
    ['a token in a code block', '```\ncurl -H "Authorization: Bearer ' + token + '" https://api\n```', token],
  ])('finds %s', (_what, text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it.each([
    ['an unsigned token', `${b64url(JSON.stringify({ alg: 'none' }))}.${payload}.`],
    ['a header without alg', `${b64url(JSON.stringify({ foo: 'bar', baz: 1 }))}.${payload}.${rand(43, B64URL)}`],
    ['base64 JSON that is not a JWT', b64url(JSON.stringify({ a: 1, b: 'some longer value here' }))],
    ['a dotted base64 blob', `eyJ${rand(40, B64URL)}.eyJ${rand(40, B64URL)}`],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('secret:private_key', () => {
  const kind = 'secret:private_key';
  const armour = (label: string, body: string, nl = '\n'): string =>
    `-----BEGIN ${label}-----${nl}${body}${nl}-----END ${label}-----`;
  const body = (n: number, nl = '\n'): string => Array.from({ length: n }, () => rand(64, B64)).join(nl);
  const rsa = armour('RSA ' + 'PRIVATE KEY', body(6));
  const pkcs8 = armour('PRIVATE' + ' KEY', body(4));
  const openssh = armour('OPENSSH ' + 'PRIVATE KEY', body(5));

  it.each([
    ['an RSA key', `key:\n${rsa}\nend`, rsa],
    ['a PKCS#8 key', pkcs8, pkcs8],
    ['an OpenSSH key in a code block', '```\n' + openssh + '\n```', openssh],
  ])('finds %s', (_what, text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it('finds a JSON-encoded key, spanning the whole block', () => {
    const text = JSON.stringify({ private_key: armour('PRIVATE' + ' KEY', body(4)) });
    const [value] = found(text, kind);
    expect(value.startsWith('-----BEGIN PRIVATE KEY-----\\n')).toBe(true);
    expect(value.endsWith('\\n-----END PRIVATE KEY-----')).toBe(true);
  });

  it('finds a truncated key with no END line, through the end of its body', () => {
    const head = '-----BEGIN EC ' + 'PRIVATE KEY-----\n';
    const text = `${head}${body(2)}\n\nThat was the key.`;
    expect(found(text, kind)).toEqual([text.slice(0, head.length + 129)]);
  });

  it.each([
    ['public keys', armour('PUBLIC KEY', body(4))],
    ['certificates', armour('CERTIFICATE', body(10))],
    ['a header mentioned in prose', 'Paste the key that starts with -----BEGIN RSA PRIVATE KEY----- into the box.'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('secret:connection_string', () => {
  const kind = 'secret:connection_string';

  it.each([
    [
      'postgres',
      'DATABASE_URL=postgres://admin:' + 's3cr3t@db.internal:5432/app',
      'postgres://admin:s3cr3t@db.internal:5432',
    ],
    ['postgresql with an encoded password', 'postgresql://app:p%40ss@10.0.0.5/db', 'postgresql://app:p%40ss@10.0.0.5'],
    [
      'mongodb+srv',
      '"mongodb+srv://user:pw123@cluster0.example.mongodb.net/db?retryWrites=true"',
      'mongodb+srv://user:pw123@cluster0.example.mongodb.net',
    ],
    ['redis with only a password', 'redis://:hunter2@cache:6379/0', 'redis://:hunter2@cache:6379'],
    ['amqp', 'amqp://guest:guest@rabbit:5672/', 'amqp://guest:guest@rabbit:5672'],
    ['jdbc', 'jdbc:mysql://root:hunter2@localhost:3306/shop', 'mysql://root:hunter2@localhost:3306'],
  ])('finds %s', (_what, text, value) => {
    expect(found(text, kind)).toEqual([value]);
  });

  it.each([
    ['URLs without a password', 'postgres://user@host/db postgres://localhost:5432/db'],
    [
      'templated passwords',
      'postgres://app:${DB_PASSWORD}@db/app mysql://u:<password>@h/d redis://:{{pw}}@h amqp://u:****@h',
    ],
    ['web URLs with credentials', 'https://user:pass@example.com/'],
    ['other schemes', 'myproto://a:b@c'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, kind)).toEqual([]);
  });
});

describe('false-positive guards for secrets', () => {
  it.each([
    ['UUIDs and hashes', '550e8400-e29b-41d4-a716-446655440000 ' + rand(64, '0123456789abcdef')],
    ['base64 blobs', rand(400, B64) + '=='],
    ['prose about keys', 'Rotate your OpenAI key (it starts with sk-) and your GitHub token (ghp_) regularly.'],
    ['identifiers', 'task-runner disk-usage sk-learn rk_live_mode_enabled ghp_helpers AKIA_PREFIX'],
  ])('finds nothing in %s', (_what, text) => {
    expect(classifier.scan(text)).toEqual([]);
  });
});
