import type { ProtectProcessorConfig } from '../../config/types';
import { parseDuration } from '../../config/units';
import { DataKeyManager } from '../../keys/data-keys';
import { createKeyProvider, type KeyProvider } from '../../keys';
import { RetryLaterError, type BuildContext, type Factory, type PipelineBatch, type Processor } from '../../component/component';
import { CONTENT_FIELDS, SEALED_COLUMN, type AuditRecord } from '../../model/record';
import { seal } from './envelope';
import { contentHash, promptText, responseText } from './hash';

/**
 * The protect processor, last before the write-ahead log (docs/architecture.md, "Seal, then log"):
 * keyed hashes of prompt and response, content sealed under the (tenant, user) data key,
 * and the plaintext dropped from the record, so nothing after this stage can write it.
 */
export class ProtectProcessor implements Processor {
  readonly provider: KeyProvider;
  readonly dataKeys: DataKeyManager;
  private readonly hashKeys = new Map<string, Promise<{ version: string; key: Buffer }>>();
  /** Subjects being erased: their records are refused until the erasure is done. */
  private readonly fenced = new Set<string>();

  constructor(
    readonly config: ProtectProcessorConfig,
    context: Pick<BuildContext, 'loaded' | 'logger'>,
  ) {
    this.provider = createKeyProvider(config.keys, context.loaded, context.logger);
    this.dataKeys = new DataKeyManager(this.provider, {
      maxAgeMs: parseDuration(config.data_keys.max_age) as number,
      maxUses: config.data_keys.max_uses,
      cacheSize: config.data_keys.cache_size,
    });
  }

  async process(batch: PipelineBatch): Promise<void> {
    if (batch.records.length === 0) return;
    if (this.fenced.size > 0 && batch.records.some((record) => this.fenced.has(subjectSlot(batch.tenantId, record.user_id)))) {
      throw new RetryLaterError('an erasure of a user in this export is in progress; retry shortly');
    }
    if (this.config.content !== 'drop') await this.hash(batch.tenantId, batch.records);
    if (this.config.content === 'encrypt') await this.seal(batch.tenantId, batch.records);
    for (const record of batch.records) record.content = {};
    const rows = this.dataKeys.pendingRows();
    if (rows.length > 0) {
      batch.dataKeys.push(...rows);
      batch.afterDurable.push(() => this.dataKeys.persisted(rows));
    }
  }

  /**
   * Erasure fence: from now on a batch holding records of this subject is refused (the
   * sender retries it later) until the returned release is called, and the subject's keys
   * leave memory, so nothing of theirs is sealed under a key the erasure destroys.
   * Batches that passed this check earlier are the caller's to wait for.
   */
  fence(tenantId: string, subject: string): () => void {
    const slot = subjectSlot(tenantId, subject);
    this.fenced.add(slot);
    this.dataKeys.forget(tenantId, subject);
    return () => {
      this.fenced.delete(slot);
    };
  }

  /** The value `ai-audit hash` prints for a text: what prompt_hash holds for that prompt. */
  async hashText(tenantId: string, text: string): Promise<string> {
    return contentHash(this.config.hash.algorithm, promptText(text), await this.hashKey(tenantId));
  }

  private async hash(tenantId: string, records: AuditRecord[]): Promise<void> {
    const key = this.config.hash.algorithm === 'hmac-sha256' ? await this.hashKey(tenantId) : undefined;
    for (const record of records) {
      const { input, output } = record.content;
      if (input !== undefined) record.prompt_hash = contentHash(this.config.hash.algorithm, promptText(input), key);
      if (output !== undefined) record.response_hash = contentHash(this.config.hash.algorithm, responseText(output), key);
    }
  }

  /** One key request per user in the batch, then one AES-GCM seal per content field. */
  private async seal(tenantId: string, records: AuditRecord[]): Promise<void> {
    const bySubject = new Map<string, AuditRecord[]>();
    for (const record of records) {
      if (!CONTENT_FIELDS.some((field) => record.content[field] !== undefined)) continue;
      const list = bySubject.get(record.user_id);
      if (list) list.push(record);
      else bySubject.set(record.user_id, [record]);
    }
    for (const [subject, list] of bySubject) {
      const uses = list.reduce((n, r) => n + CONTENT_FIELDS.filter((f) => r.content[f] !== undefined).length, 0);
      const { keyId, key } = await this.dataKeys.sealingKey(tenantId, subject, uses);
      for (const record of list) {
        record.content_key_id = keyId;
        for (const field of CONTENT_FIELDS) {
          const plaintext = record.content[field];
          if (plaintext === undefined) continue;
          const column = SEALED_COLUMN[field];
          record[column] = seal(key, keyId, plaintext, { tenantId, recordId: record.record_id, column });
        }
      }
    }
  }

  private hashKey(tenantId: string): Promise<{ version: string; key: Buffer }> {
    let key = this.hashKeys.get(tenantId);
    if (!key) {
      key = this.provider.hashKey(tenantId);
      key.catch(() => this.hashKeys.delete(tenantId));
      this.hashKeys.set(tenantId, key);
    }
    return key;
  }
}

function subjectSlot(tenantId: string, subject: string): string {
  return `${tenantId}\u0000${subject}`;
}

export const protectProcessorFactory: Factory<Processor> = {
  type: 'protect',
  create: (config, context) => new ProtectProcessor(config as ProtectProcessorConfig, context),
};
