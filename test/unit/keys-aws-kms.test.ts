import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { HttpResponse, type HttpRequest } from '@smithy/core/transport';
import { AwsKmsKeyProvider } from '../../collector/src/keys/aws-kms';
import { hashKeyInfo } from '../../collector/src/keys/hkdf';
import { KeyProviderError } from '../../collector/src/keys/provider';

/**
 * The provider drives the real KMSClient (serialization, SigV4 signing, retries, error
 * parsing); only the HTTP handler is replaced, by an in-memory KMS that speaks the AWS
 * JSON 1.1 protocol: `X-Amz-Target: TrentService.<Operation>`, base64 blobs, and errors as
 * `{"__type": ...}` with `x-amzn-ErrorType`.
 */

const ACCOUNT_ARN = 'arn:aws:kms:eu-west-1:111122223333';

interface FakeKey {
  arn: string;
  usage: 'ENCRYPT_DECRYPT' | 'GENERATE_VERIFY_MAC';
  /** Backing key material, oldest first: KMS rotation adds one under the same ARN. */
  material: Buffer[];
  created: number;
}

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

class FakeKms {
  readonly requests: {
    target: string;
    headers: Record<string, string>;
    hostname: string;
    protocol: string;
    port?: number;
    body: Record<string, unknown>;
  }[] = [];
  private readonly keys = new Map<string, FakeKey>();
  private readonly aliases = new Map<string, string>();
  private readonly denied = new Set<string>();
  transportDown = false;

  createKey(alias: string, usage: FakeKey['usage']): FakeKey {
    const key: FakeKey = {
      arn: `${ACCOUNT_ARN}:key/${randomUUID()}`,
      usage,
      material: [randomBytes(32)],
      created: 1_760_000_000,
    };
    this.keys.set(key.arn, key);
    this.aliases.set(alias, key.arn);
    return key;
  }

  rotateMaterial(key: FakeKey): void {
    key.material.push(randomBytes(32));
  }

  deny(operation: string): void {
    this.denied.add(operation);
  }

  /** Which backing material of its key a blob was made with. */
  materialOf(blob: Buffer): number {
    return blob[2 + blob.readUInt16BE(0)];
  }

  calls(target: string): number {
    return this.requests.filter((r) => r.target === target).length;
  }

  // The SDK's HttpHandler shape.
  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    if (this.transportDown)
      throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    const target = String(request.headers['x-amz-target']).replace('TrentService.', '');
    const body = JSON.parse(new TextDecoder().decode(request.body as Uint8Array)) as Record<string, unknown>;
    this.requests.push({
      target,
      headers: request.headers,
      hostname: request.hostname,
      protocol: request.protocol,
      port: request.port,
      body,
    });
    try {
      if (this.denied.has(target)) {
        throw new KmsError(
          'AccessDeniedException',
          `User: arn:aws:sts::111122223333:assumed-role/collector/i-1 is not authorized to perform: kms:${target}`,
        );
      }
      return json(200, this.operate(target, body));
    } catch (error) {
      if (!(error instanceof KmsError)) throw error;
      return {
        response: new HttpResponse({
          statusCode: 400,
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': error.type },
          body: Buffer.from(JSON.stringify({ __type: error.type, message: error.message })),
        }),
      };
    }
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  private operate(target: string, body: Record<string, unknown>): Record<string, unknown> {
    switch (target) {
      case 'Encrypt': {
        const key = this.key(body.KeyId, 'ENCRYPT_DECRYPT');
        return {
          CiphertextBlob: this.seal(key, Buffer.from(body.Plaintext as string, 'base64'), body.EncryptionContext),
          KeyId: key.arn,
          EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        };
      }
      case 'Decrypt': {
        const { key, plaintext } = this.open(body.CiphertextBlob, body.EncryptionContext, body.KeyId);
        return { Plaintext: plaintext.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      }
      case 'ReEncrypt': {
        const { key: source, plaintext } = this.open(
          body.CiphertextBlob,
          body.SourceEncryptionContext,
          body.SourceKeyId,
        );
        const destination = this.key(body.DestinationKeyId, 'ENCRYPT_DECRYPT');
        return {
          CiphertextBlob: this.seal(destination, plaintext, body.DestinationEncryptionContext),
          SourceKeyId: source.arn,
          KeyId: destination.arn,
        };
      }
      case 'GenerateMac': {
        const key = this.key(body.KeyId, 'GENERATE_VERIFY_MAC');
        if (body.MacAlgorithm !== 'HMAC_SHA_256')
          throw new KmsError('InvalidKeyUsageException', 'unsupported MAC algorithm');
        const mac = createHmac('sha256', key.material[0])
          .update(Buffer.from(body.Message as string, 'base64'))
          .digest();
        return { Mac: mac.toString('base64'), KeyId: key.arn, MacAlgorithm: 'HMAC_SHA_256' };
      }
      case 'DescribeKey': {
        const key = this.key(body.KeyId);
        return {
          KeyMetadata: {
            KeyId: key.arn.split('/')[1],
            Arn: key.arn,
            CreationDate: key.created,
            Enabled: true,
            KeyState: 'Enabled',
            KeyUsage: key.usage,
          },
        };
      }
      default:
        throw new KmsError('UnsupportedOperationException', target);
    }
  }

  private key(id: unknown, usage?: FakeKey['usage']): FakeKey {
    const key = this.keys.get(this.aliases.get(String(id)) ?? String(id));
    if (!key) throw new KmsError('NotFoundException', `Key '${String(id)}' does not exist`);
    if (usage && key.usage !== usage)
      throw new KmsError('InvalidKeyUsageException', `${key.arn} is not a ${usage} key`);
    return key;
  }

  /** Blob: ARN length, ARN, material index, nonce | ciphertext | tag, the context as AAD. */
  private seal(key: FakeKey, plaintext: Buffer, context: unknown): string {
    const index = key.material.length - 1;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.material[index], nonce);
    cipher.setAAD(contextAad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const arn = Buffer.from(key.arn);
    const header = Buffer.alloc(2);
    header.writeUInt16BE(arn.length);
    return Buffer.concat([header, arn, Buffer.from([index]), nonce, body, cipher.getAuthTag()]).toString('base64');
  }

  private open(blobText: unknown, context: unknown, keyId: unknown): { key: FakeKey; plaintext: Buffer } {
    const blob = Buffer.from(String(blobText), 'base64');
    const arnLength = blob.readUInt16BE(0);
    const key = this.keys.get(blob.subarray(2, 2 + arnLength).toString());
    if (!key) throw new KmsError('InvalidCiphertextException', '');
    if (keyId !== undefined && this.key(keyId).arn !== key.arn)
      throw new KmsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify the key that encrypted the ciphertext',
      );
    const rest = blob.subarray(2 + arnLength);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.material[rest[0]], rest.subarray(1, 13));
      decipher.setAAD(contextAad(context));
      decipher.setAuthTag(rest.subarray(rest.length - 16));
      return {
        key,
        plaintext: Buffer.concat([decipher.update(rest.subarray(13, rest.length - 16)), decipher.final()]),
      };
    } catch {
      // KMS says no more than this when the context does not match.
      throw new KmsError('InvalidCiphertextException', '');
    }
  }
}

/** KMS binds the context as a map: order does not matter, every pair does; empty values are invalid. */
function contextAad(context: unknown): Buffer {
  const pairs = Object.entries((context ?? {}) as Record<string, string>).sort(([a], [b]) => a.localeCompare(b));
  if (pairs.some(([, value]) => value === '')) throw new KmsError('ValidationException', 'Invalid EncryptionContext');
  return Buffer.from(JSON.stringify(pairs));
}

function json(status: number, body: object): { response: HttpResponse } {
  return {
    response: new HttpResponse({
      statusCode: status,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: Buffer.from(JSON.stringify(body)),
    }),
  };
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyProviderError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

const CONTEXT = { tenant: 'acme', subject: 'user-1', key_id: 'dek_01' };

describe('aws-kms key provider', () => {
  const savedEnv = { ...process.env };
  let kms: FakeKms;
  let wrapping: FakeKey;
  let hmac: FakeKey;
  let sdkSockets: number;
  let connect: jest.SpyInstance;
  const stackTraceLimit = Error.stackTraceLimit;

  beforeAll(() => {
    // Credentials and region come from the environment, as the SDK's default chain finds them
    // first; the config files point nowhere so a developer's ~/.aws cannot leak in.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTONLY';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-secret-access-key';
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    // Whole stacks, to tell the SDK's sockets from others in this worker (below).
    Error.stackTraceLimit = Infinity;
  });

  afterAll(() => {
    process.env = savedEnv;
    Error.stackTraceLimit = stackTraceLimit;
  });

  beforeEach(() => {
    kms = new FakeKms();
    wrapping = kms.createKey('alias/ai-audit', 'ENCRYPT_DECRYPT');
    hmac = kms.createKey('alias/ai-audit-hash', 'GENERATE_VERIFY_MAC');
    // A socket the SDK opens (its HTTP handler to KMS, IMDS or the container endpoint for
    // credentials) fails the test. Told apart by its stack: fetch's pool may still be
    // reconnecting on loopback for a suite that ran before in this jest worker.
    sdkSockets = 0;
    const original = Socket.prototype.connect;
    connect = jest.spyOn(Socket.prototype, 'connect').mockImplementation(function (this: Socket, ...args: unknown[]) {
      if (/node_modules[\\/]@(aws-sdk|smithy)[\\/]/.test(new Error().stack ?? '')) sdkSockets += 1;
      return Reflect.apply(original, this, args) as Socket;
    } as typeof original);
  });

  afterEach(() => {
    connect.mockRestore();
    expect(sdkSockets).toBe(0);
  });

  const provider = (config: Partial<{ key_id: string; region: string; endpoint: string }> = {}) =>
    new AwsKmsKeyProvider(
      { key_id: 'alias/ai-audit', hmac_key_id: 'alias/ai-audit-hash', ...config },
      { requestHandler: kms },
    );

  it('constructs without I/O, even with no credentials or region to be found', () => {
    const bare = { ...process.env };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_REGION;
    try {
      expect(new AwsKmsKeyProvider({ key_id: 'alias/ai-audit', hmac_key_id: 'alias/ai-audit-hash' }).kind).toBe(
        'aws-kms',
      );
    } finally {
      process.env = bare;
    }
  });

  it('wraps with Encrypt and unwraps with Decrypt, signed with the environment credentials for the resolved region', async () => {
    const keys = provider();
    const dek = randomBytes(32);
    const wrapped = await keys.wrap(dek, CONTEXT);

    expect(wrapped.kekVersion).toBe(wrapping.arn);
    expect(wrapped.ciphertext.includes(dek)).toBe(false);
    const [encrypt] = kms.requests;
    expect(encrypt.target).toBe('Encrypt');
    expect(encrypt.body).toEqual({
      KeyId: 'alias/ai-audit',
      Plaintext: dek.toString('base64'),
      EncryptionContext: CONTEXT,
    });
    expect(encrypt.hostname).toBe('kms.eu-west-1.amazonaws.com');
    expect(encrypt.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTESTONLY\/\d{8}\/eu-west-1\/kms\/aws4_request,/,
    );

    expect(await keys.unwrap(wrapped, { key_id: 'dek_01', subject: 'user-1', tenant: 'acme' })).toEqual(dek);
    expect(kms.requests[1].body).toMatchObject({ KeyId: wrapping.arn, EncryptionContext: CONTEXT });
  });

  it('sends requests to the configured endpoint and region', async () => {
    await provider({ region: 'us-east-2', endpoint: 'http://localhost:4566' }).wrap(randomBytes(32), CONTEXT);
    const [request] = kms.requests;
    expect([request.protocol, request.hostname, request.port]).toEqual(['http:', 'localhost', 4566]);
    expect(request.headers.authorization).toContain('/us-east-2/kms/aws4_request');
  });

  it('binds the context: a wrapped key moved to another tenant, subject or key id does not open', async () => {
    const keys = provider();
    const dek = randomBytes(32);
    const wrapped = await keys.wrap(dek, CONTEXT);
    for (const moved of [{ tenant: 'other' }, { subject: 'user-2' }, { key_id: 'dek_02' }]) {
      const message = await failure(keys.unwrap(wrapped, { ...CONTEXT, ...moved }));
      expect(message).toBe('aws-kms: Decrypt failed: InvalidCiphertextException (HTTP 400)');
    }
  });

  it('wraps a key without a subject (KMS rejects empty context values) and keeps it bound', async () => {
    const keys = provider();
    const dek = randomBytes(32);
    const anonymous = { tenant: 'acme', subject: '', key_id: 'dek_03' };
    const wrapped = await keys.wrap(dek, anonymous);
    expect(kms.requests[0].body.EncryptionContext).toEqual({ tenant: 'acme', key_id: 'dek_03' });
    expect(await keys.unwrap(wrapped, anonymous)).toEqual(dek);
    await failure(keys.unwrap(wrapped, { ...anonymous, subject: 'user-1' }));
  });

  it('rewraps inside KMS with ReEncrypt: onto rotated key material, and onto another key after key_id changes', async () => {
    const keys = provider();
    const dek = randomBytes(32);
    const wrapped = await keys.wrap(dek, CONTEXT);

    kms.rotateMaterial(wrapping);
    const rewrapped = await keys.rewrap(wrapped, CONTEXT);
    expect(rewrapped.kekVersion).toBe(wrapping.arn);
    expect([kms.materialOf(wrapped.ciphertext), kms.materialOf(rewrapped.ciphertext)]).toEqual([0, 1]);
    expect(await keys.unwrap(wrapped, CONTEXT)).toEqual(dek);
    expect(await keys.unwrap(rewrapped, CONTEXT)).toEqual(dek);

    const next = kms.createKey('alias/ai-audit-2026', 'ENCRYPT_DECRYPT');
    const moved = provider({ key_id: 'alias/ai-audit-2026' });
    // Not yet re-wrapped: still opens under the key that wrapped it.
    expect(await moved.unwrap(wrapped, CONTEXT)).toEqual(dek);
    const before = kms.requests.length;
    const onNext = await moved.rewrap(wrapped, CONTEXT);
    expect(onNext.kekVersion).toBe(next.arn);
    expect(kms.requests.slice(before).map((r) => r.target)).toEqual(['ReEncrypt']);
    expect(kms.requests[before].body).toMatchObject({
      SourceKeyId: wrapping.arn,
      DestinationKeyId: 'alias/ai-audit-2026',
      SourceEncryptionContext: CONTEXT,
      DestinationEncryptionContext: CONTEXT,
    });
    expect(await moved.unwrap(onNext, CONTEXT)).toEqual(dek);
    await failure(moved.rewrap(onNext, { ...CONTEXT, tenant: 'other' }));
  });

  it('reports the current key from DescribeKey: rotate creates nothing, versions lists the ARN', async () => {
    const keys = provider();
    expect(await keys.rotate()).toEqual({ version: wrapping.arn, created: false });
    expect(await keys.versions()).toEqual([
      { version: wrapping.arn, current: true, created: new Date(wrapping.created * 1000).toISOString() },
    ]);
  });

  it('derives hash keys with GenerateMac over the tenant label: deterministic, per tenant, fetched once per process', async () => {
    const one = provider();
    const acme = await one.hashKey('acme');
    expect(acme).toEqual({
      version: '1',
      key: createHmac('sha256', hmac.material[0]).update(hashKeyInfo('acme')).digest(),
    });
    expect(kms.requests[0].body).toEqual({
      KeyId: 'alias/ai-audit-hash',
      MacAlgorithm: 'HMAC_SHA_256',
      Message: Buffer.from(hashKeyInfo('acme')).toString('base64'),
    });

    await Promise.all([one.hashKey('acme'), one.hashKey('acme')]);
    expect(kms.calls('GenerateMac')).toBe(1);
    expect((await one.hashKey('globex')).key).not.toEqual(acme.key);
    expect(await provider().hashKey('acme')).toEqual(acme);
  });

  it('turns AWS errors into one-line KeyProviderErrors that name the operation and never carry key material', async () => {
    const keys = provider();
    const dek = randomBytes(32);
    const wrapped = await keys.wrap(dek, CONTEXT);

    kms.deny('Decrypt');
    const denied = await failure(keys.unwrap(wrapped, CONTEXT));
    expect(denied).toMatch(
      /^aws-kms: Decrypt failed: AccessDeniedException \(HTTP 400\): User: \S+ is not authorized to perform: kms:Decrypt$/,
    );
    expect(denied).not.toContain(dek.toString('base64'));
    expect(denied).not.toContain(wrapped.ciphertext.toString('base64'));

    expect(await failure(provider({ key_id: 'alias/missing' }).wrap(dek, CONTEXT))).toBe(
      "aws-kms: Encrypt failed: NotFoundException (HTTP 400): Key 'alias/missing' does not exist",
    );
    // A wrapping key given as the HMAC key (or the reverse) is refused by KMS.
    expect(
      await failure(
        new AwsKmsKeyProvider(
          { key_id: 'alias/ai-audit', hmac_key_id: 'alias/ai-audit' },
          { requestHandler: kms },
        ).hashKey('acme'),
      ),
    ).toMatch(/^aws-kms: GenerateMac failed: InvalidKeyUsageException/);

    kms.transportDown = true;
    expect(await failure(keys.wrap(dek, CONTEXT))).toBe(
      'aws-kms: Encrypt failed: ECONNREFUSED: connect ECONNREFUSED 10.0.0.1:443',
    );
    // A failed hash key is not cached: the next call asks again.
    await failure(keys.hashKey('acme'));
    kms.transportDown = false;
    expect((await keys.hashKey('acme')).key).toHaveLength(32);
  });
});
