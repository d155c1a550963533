import type { BuildContext, Downstream, Processor, ProcessorFactory, RecordBatch } from '../../component/component';
import { resolveConfigPath } from '../../config/load';
import { pipelineSection } from '../../config/pipeline-section';
import type { JoinProcessorConfig, ProtectProcessorConfig } from '../../config/types';
import { createKeyProvider } from '../../keys';
import type { KeyProvider } from '../../keys/provider';
import type { AuditRecord } from '../../model/record';
import { errorMessage, type Logger } from '../../telemetry/logger';
import { JoinJournal, type JournalEntry } from './journal';
import { joinEvents, mergeEvents } from './merge';
import configSchema from './config.schema.json';

/** A record waiting for its other half, and the journal entry that keeps it. */
interface Held {
  record: AuditRecord;
  heldAt: number;
  entry: JournalEntry;
}

/**
 * Instrumentations that send GenAI events (log records) by default: the official OpenAI
 * instrumentation (its messages go only there) and OpenLIT (operation details).
 */
const EVENT_SCOPES = ['@opentelemetry/instrumentation-openai', 'openlit'];

/** How often waiting records are checked against `wait`. */
const TICK_MS = 250;
/** How long after a refused release the next one is tried. */
const RETRY_MS = 1000;

/**
 * The join processor (docs/architecture.md, "Joining events to spans"): a model call's
 * span record, and the record normalize made of that span's GenAI events,
 * become one record, whichever arrives first. Events wait for their span (`wait`); a span
 * waits for events (`span_wait`) when it carries no messages or its instrumentation sends
 * events (known, or seen since start). What waits is in the sealed journal before its
 * export is acknowledged, so a restart loses nothing; what waits longer than `wait` goes on
 * alone (a span without events, events whose span never came), never dropped. Other
 * records pass through untouched.
 */
export class JoinProcessor implements Processor {
  private readonly provider: KeyProvider;
  private readonly logger: Logger;
  private journal: JoinJournal | undefined;
  private downstream: Downstream | undefined;
  private readonly spans = new Map<string, Held>();
  private readonly events = new Map<string, Held[]>();
  private heldCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private releasing: Promise<void> | undefined;
  /** After a release the store refused, the next try waits this long (no busy retrying). */
  private retryAt = 0;
  /**
   * Instrumentation scopes that send GenAI events: only their spans wait for events (others
   * would wait for nothing). Known ones, and every scope an event has come from since start.
   */
  private readonly eventScopes = new Set(EVENT_SCOPES);
  /** Subjects being erased: their spans do not wait (see fence). */
  private readonly fenced = new Set<string>();
  private readonly outcomes;

  constructor(
    readonly config: JoinProcessorConfig,
    private readonly context: BuildContext,
  ) {
    this.logger = context.logger;
    // The loader made sure the pipeline has one (`requires`).
    const protect = pipelineSection(context.loaded, 'processors', 'protect', context.id)
      .config as ProtectProcessorConfig;
    this.provider = createKeyProvider(protect.keys, context.loaded, this.logger);
    this.outcomes = context.metrics.counter(
      'ai_audit_join_records_total',
      'Records that waited in the join: joined, or gone on alone after the wait (span or events).',
      ['outcome'],
    );
    context.metrics.gauge('ai_audit_join_held_records', 'Records waiting in the join for their other half.', () => {
      return this.heldCount;
    });
  }

  connect(downstream: Downstream): void {
    this.downstream = downstream;
  }

  async start(): Promise<void> {
    // With joining off, span and event records pass through and are stored as they come.
    if (this.config.wait === 0) return;
    const { journal, recovered } = await JoinJournal.open(
      resolveConfigPath(this.context.loaded, this.config.directory),
      { maxBytes: this.config.max_size, provider: this.provider, logger: this.logger },
    );
    this.journal = journal;
    let count = 0;
    for (const { records, heldAt, entry } of recovered) {
      for (const record of records) this.hold({ record, heldAt, entry });
      count += records.length;
    }
    if (count > 0) this.logger.info('join: records waiting before the restart are waiting again', { records: count });
    this.timer = setInterval(() => this.releaseDue(), TICK_MS);
    this.timer.unref();
  }

  async process(batch: RecordBatch): Promise<void> {
    const journal = this.journal;
    if (!journal || !batch.records.some((record) => record.join)) return;
    const out: AuditRecord[] = [];
    const toHold: AuditRecord[] = [];
    const consumed: Held[] = [];
    for (const record of batch.records) {
      if (!record.join || (record.join === 'span' && this.fenced.has(slot(batch.tenantId, record.user_id)))) {
        out.push(record);
        continue;
      }
      if (record.join === 'events') this.eventScopes.add(record.scope_name);
      const joined = this.take(record, consumed);
      if (joined) out.push(joined);
      else if (record.join === 'events') toHold.push(record);
      else if (this.spans.has(keyOf(record)))
        continue; // resent by its sender: the waiting copy is durable
      else if (this.spanWaits(record)) toHold.push(record);
      else out.push({ ...record, join: undefined });
    }
    let held: Held[] = [];
    if (toHold.length > 0) {
      let entry: JournalEntry;
      try {
        entry = await journal.append(toHold);
      } catch (error) {
        for (const h of consumed) this.hold(h);
        throw error;
      }
      const now = Date.now();
      held = toHold.map((record) => ({ record, heldAt: now, entry }));
      for (const h of held) {
        // Its other half may have come while the journal was written.
        const joined = this.take(h.record, consumed);
        if (joined) {
          out.push(joined);
          consumed.push(h);
        } else {
          this.hold(h);
        }
      }
    }
    batch.records = out;
    batch.afterDurable.push(() => {
      for (const h of consumed) this.done(h, 'joined');
    });
    batch.afterFailure.push(() => {
      // The sender retries the export: what it brought leaves the join, what it took comes back.
      for (const h of held) if (consumed.includes(h) || this.unhold(h)) journal.done(h.entry);
      for (const h of consumed) if (!held.includes(h)) this.hold(h);
    });
    if (this.heldCount > this.config.max_held) this.releaseDue();
  }

  /**
   * Erasure: the subject's spans stop waiting, everything waiting goes on now (the subject's
   * spans are then stored and erased with the rest of their records), and the journal files
   * that held them are deleted. Resolves with the release of the fence.
   */
  async fence(tenantId: string, subject: string): Promise<() => void> {
    const key = slot(tenantId, subject);
    this.fenced.add(key);
    const release = (): void => {
      this.fenced.delete(key);
    };
    if (!this.journal) return release;
    try {
      await this.journal.purge(() => this.release(this.everything()));
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.releasing;
    await this.journal?.close();
  }

  /**
   * A span waits (`span_wait`) when events may still come for it: it carries no messages of
   * its own, or its instrumentation sends events (known, or seen since start).
   */
  private spanWaits(record: AuditRecord): boolean {
    if (this.config.span_wait === 0) return false;
    const { input, output } = record.content;
    return (input === undefined && output === undefined) || this.eventScopes.has(record.scope_name);
  }

  /** The record joined with its waiting other half, taken out of the join; undefined if none waits. */
  private take(record: AuditRecord, consumed: Held[]): AuditRecord | undefined {
    const key = keyOf(record);
    if (record.join === 'span') {
      const waiting = this.events.get(key);
      if (!waiting) return undefined;
      this.events.delete(key);
      this.heldCount -= waiting.length;
      consumed.push(...waiting);
      return joinEvents(record, mergedEvents(waiting.map((h) => h.record)));
    }
    const span = this.spans.get(key);
    if (!span) return undefined;
    this.spans.delete(key);
    this.heldCount--;
    consumed.push(span);
    return joinEvents(span.record, record);
  }

  private hold(h: Held): void {
    const key = keyOf(h.record);
    if (h.record.join === 'span') {
      this.spans.set(key, h);
    } else {
      const list = this.events.get(key);
      if (list) list.push(h);
      else this.events.set(key, [h]);
    }
    this.heldCount++;
  }

  /** Takes `h` out of the join if it still waits; false when something took it already. */
  private unhold(h: Held): boolean {
    const key = keyOf(h.record);
    if (h.record.join === 'span') {
      if (this.spans.get(key) !== h) return false;
      this.spans.delete(key);
    } else {
      const list = this.events.get(key);
      const at = list?.indexOf(h) ?? -1;
      if (!list || at < 0) return false;
      list.splice(at, 1);
      if (list.length === 0) this.events.delete(key);
    }
    this.heldCount--;
    return true;
  }

  private done(h: Held, outcome: string): void {
    this.outcomes.inc(1, { outcome });
    this.journal?.done(h.entry);
  }

  private everything(): Held[] {
    return [...this.spans.values(), ...[...this.events.values()].flat()];
  }

  /** Sends on alone what has waited `wait`, and the oldest beyond `max_held`. */
  private releaseDue(): void {
    if (this.releasing || Date.now() < this.retryAt) return;
    const now = Date.now();
    const all = this.everything().sort((a, b) => a.heldAt - b.heldAt);
    const over = Math.max(0, all.length - this.config.max_held);
    const waits = (h: Held): number => (h.record.join === 'span' ? this.config.span_wait : this.config.wait);
    const chosen = all.filter((h, i) => i < over || h.heldAt + waits(h) <= now);
    if (chosen.length === 0) return;
    this.releasing = this.release(chosen).finally(() => {
      this.releasing = undefined;
    });
  }

  /**
   * Sends `list` on alone through the rest of the pipeline, one batch per tenant. What the
   * store cannot take now (backpressure, an erasure fence) waits again and is retried.
   */
  private async release(list: Held[]): Promise<void> {
    const downstream = this.downstream;
    if (!downstream) return;
    const byTenant = new Map<string, Map<string, Held[]>>();
    for (const h of list) {
      if (!this.unhold(h)) continue;
      const tenant = byTenant.get(h.record.tenant_id) ?? new Map<string, Held[]>();
      byTenant.set(h.record.tenant_id, tenant);
      const key = `${h.record.join}/${keyOf(h.record)}`;
      tenant.set(key, [...(tenant.get(key) ?? []), h]);
    }
    for (const [tenantId, groups] of byTenant) {
      const records = [...groups.values()].map((group) => ({
        ...mergedEvents(group.map((h) => h.record)),
        join: undefined,
      }));
      const batch: RecordBatch = { tenantId, records, dataKeys: [], afterDurable: [], afterFailure: [] };
      try {
        await downstream(batch);
        for (const group of groups.values())
          for (const h of group) this.done(h, h.record.join === 'span' ? 'span_alone' : 'events_alone');
      } catch (error) {
        for (const group of groups.values()) for (const h of group) this.hold(h);
        this.retryAt = Date.now() + RETRY_MS;
        this.logger.warn('join: records that waited could not be stored yet; retrying', {
          records: records.length,
          error: errorMessage(error),
        });
      }
    }
  }
}

/** One record of a span's events that came in several exports (or the one record itself). */
function mergedEvents(records: AuditRecord[]): AuditRecord {
  return records.reduce((first, next) => mergeEvents(first, next));
}

function keyOf(record: AuditRecord): string {
  return `${record.tenant_id}\u0000${record.trace_id}\u0000${record.span_id}`;
}

function slot(tenantId: string, subject: string): string {
  return `${tenantId}\u0000${subject}`;
}

export const joinProcessorFactory: ProcessorFactory = {
  type: 'join',
  configSchema,
  // Its journal is sealed with the protect processor's keys.
  requires: ['protect'],
  create: (config, context) => new JoinProcessor(config as JoinProcessorConfig, context),
};
