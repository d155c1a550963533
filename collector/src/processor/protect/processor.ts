import type { BuildContext, Processor, ProcessorFactory, RecordBatch } from '../../component/component';
import type { ProtectProcessorConfig } from '../../config/types';
import { Keyring } from '../../keys/keyring';
import { RetryLaterError } from '../../model/errors';
import { documentText } from '../../model/content';
import { CONTENT_FIELDS, type AuditRecord, type ContentField } from '../../model/record';
import configSchema from './config.schema.json';

/**
 * The protect processor, last before the write-ahead log (docs/architecture.md, "Seal, then log"):
 * keyed hashes of prompt and response, content sealed under the (tenant, user) data key,
 * and the plaintext dropped from the record, so nothing after this stage can write it.
 */
export class ProtectProcessor implements Processor {
  readonly keyring: Keyring;
  /** Subjects being erased: their records are refused until the erasure is done. */
  private readonly fenced = new Set<string>();

  constructor(
    readonly config: ProtectProcessorConfig,
    context: Pick<BuildContext, 'loaded' | 'logger'>,
  ) {
    this.keyring = new Keyring(config, context.loaded, context.logger);
  }

  async process(batch: RecordBatch): Promise<void> {
    if (batch.records.length === 0) return;
    if (
      this.fenced.size > 0 &&
      batch.records.some((record) => this.fenced.has(subjectSlot(batch.tenantId, record.user_id)))
    ) {
      throw new RetryLaterError('an erasure of a user in this export is in progress; retry shortly');
    }
    if (this.config.content !== 'drop') await this.hash(batch.tenantId, batch.records);
    if (this.config.content === 'encrypt') await this.seal(batch.tenantId, batch.records);
    for (const record of batch.records) record.content = {};
    const { dataKeys } = this.keyring;
    const rows = dataKeys.pendingRows();
    if (rows.length > 0) {
      batch.dataKeys.push(...rows);
      batch.afterDurable.push(() => dataKeys.persisted(rows));
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
    this.keyring.dataKeys.forget(tenantId, subject);
    return () => {
      this.fenced.delete(slot);
    };
  }

  private async hash(tenantId: string, records: AuditRecord[]): Promise<void> {
    const hashes = await this.keyring.contentHashes(tenantId);
    for (const record of records) {
      const { input, output } = record.content;
      if (input !== undefined) record.prompt_hash = hashes.prompt(input);
      if (output !== undefined) record.response_hash = hashes.response(output);
    }
  }

  /** One key request per user in the batch, then one AES-GCM seal per record (all its fields at once). */
  private async seal(tenantId: string, records: AuditRecord[]): Promise<void> {
    const bySubject = new Map<string, AuditRecord[]>();
    for (const record of records) {
      if (!CONTENT_FIELDS.some((field) => record.content[field] !== undefined)) continue;
      const list = bySubject.get(record.user_id);
      if (list) list.push(record);
      else bySubject.set(record.user_id, [record]);
    }
    for (const [subject, list] of bySubject) {
      const key = await this.keyring.dataKeys.sealingKey(tenantId, subject, list.length);
      for (const record of list) {
        record.content_key_id = key.keyId;
        const fields: Partial<Record<ContentField, string>> = {};
        for (const field of CONTENT_FIELDS) {
          const document = record.content[field];
          // Serialized here, once: the text as received unless classify changed the value.
          if (document !== undefined) fields[field] = documentText(document);
        }
        record.content_sealed = this.keyring.sealRecord(key, fields, { tenantId, recordId: record.record_id });
      }
    }
  }
}

function subjectSlot(tenantId: string, subject: string): string {
  return `${tenantId}\u0000${subject}`;
}

export const protectProcessorFactory: ProcessorFactory = {
  type: 'protect',
  configSchema,
  // Nothing may see content after it is sealed.
  position: 'last',
  create: (config, context) => new ProtectProcessor(config as ProtectProcessorConfig, context),
};
