import type { LoadedConfig, ProtectProcessorConfig } from '../config/types';
import { receivedDocument, type ContentDocument } from '../model/content';
import { promptText, responseText } from '../model/hashed-text';
import type { Store } from '../store/client';
import type { Logger } from '../telemetry/logger';
import { contentHash } from './content-hash';
import { DataKeyManager } from './data-keys';
import { envelopeKeyId, open, seal, type SealTarget } from './envelope';
import { createKeyProvider } from './index';
import type { KeyProvider } from './provider';

/** The parts of the protect processor's config that say which keys to use and how. */
export type KeyringConfig = Pick<ProtectProcessorConfig, 'keys' | 'data_keys' | 'hash'>;

/**
 * Every key operation of the collector in one place (docs/architecture.md, "One keyring"):
 * the KEK provider, the per-user data keys, the per-tenant hash keys, and sealing and
 * opening content. The protect processor, the administrative operations (show, erase,
 * keys, hash) and the CLI all use a Keyring, never the parts behind it.
 */
export class Keyring {
  readonly provider: KeyProvider;
  readonly dataKeys: DataKeyManager;
  private readonly hashKeys = new Map<string, Promise<{ version: string; key: Buffer }>>();

  constructor(
    readonly config: KeyringConfig,
    loaded: Pick<LoadedConfig, 'dir'>,
    logger: Logger,
  ) {
    this.provider = createKeyProvider(config.keys, loaded, logger);
    this.dataKeys = new DataKeyManager(this.provider, {
      maxAgeMs: config.data_keys.max_age,
      maxUses: config.data_keys.max_uses,
      cacheSize: config.data_keys.cache_size,
    });
  }

  /** The tenant's hash key, fetched once per process (a failed fetch is retried next time). */
  hashKey(tenantId: string): Promise<{ version: string; key: Buffer }> {
    let key = this.hashKeys.get(tenantId);
    if (!key) {
      key = this.provider.hashKey(tenantId);
      key.catch(() => this.hashKeys.delete(tenantId));
      this.hashKeys.set(tenantId, key);
    }
    return key;
  }

  /** prompt_hash and response_hash of a record's content, as configured (hash.algorithm). */
  async contentHashes(
    tenantId: string,
  ): Promise<{ prompt: (input: ContentDocument) => string; response: (output: ContentDocument) => string }> {
    const { algorithm } = this.config.hash;
    const key = algorithm === 'hmac-sha256' ? await this.hashKey(tenantId) : undefined;
    return {
      prompt: (input) => contentHash(algorithm, promptText(input), key),
      response: (output) => contentHash(algorithm, responseText(output), key),
    };
  }

  /** The value `ai-audit hash` prints for a text: what prompt_hash holds for that prompt. */
  async hashText(tenantId: string, text: string): Promise<string> {
    return (await this.contentHashes(tenantId)).prompt(receivedDocument(text));
  }

  /** Seals one content field under a data key of `sealingKey`. */
  seal(key: { keyId: string; key: Buffer }, plaintext: string, target: SealTarget): string {
    return seal(key.key, key.keyId, plaintext, target);
  }

  /**
   * Opens a sealed value with the data key named inside it, looked up in the store's
   * data_keys when this process does not hold it. Throws DataKeyUnavailableError when the
   * key was destroyed, EnvelopeError when the value was not sealed for `target`.
   */
  async open(sealed: string, target: SealTarget, store: Pick<Store, 'queryRows'>, database: string): Promise<string> {
    const key = await this.dataKeys.openingKey(envelopeKeyId(sealed), target.tenantId, store, database);
    return open(key, sealed, target);
  }
}
