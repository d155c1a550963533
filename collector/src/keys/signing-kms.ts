import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { createPublicKey } from 'node:crypto';
import type { AwsKmsTransport } from './aws-kms';
import { remoteError } from './remote';
import { keyIdOf, type PublicSigningKey, type Signature, type Signer } from './signing';

/**
 * Ledger signatures made inside AWS KMS by an asymmetric ECC_NIST_P256 key with usage
 * SIGN_VERIFY (`Sign`, ECDSA_SHA_256): the private key never leaves KMS. The public key
 * (GetPublicKey) is what `ai-audit keys public` hands to auditors. KMS does not rotate
 * asymmetric keys: rotating is pointing `signing.aws_kms.key_id` at a new key, and keeping
 * the old public keys (`keys public` before the change) for verifying older entries.
 */
export class KmsSigner implements Signer {
  readonly kind = 'aws-kms';
  private readonly client: KMSClient;
  private publicKey: Promise<PublicSigningKey> | undefined;

  constructor(
    private readonly keyId: string,
    connection: { region?: string; endpoint?: string },
    transport: AwsKmsTransport = {},
  ) {
    this.client = new KMSClient({
      region: connection.region,
      endpoint: connection.endpoint,
      requestHandler: transport.requestHandler,
    });
  }

  async sign(message: Buffer): Promise<Signature> {
    const { key_id } = await this.current();
    const out = await this.call('Sign', () =>
      this.client.send(
        new SignCommand({ KeyId: this.keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
      ),
    );
    if (!out.Signature) throw remoteError(this.kind, 'Sign', 'the response has no Signature');
    return { key_id, algorithm: 'ecdsa-p256-sha256', signature: Buffer.from(out.Signature).toString('base64') };
  }

  async publicKeys(): Promise<PublicSigningKey[]> {
    return [await this.current()];
  }

  async rotate(): Promise<PublicSigningKey> {
    throw remoteError(
      this.kind,
      'rotate',
      'KMS does not rotate asymmetric keys: create a new ECC_NIST_P256 SIGN_VERIFY key, keep `ai-audit keys public` of the old one, and set signing.aws_kms.key_id',
    );
  }

  private current(): Promise<PublicSigningKey> {
    this.publicKey ??= this.fetchPublicKey();
    this.publicKey.catch(() => (this.publicKey = undefined));
    return this.publicKey;
  }

  private async fetchPublicKey(): Promise<PublicSigningKey> {
    const out = await this.call('GetPublicKey', () => this.client.send(new GetPublicKeyCommand({ KeyId: this.keyId })));
    if (out.KeySpec !== 'ECC_NIST_P256' || !out.SigningAlgorithms?.includes('ECDSA_SHA_256') || !out.PublicKey)
      throw remoteError(
        this.kind,
        'GetPublicKey',
        `key ${this.keyId} is not an ECC_NIST_P256 signing key (KeySpec ${out.KeySpec ?? 'none'})`,
      );
    const publicKey = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
    return {
      key_id: keyIdOf('ecdsa-p256-sha256', publicKey),
      algorithm: 'ecdsa-p256-sha256',
      public_key: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      current: true,
    };
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if ((error as Error).name === 'KeyProviderError') throw error;
      const e = error as { name?: string; message?: string };
      throw remoteError(this.kind, operation, `${e.name ?? 'Error'}${e.message ? `: ${e.message}` : ''}`);
    }
  }
}
