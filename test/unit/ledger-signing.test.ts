import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, type HttpRequest } from '@smithy/core/transport';
import { inclusionProof, leafHash, merkleRoot, nodeHash, rootFromProof } from '../../collector/src/ledger/merkle';
import { LocalSigner, verifySignature, type Signer } from '../../collector/src/keys/signing';
import { KmsSigner } from '../../collector/src/keys/signing-kms';
import { VaultSigner } from '../../collector/src/keys/signing-vault';

/**
 * The ledger's building blocks: RFC 6962 trees (the bottom-up build against the RFC's own
 * recursive definition, every audit path of every small tree, tampered paths refused), and
 * the three signers (local Ed25519 with rotation; KMS through the real SDK against an
 * in-memory KMS; Vault through HTTP against a local transit engine), each signature checked
 * with only the public keys the signer lists.
 */

/** MTH from RFC 6962 §2.1, recursively: the oracle. */
function rfcRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(rfcRoot(leaves.slice(0, k)), rfcRoot(leaves.slice(k)));
}

describe('Merkle trees', () => {
  const leaves = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => leafHash(`leaf ${i}`));

  it('match RFC 6962 and prove every leaf of trees of 1 to 40 leaves', () => {
    for (let n = 1; n <= 40; n++) {
      const tree = leaves(n);
      const root = merkleRoot(tree);
      expect(root.equals(rfcRoot(tree))).toBe(true);
      for (let i = 0; i < n; i++) expect(rootFromProof(tree[i], i, n, inclusionProof(tree, i)).equals(root)).toBe(true);
    }
  });

  it('refuse a changed leaf, a changed path, a wrong index and a path of the wrong length', () => {
    const tree = leaves(13);
    const root = merkleRoot(tree);
    const proof = inclusionProof(tree, 6);
    expect(rootFromProof(leafHash('forged'), 6, 13, proof).equals(root)).toBe(false);
    expect(rootFromProof(tree[6], 6, 13, [leafHash('x'), ...proof.slice(1)]).equals(root)).toBe(false);
    expect(rootFromProof(tree[6], 7, 13, proof).equals(root)).toBe(false);
    expect(() => rootFromProof(tree[6], 6, 13, proof.slice(1))).toThrow(RangeError);
    expect(() => rootFromProof(tree[6], 6, 13, [...proof, leafHash('x')])).toThrow(RangeError);
  });
});

async function signsAndVerifies(signer: Signer): Promise<void> {
  const message = Buffer.from('ai-audit/ledger-head/v1 chain 7 abc');
  const signature = await signer.sign(message);
  const keys = await signer.publicKeys();
  expect(verifySignature(keys, message, signature)).toBe(true);
  expect(verifySignature(keys, Buffer.from('another head'), signature)).toBe(false);
  expect(verifySignature(keys, message, { ...signature, signature: Buffer.alloc(64, 1).toString('base64') })).toBe(
    false,
  );
  expect(verifySignature([], message, signature)).toBe(false);
}

describe('local signer', () => {
  it('creates its key file owner-only, signs, and keeps verifying old signatures after a rotation', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ai-audit-signing-')), 'keys', 'signing-keys.json');
    const signer = new LocalSigner(path);
    await signsAndVerifies(signer);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const message = Buffer.from('head');
    const before = await signer.sign(message);
    const rotated = await signer.rotate();
    const after = await signer.sign(message);
    expect(after.key_id).toBe(rotated.key_id);
    expect(after.key_id).not.toBe(before.key_id);
    // Another process reading the same file sees both keys.
    const keys = await new LocalSigner(path).publicKeys();
    expect(keys.map((k) => k.current)).toEqual([false, true]);
    expect(verifySignature(keys, message, before)).toBe(true);
    expect(verifySignature(keys, message, after)).toBe(true);
  });
});

/** An in-memory KMS holding one ECC_NIST_P256 signing key, speaking AWS JSON 1.1. */
class FakeKms {
  readonly operations: string[] = [];
  private readonly key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  keySpec = 'ECC_NIST_P256';

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const operation = String(request.headers['x-amz-target']).replace('TrentService.', '');
    const body = JSON.parse(new TextDecoder().decode(request.body as Uint8Array)) as Record<string, string>;
    this.operations.push(operation);
    const answer =
      operation === 'GetPublicKey'
        ? {
            KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/sign',
            KeySpec: this.keySpec,
            KeyUsage: 'SIGN_VERIFY',
            SigningAlgorithms: ['ECDSA_SHA_256'],
            PublicKey: (this.key.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64'),
          }
        : {
            KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/sign',
            SigningAlgorithm: body.SigningAlgorithm,
            Signature: sign('sha256', Buffer.from(body.Message, 'base64'), this.key.privateKey as KeyObject).toString(
              'base64',
            ),
          };
    return {
      response: new HttpResponse({
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: Buffer.from(JSON.stringify(answer)),
      }),
    };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
}

describe('KMS signer', () => {
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTONLY';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-secret-access-key';
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  });

  it('signs with ECDSA_SHA_256 in KMS, verified with the public key GetPublicKey returns', async () => {
    const kms = new FakeKms();
    const signer = new KmsSigner('alias/ai-audit-ledger', {}, { requestHandler: kms });
    await signsAndVerifies(signer);
    expect(kms.operations.filter((o) => o === 'GetPublicKey')).toHaveLength(1);
    expect(kms.operations).toContain('Sign');
  });

  it('refuses a key that is not a P-256 signing key, by name', async () => {
    const kms = new FakeKms();
    kms.keySpec = 'RSA_2048';
    const signer = new KmsSigner('alias/wrong', {}, { requestHandler: kms });
    await expect(signer.sign(Buffer.from('x'))).rejects.toThrow(
      'aws-kms: GetPublicKey failed: key alias/wrong is not an ECC_NIST_P256 signing key (KeySpec RSA_2048)',
    );
  });
});

/** A transit engine with one ed25519 key: sign, read (public keys per version), rotate. */
class FakeTransit {
  private server!: Server;
  private readonly versions: KeyObject[] = [];
  url = '';

  constructor() {
    this.rotate();
  }

  rotate(): void {
    this.versions.push(generateKeyPairSync('ed25519').privateKey);
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.serve(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const reply = (body: object): void => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers['x-vault-token'] !== 'root') {
      response.writeHead(403).end(JSON.stringify({ errors: ['permission denied'] }));
      return;
    }
    const latest = this.versions.length;
    if (request.method === 'POST' && request.url === '/v1/transit/sign/ledger') {
      const input = Buffer.from((JSON.parse(raw) as { input: string }).input, 'base64');
      const signature = sign(null, input, this.versions[latest - 1]).toString('base64');
      return reply({ data: { signature: `vault:v${latest}:${signature}`, key_version: latest } });
    }
    if (request.method === 'POST' && request.url === '/v1/transit/keys/ledger/rotate') {
      this.rotate();
      return reply({});
    }
    if (request.method === 'GET' && request.url === '/v1/transit/keys/ledger') {
      const keys = Object.fromEntries(
        this.versions.map((key, i) => {
          const spki = createPublicKeyDer(key);
          return [
            String(i + 1),
            { public_key: spki.subarray(-32).toString('base64'), creation_time: '2026-12-01T00:00:00Z' },
          ];
        }),
      );
      return reply({ data: { type: 'ed25519', latest_version: latest, keys } });
    }
    response.writeHead(404).end(JSON.stringify({ errors: ['unsupported path'] }));
  }
}

function createPublicKeyDer(privateKey: KeyObject): Buffer {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
}

describe('Vault transit signer', () => {
  let vault: FakeTransit;

  beforeEach(async () => {
    vault = new FakeTransit();
    await vault.start();
  });

  afterEach(async () => {
    await vault.stop();
  });

  it('signs in Vault, verifies with the public keys it lists, and old versions keep verifying after a rotation', async () => {
    const signer = new VaultSigner(
      'ledger',
      { address: vault.url, token: 'root', mount: 'transit', key: 'dek', timeout: 5_000 },
      {},
    );
    await signsAndVerifies(signer);
    const message = Buffer.from('head');
    const before = await signer.sign(message);
    const rotated = await signer.rotate();
    const after = await signer.sign(message);
    expect(after.key_id).toBe(rotated.key_id);
    expect(after.key_id).not.toBe(before.key_id);
    const keys = await signer.publicKeys();
    expect(verifySignature(keys, message, before)).toBe(true);
    expect(verifySignature(keys, message, after)).toBe(true);
  });

  it('reports a refusal by Vault in one line', async () => {
    const signer = new VaultSigner(
      'ledger',
      { address: vault.url, token: 'wrong', mount: 'transit', key: 'dek', timeout: 5_000 },
      {},
    );
    await expect(signer.sign(Buffer.from('x'))).rejects.toThrow(
      'vault-transit: sign failed: HTTP 403: permission denied',
    );
  });
});

it('key ids name the algorithm and a digest of the public key; reading keys creates none', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ai-audit-signing-')), 'k.json');
  const signer = new LocalSigner(path);
  expect(await signer.publicKeys()).toEqual([]);
  expect(existsSync(path)).toBe(false);
  await signer.sign(Buffer.from('first use'));
  const [key] = await signer.publicKeys();
  const der = createPublicKey(key.public_key).export({ type: 'spki', format: 'der' });
  expect(key.key_id).toBe(`ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 24)}`);
});
