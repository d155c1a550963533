import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  KMSClient,
  ReEncryptCommand,
  type KMSClientConfig,
} from '@aws-sdk/client-kms';
import type { AwsKmsConfig } from '../config/types';
import { hashKeyInfo } from './hkdf';
import type { KekVersion, KeyProvider, WrappedKey } from './provider';
import { cachedPerTenant, remoteError } from './remote';

/**
 * Replaces the SDK's HTTP handler. Only tests pass it: the real client still serializes,
 * signs, retries and parses errors, and only the bytes on the wire come from a stub.
 */
export interface AwsKmsTransport {
  requestHandler?: KMSClientConfig['requestHandler'];
}

/**
 * The `aws-kms` provider: DEKs are wrapped by a symmetric KMS key (Encrypt/Decrypt with the
 * context as encryption context) and hash keys come from an HMAC KMS key (GenerateMac), so
 * no KEK ever leaves KMS. KMS rotates key material itself under the same ARN; changing
 * `key_id` to another key and running `ai-audit keys rotate` moves every DEK to it.
 */
export class AwsKmsKeyProvider implements KeyProvider {
  readonly kind = 'aws-kms';
  private readonly client: KMSClient;
  private readonly hashKeys = cachedPerTenant((tenantId) => this.generateHashKey(tenantId));

  constructor(
    private readonly config: AwsKmsConfig,
    transport: AwsKmsTransport = {},
  ) {
    // Region and credentials (the SDK's default chain) resolve on the first call, so
    // constructing does no I/O and a bad setup surfaces as that call's error.
    this.client = new KMSClient({
      region: config.region,
      endpoint: config.endpoint,
      requestHandler: transport.requestHandler,
    });
  }

  async wrap(dek: Buffer, context: Record<string, string>): Promise<WrappedKey> {
    const out = await this.call('Encrypt', () =>
      this.client.send(
        new EncryptCommand({
          KeyId: this.config.key_id,
          Plaintext: dek,
          EncryptionContext: encryptionContext(context),
        }),
      ),
    );
    // KeyId in the answer is the key's ARN even when key_id is an alias: the version to record.
    return {
      ciphertext: Buffer.from(present(out.CiphertextBlob, 'Encrypt', 'CiphertextBlob')),
      kekVersion: present(out.KeyId, 'Encrypt', 'KeyId'),
    };
  }

  async unwrap(wrapped: WrappedKey, context: Record<string, string>): Promise<Buffer> {
    // The KEK that wrapped it, not the configured one: after key_id moves to another key,
    // DEKs not yet re-wrapped still open under theirs.
    const out = await this.call('Decrypt', () =>
      this.client.send(
        new DecryptCommand({
          KeyId: wrapped.kekVersion,
          CiphertextBlob: wrapped.ciphertext,
          EncryptionContext: encryptionContext(context),
        }),
      ),
    );
    return Buffer.from(present(out.Plaintext, 'Decrypt', 'Plaintext'));
  }

  async rewrap(wrapped: WrappedKey, context: Record<string, string>): Promise<WrappedKey> {
    // ReEncrypt happens inside KMS: the DEK is never in this process on the way.
    const out = await this.call('ReEncrypt', () =>
      this.client.send(
        new ReEncryptCommand({
          CiphertextBlob: wrapped.ciphertext,
          SourceKeyId: wrapped.kekVersion,
          SourceEncryptionContext: encryptionContext(context),
          DestinationKeyId: this.config.key_id,
          DestinationEncryptionContext: encryptionContext(context),
        }),
      ),
    );
    return {
      ciphertext: Buffer.from(present(out.CiphertextBlob, 'ReEncrypt', 'CiphertextBlob')),
      kekVersion: present(out.KeyId, 'ReEncrypt', 'KeyId'),
    };
  }

  async rotate(): Promise<{ version: string; created: boolean }> {
    const key = await this.describeKey();
    return { version: key.arn, created: false };
  }

  async versions(): Promise<KekVersion[]> {
    const key = await this.describeKey();
    return [{ version: key.arn, current: true, created: key.created }];
  }

  async hashKey(tenantId: string): Promise<{ version: string; key: Buffer }> {
    return this.hashKeys(tenantId);
  }

  /** HMAC KMS keys have no rotation, so the version of their hash keys never changes. */
  private async generateHashKey(tenantId: string): Promise<{ version: string; key: Buffer }> {
    const out = await this.call('GenerateMac', () =>
      this.client.send(
        new GenerateMacCommand({
          KeyId: this.config.hmac_key_id,
          MacAlgorithm: 'HMAC_SHA_256',
          Message: Buffer.from(hashKeyInfo(tenantId)),
        }),
      ),
    );
    return { version: '1', key: Buffer.from(present(out.Mac, 'GenerateMac', 'Mac')) };
  }

  private async describeKey(): Promise<{ arn: string; created?: string }> {
    const out = await this.call('DescribeKey', () =>
      this.client.send(new DescribeKeyCommand({ KeyId: this.config.key_id })),
    );
    return {
      arn: present(out.KeyMetadata?.Arn, 'DescribeKey', 'KeyMetadata.Arn'),
      created: out.KeyMetadata?.CreationDate?.toISOString(),
    };
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw remoteError(this.kind, operation, describeAwsError(error));
    }
  }
}

/**
 * KMS rejects empty encryption-context values, and a DEK without a user has subject ''.
 * Leaving such pairs out keeps the binding exact: callers always pass the same keys, so
 * a missing `subject` can only mean an empty one, and it never matches a non-empty one.
 */
function encryptionContext(context: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(context).filter(([, value]) => value !== ''));
}

/** An AWS error name (InvalidCiphertextException, AccessDeniedException) or a socket code, the HTTP status, the service's message. */
function describeAwsError(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  // 'UnknownError' is the SDK's stand-in when KMS sent no message (InvalidCiphertextException).
  const message = e.message && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  return `${e.code ?? e.name ?? 'Error'}${status}${message}`;
}

function present<T>(value: T | undefined, operation: string, field: string): T {
  if (value === undefined) throw remoteError('aws-kms', operation, `the response has no ${field}`);
  return value;
}
