import type { LoadedConfig, ProtectProcessorConfig } from '../config/types';
import { receivedDocument, type ContentDocument } from '../model/content';
import { ALL_SEALED_COLUMNS, CONTENT_FIELDS, CONTENT_SEALED, SEALED_COLUMN, type ContentField } from '../model/record';
import { promptText, responseText } from '../model/hashed-text';
import type { Store } from '../store/client';
import type { Logger } from '../telemetry/logger';
import { contentHash } from './content-hash';
import { DataKeyManager } from './data-keys';
import { envelopeKeyId, open, openRecord, recordFields, recordKeyId, sealRecord, type RecordTarget } from './envelope';
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

  /** Seals a record's content fields into one envelope under a data key of `sealingKey`. */
  sealRecord(
    key: { keyId: string; key: Buffer },
    fields: Partial<Record<ContentField, string>>,
    target: RecordTarget,
  ): Buffer {
    return sealRecord(key.key, key.keyId, fields, target);
  }

  /**
   * Opens a record's sealed content, whichever form it was written in (`content_sealed`, or
   * the per-field columns of records written before it), with the data keys named inside the
   * envelopes, looked up in the store's data_keys when this process does not hold them.
   * Throws DataKeyUnavailableError when a key was destroyed, EnvelopeError when content was
   * not sealed for this record.
   */
  async openContent(
    row: SealedRow,
    store: Pick<Store, 'queryRows'>,
    database: string,
  ): Promise<Partial<Record<ContentField, string>>> {
    const target = { tenantId: row.tenant_id, recordId: row.record_id };
    const fields: Partial<Record<ContentField, string>> = {};
    for (const field of CONTENT_FIELDS) {
      const column = SEALED_COLUMN[field];
      const sealed = row[column];
      if (!sealed) continue;
      const key = await this.dataKeys.openingKey(envelopeKeyId(sealed), target.tenantId, store, database);
      fields[field] = open(key, sealed, { ...target, column });
    }
    if (row.content_sealed) {
      const sealed = Buffer.from(row.content_sealed, 'base64');
      const key = await this.dataKeys.openingKey(recordKeyId(sealed), target.tenantId, store, database);
      Object.assign(fields, openRecord(key, sealed, target));
    }
    return fields;
  }
}

/**
 * A record's sealed columns as read back with SEALED_SELECT: `content_sealed` is raw bytes in
 * the store, base64 in a query result.
 */
export type SealedRow = { tenant_id: string; record_id: string } & Partial<
  Record<(typeof SEALED_COLUMN)[ContentField] | typeof CONTENT_SEALED, string>
>;

/** The select list that reads a record's sealed content for `openContent`. */
export const SEALED_SELECT = [
  ...Object.values(SEALED_COLUMN),
  `base64Encode(${CONTENT_SEALED}) AS ${CONTENT_SEALED}`,
].join(', ');

/** The content fields a row read with SEALED_SELECT holds sealed (known without any key). */
export function sealedFields(row: SealedRow): ContentField[] {
  const fields = CONTENT_FIELDS.filter((field) => Boolean(row[SEALED_COLUMN[field]]));
  if (row.content_sealed) fields.push(...recordFields(Buffer.from(row.content_sealed, 'base64')));
  return fields;
}

/** Whether a row read with SEALED_SELECT holds any sealed content. */
export function hasSealedContent(row: SealedRow): boolean {
  return ALL_SEALED_COLUMNS.some((column) => Boolean(row[column]));
}
