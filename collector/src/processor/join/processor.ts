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
import { encodeHeld } from './record-codec';
import configSchema from './config.schema.json';

/** A record waiting for its other half, and where the journal keeps it (entry, index). */
interface Held {
  record: AuditRecord;
  heldAt: number;
  entry: JournalEntry;
  index: number;
  /** The record as the journal holds it (encodeHeld): an identical events record is a resent copy. */
  text: string;
}

/**
 * Instrumentations that send GenAI events (log records) by default: the official OpenAI
 * instrumentation (its messages go only there) and OpenLIT (operation details).
 */
const EVENT_SCOPES = ['@opentelemetry/instrumentation-openai', 'openlit'];

/** Event scopes remembered at most, and the longest name remembered. */
const MAX_SCOPES = 1000;
const MAX_SCOPE_LENGTH = 256;

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
  /** Records waiting, per tenant: beyond `max_held`, the tenant holding the most gives way first. */
  private readonly heldByTenant = new Map<string, number>();
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
      'Records that waited in the join: joined, gone on alone after the wait (span or events), or a duplicate of one waiting.',
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
    // What waited comes back; halves that were both waiting (their joined record may not have
    // been stored before the stop) join again, and the store leaves out a record it already has.
    const joins: { record: AuditRecord; parts: Held[] }[] = [];
    for (const h of recovered) {
      const parts: Held[] = [];
      const joined = this.take(h.record, parts);
      if (joined) joins.push({ record: joined, parts: [...parts, h] });
      else this.hold(h);
    }
    if (recovered.length > 0)
      this.logger.info('join: records waiting before the restart are waiting again', { records: recovered.length });
    for (const { record, parts } of joins) await this.sendOn(record.tenant_id, [{ record, parts, outcome: 'joined' }]);
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
      // Nothing of a subject being erased waits: protect refuses it, and the sender retries.
      if (!record.join || this.fenced.has(slot(batch.tenantId, record.user_id))) {
        out.push(record);
        continue;
      }
      if (record.join === 'events') this.learnScope(record.scope_name);
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
      const texts = toHold.map(encodeHeld);
      let entry: JournalEntry;
      try {
        entry = await journal.append(texts);
      } catch (error) {
        for (const h of consumed) this.hold(h);
        throw error;
      }
      const now = Date.now();
      held = toHold.map((record, index) => ({ record, text: texts[index], heldAt: now, entry, index }));
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
      // Nothing was stored: every half this batch took waits again. What it brought stays
      // (durable in the journal); the sender's retry finds it and is not held twice.
      for (const h of consumed) this.hold(h);
    });
    const crowded = held.some(
      (h) => (this.events.get(keyOf(h.record))?.length ?? 0) >= JoinProcessor.MAX_EVENT_EXPORTS,
    );
    if (this.heldCount > this.config.max_held || crowded) this.releaseDue();
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
      await this.journal.purge(async () => {
        await this.releasing;
        await this.release(this.everything());
      });
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
      this.count(record.tenant_id, -waiting.length);
      consumed.push(...waiting);
      return joinEvents(record, mergedEvents(waiting.map((h) => h.record)));
    }
    const span = this.spans.get(key);
    if (!span) return undefined;
    this.spans.delete(key);
    this.count(record.tenant_id, -1);
    consumed.push(span);
    return joinEvents(span.record, record);
  }

  /**
   * Puts `h` in the join. A copy already waiting (a sender's retry, a fan-out, a record
   * recovered twice) makes `h` done at once: one copy is enough, and a second would keep its
   * journal entry open for good.
   */
  private hold(h: Held): void {
    const key = keyOf(h.record);
    if (h.record.join === 'span') {
      if (this.spans.has(key) && this.spans.get(key) !== h) return this.done(h, 'duplicate');
      this.spans.set(key, h);
    } else {
      const list = this.events.get(key) ?? [];
      if (list.includes(h)) return;
      if (list.some((other) => other.text === h.text)) return this.done(h, 'duplicate');
      list.push(h);
      this.events.set(key, list);
    }
    this.count(h.record.tenant_id, 1);
  }

  private count(tenantId: string, delta: number): void {
    this.heldCount += delta;
    const next = (this.heldByTenant.get(tenantId) ?? 0) + delta;
    if (next > 0) this.heldByTenant.set(tenantId, next);
    else this.heldByTenant.delete(tenantId);
  }

  /** A span's events past this many exports go on without waiting longer (a bound on merging them). */
  private static readonly MAX_EVENT_EXPORTS = 64;

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
    this.count(h.record.tenant_id, -1);
    return true;
  }

  private done(h: Held, outcome: string): void {
    this.outcomes.inc(1, { outcome });
    this.journal?.done(h.entry, h.index);
  }

  /** Scopes that sent events, remembered up to a bound (scope names are client input). */
  private learnScope(scope: string): void {
    if (this.eventScopes.has(scope) || scope.length > MAX_SCOPE_LENGTH) return;
    if (this.eventScopes.size >= MAX_SCOPES) return;
    this.eventScopes.add(scope);
  }

  private everything(): Held[] {
    return [...this.spans.values(), ...[...this.events.values()].flat()];
  }

  /** Sends on alone what has waited `wait`, and the oldest beyond `max_held`. */
  private releaseDue(): void {
    if (this.releasing || Date.now() < this.retryAt) return;
    const now = Date.now();
    // Beyond max_held, the oldest records of the tenants holding the most go first: one
    // tenant's flood does not push out another's records.
    const load = (h: Held): number => this.heldByTenant.get(h.record.tenant_id) ?? 0;
    const all = this.everything().sort((a, b) => load(b) - load(a) || a.heldAt - b.heldAt);
    const over = Math.max(0, all.length - this.config.max_held);
    const waits = (h: Held): number => (h.record.join === 'span' ? this.config.span_wait : this.config.wait);
    const crowded = (h: Held): boolean =>
      h.record.join === 'events' && (this.events.get(keyOf(h.record))?.length ?? 0) >= JoinProcessor.MAX_EVENT_EXPORTS;
    const chosen = all.filter((h, i) => i < over || h.heldAt + waits(h) <= now || crowded(h));
    if (chosen.length === 0) return;
    this.releasing = this.release(chosen).finally(() => {
      this.releasing = undefined;
    });
  }

  /** Sends `list` on alone through the rest of the pipeline, one batch per tenant. */
  private async release(list: Held[]): Promise<void> {
    const byTenant = new Map<string, Map<string, Held[]>>();
    for (const h of list) {
      if (!this.unhold(h)) continue;
      const tenant = byTenant.get(h.record.tenant_id) ?? new Map<string, Held[]>();
      byTenant.set(h.record.tenant_id, tenant);
      const key = `${h.record.join}/${keyOf(h.record)}`;
      tenant.set(key, [...(tenant.get(key) ?? []), h]);
    }
    for (const [tenantId, groups] of byTenant) {
      const items = [...groups.values()].map((parts) => ({
        record: { ...mergedEvents(parts.map((h) => h.record)), join: undefined },
        parts,
        outcome: parts[0].record.join === 'span' ? 'span_alone' : 'events_alone',
      }));
      await this.sendOn(tenantId, items);
    }
  }

  /**
   * Sends records the join made (joined at start, or gone on alone) through the rest of the
   * pipeline as one batch; once durable their parts are done. What the store cannot take now
   * (backpressure, an erasure fence) waits again and is retried a moment later.
   */
  private async sendOn(
    tenantId: string,
    items: { record: AuditRecord; parts: Held[]; outcome: string }[],
  ): Promise<void> {
    const downstream = this.downstream;
    if (!downstream) return;
    const records = items.map((item) => item.record);
    try {
      await downstream({ tenantId, records, dataKeys: [], afterDurable: [], afterFailure: [] });
      for (const { parts, outcome } of items) for (const h of parts) this.done(h, outcome);
    } catch (error) {
      for (const { parts } of items) for (const h of parts) this.hold(h);
      this.retryAt = Date.now() + RETRY_MS;
      this.logger.warn('join: records that waited could not be stored yet; they wait again', {
        records: records.length,
        error: errorMessage(error),
      });
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
  // What it holds goes on through its pipeline's later stages: one pipeline per instance.
  singlePipeline: true,
  create: (config, context) => new JoinProcessor(config as JoinProcessorConfig, context),
};
