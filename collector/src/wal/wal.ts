import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../telemetry/logger';
import { syncDirectory, writeFileDurably } from './durable-file';
import { decodeFrame, frameHeader, HEADER_BYTES } from './frame';
import { acquireLock } from './lock';
import { AuditError, CapacityError } from '../model/errors';

/**
 * The write-ahead log (docs/architecture.md, "Nothing acknowledged is lost"). An export is
 * acknowledged only once its sealed rows are appended here and fsync'd; concurrent appends
 * share one fsync (group commit). The writer turns unconfirmed entries into ClickHouse
 * inserts and confirms them; on start, whatever was not confirmed is replayed.
 *
 * Layout of the directory: `NNNNNNNNNNNNNNNNNNNN.wal` segments named by their first
 * sequence number, and `state.json` holding the log's id, the last confirmed sequence and
 * the batch in flight (so a crash replays exactly the batch that may have reached the
 * store, under the same deduplication token).
 */

export class WalFullError extends CapacityError {}

export class WalClosedError extends AuditError {}

export interface WalOptions {
  dir: string;
  /** Unconfirmed bytes beyond which appends are refused (backpressure). */
  maxBytes: number;
  /** A new segment is started once the current one reaches this size. */
  segmentBytes: number;
  /** Payloads kept in memory for the writer; older ones are read back from disk. */
  cacheBytes: number;
  logger: Logger;
}

interface Segment {
  firstSeq: number;
  lastSeq: number;
  path: string;
  handle: FileHandle;
  size: number;
}

interface Entry {
  seq: number;
  rows: number;
  appendedAt: number;
  segment: Segment;
  offset: number;
  length: number;
  payload?: Buffer;
}

/** A contiguous run of entries inserted as one batch. */
export interface WalBatch {
  first: number;
  last: number;
  rows: number;
  entries: readonly Entry[];
}

interface State {
  id: string;
  confirmed: number;
  inflight: { first: number; last: number } | null;
}

interface PendingAppend {
  payload: Buffer;
  rows: number;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

export interface ReplayReport {
  entries: number;
  rows: number;
  truncatedBytes: number;
  corruptSegments: string[];
}

const SEGMENT = /^(\d{20})\.wal$/;

export class WriteAheadLog {
  private readonly segments: Segment[] = [];
  private readonly entries: Entry[] = [];
  private queue: PendingAppend[] = [];
  private queuedBytes = 0;
  private flushing: Promise<void> | undefined;
  private lastSeq: number;
  private unconfirmedBytes = 0;
  private unconfirmedRows = 0;
  private cachedBytes = 0;
  private closed = false;
  /** The current segment takes no more appends: the next one starts a new file (erasure). */
  private sealCurrent = false;
  /** The segment drop in progress (see dropConfirmedSegments). */
  private dropping: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly listeners: (() => void)[] = [];

  private constructor(
    private readonly options: WalOptions,
    private state: State,
    private readonly releaseLock: () => void,
  ) {
    this.lastSeq = state.confirmed;
  }

  static async open(options: WalOptions): Promise<{ wal: WriteAheadLog; replay: ReplayReport }> {
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    const release = acquireLock(join(options.dir, 'LOCK'));
    try {
      const state = await readState(join(options.dir, 'state.json'));
      const wal = new WriteAheadLog(options, state, release);
      const replay = await wal.load();
      await wal.saveState();
      return { wal, replay };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** A random id per log, part of every deduplication token (a recreated log must not collide). */
  get id(): string {
    return this.state.id;
  }

  /** Sequence number of the last durable entry. */
  get lastSequence(): number {
    return this.lastSeq;
  }

  /** Sequence number of the oldest entry the store has not confirmed yet. */
  get firstUnconfirmed(): number | undefined {
    return this.entries[0]?.seq;
  }

  get stats(): { entries: number; rows: number; bytes: number; oldestAppendedAt: number | undefined } {
    return {
      entries: this.entries.length,
      rows: this.unconfirmedRows,
      bytes: this.unconfirmedBytes,
      oldestAppendedAt: this.entries[0]?.appendedAt,
    };
  }

  /** Whether an append of `bytes` more would be accepted now. */
  hasRoomFor(bytes: number): boolean {
    return (
      this.failure === undefined &&
      this.unconfirmedBytes + this.queuedBytes + HEADER_BYTES + bytes <= this.options.maxBytes
    );
  }

  /**
   * Why an append of `bytes` would be refused now, or undefined when it would be queued:
   * callers that must know before they append (the ledger advances its chain only for an
   * entry the log takes) ask first; nothing can change the answer before their append.
   */
  refusal(bytes: number): Error | undefined {
    if (this.closed) return new WalClosedError('the write-ahead log is closed');
    if (this.failure) return this.failure;
    if (!this.hasRoomFor(bytes))
      return new WalFullError(`the write-ahead log is full (${this.unconfirmedBytes} bytes not yet stored)`);
    return undefined;
  }

  /** Every entry the store has not confirmed, oldest first, one at a time (the ledger finds its head in them). */
  async *unconfirmedPayloads(): AsyncGenerator<Buffer> {
    for (const entry of [...this.entries]) {
      const [payload] = await this.readPayloads({
        first: entry.seq,
        last: entry.seq,
        rows: entry.rows,
        entries: [entry],
      });
      yield payload;
    }
  }

  /** Called after each durable append (the writer waits on it). */
  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Appends and fsyncs `payload`; resolves with its sequence number once it is durable. */
  append(payload: Buffer, rows: number): Promise<number> {
    const refusal = this.refusal(payload.length);
    if (refusal) return Promise.reject(refusal);
    return new Promise((resolve, reject) => {
      this.queue.push({ payload, rows, resolve, reject });
      this.queuedBytes += HEADER_BYTES + payload.length;
      this.kick();
    });
  }

  /**
   * The next batch to insert: the batch in flight before a crash, exactly, or else the
   * oldest unconfirmed entries up to `maxRows` rows (at least one entry).
   */
  nextBatch(maxRows: number): WalBatch | undefined {
    if (this.entries.length === 0) return undefined;
    const inflight = this.state.inflight;
    const taken: Entry[] = [];
    let rows = 0;
    for (const entry of this.entries) {
      if (inflight ? entry.seq > inflight.last : taken.length > 0 && rows + entry.rows > maxRows) break;
      taken.push(entry);
      rows += entry.rows;
    }
    return { first: taken[0].seq, last: taken[taken.length - 1].seq, rows, entries: taken };
  }

  async readPayloads(batch: WalBatch): Promise<Buffer[]> {
    return Promise.all(
      batch.entries.map(async (entry) => {
        if (entry.payload) return entry.payload;
        const buffer = Buffer.allocUnsafe(entry.length);
        await entry.segment.handle.read(buffer, 0, entry.length, entry.offset + HEADER_BYTES);
        return buffer;
      }),
    );
  }

  /** Records the batch about to be inserted, so a crash replays it under the same token. */
  async markInflight(batch: WalBatch): Promise<void> {
    const current = this.state.inflight;
    if (current && current.first === batch.first && current.last === batch.last) return;
    this.state = { ...this.state, inflight: { first: batch.first, last: batch.last } };
    await this.saveState();
  }

  /** The batch is in the store: forget it and delete segments nothing refers to anymore. */
  async confirm(batch: WalBatch): Promise<void> {
    this.state = { ...this.state, confirmed: batch.last, inflight: null };
    await this.saveState();
    while (this.entries.length > 0 && this.entries[0].seq <= batch.last) {
      const entry = this.entries.shift() as Entry;
      this.unconfirmedBytes -= HEADER_BYTES + entry.length;
      this.unconfirmedRows -= entry.rows;
      if (entry.payload) this.cachedBytes -= entry.length;
    }
    await this.dropConfirmedSegments();
  }

  /**
   * Erasure: the segments written so far take no more appends (the next append starts a
   * new file), so once the store has confirmed their entries `deleteSealedSegments` can
   * delete them all. Resolves, after any group being written has landed, with the last
   * sequence number they hold.
   */
  async sealSegments(): Promise<number> {
    this.sealCurrent = this.segments.length > 0;
    await this.flushing;
    return this.lastSeq;
  }

  /**
   * Deletes the segments sealed up to `through` whose entries the store has confirmed,
   * and damaged segments set aside at start (they hold copies of the same records).
   * Returns how many sealed segments are still there (entries not yet confirmed).
   */
  async deleteSealedSegments(through: number): Promise<number> {
    await this.dropConfirmedSegments();
    const open = new Set(this.segments.map((segment) => segment.path));
    for (const name of await readdir(this.options.dir)) {
      const path = join(this.options.dir, name);
      if (!name.endsWith('.wal.corrupt') || open.has(path)) continue;
      await unlink(path);
      this.options.logger.warn('write-ahead log: damaged segment deleted by an erasure', { segment: name });
    }
    await syncDirectory(this.options.dir);
    return this.segments.filter((segment) => segment.firstSeq <= through && segment.size > 0).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    for (const segment of this.segments) await segment.handle.close();
    this.segments.length = 0;
    this.releaseLock();
  }

  /** Starts the flush loop unless it runs; appends made while it winds down restart it. */
  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushQueue().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async flushQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      const groupBytes = group.reduce((sum, item) => sum + HEADER_BYTES + item.payload.length, 0);
      try {
        const seqs = await this.writeGroup(group);
        group.forEach((item, i) => item.resolve(seqs[i]));
        for (const listener of this.listeners) listener();
      } catch (error) {
        // What was queued behind a failed group goes too: it may build on it (the ledger's
        // chain links each entry to the one before), and its senders retry all the same.
        const behind = this.queue;
        this.queue = [];
        for (const item of [...group, ...behind]) item.reject(error as Error);
        this.queuedBytes -= behind.reduce((sum, item) => sum + HEADER_BYTES + item.payload.length, 0);
      } finally {
        this.queuedBytes -= groupBytes;
      }
    }
  }

  /** One write and one fdatasync for the whole group. */
  private async writeGroup(group: PendingAppend[]): Promise<number[]> {
    const segment = await this.writableSegment();
    const now = Date.now();
    const firstSeq = this.lastSeq + 1;
    const start = segment.size;
    const parts: Buffer[] = [];
    const offsets: number[] = [];
    let length = 0;
    group.forEach((item, i) => {
      offsets.push(start + length);
      parts.push(frameHeader(firstSeq + i, now, item.rows, item.payload), item.payload);
      length += HEADER_BYTES + item.payload.length;
    });
    try {
      await writeAll(segment.handle, parts, start);
      await segment.handle.datasync();
    } catch (error) {
      // Leave no half-written group behind; if even that fails, stop accepting for good.
      await segment.handle.truncate(start).catch((truncateError: Error) => {
        this.failure = new Error(`the write-ahead log cannot be written: ${truncateError.message}`);
      });
      throw error;
    }
    const seqs = group.map((item, i) => {
      const seq = firstSeq + i;
      const cache = this.cachedBytes + item.payload.length <= this.options.cacheBytes;
      if (cache) this.cachedBytes += item.payload.length;
      this.entries.push({
        seq,
        rows: item.rows,
        appendedAt: now,
        segment,
        offset: offsets[i],
        length: item.payload.length,
        payload: cache ? item.payload : undefined,
      });
      this.unconfirmedRows += item.rows;
      return seq;
    });
    this.unconfirmedBytes += length;
    segment.size = start + length;
    segment.lastSeq = firstSeq + group.length - 1;
    this.lastSeq = segment.lastSeq;
    return seqs;
  }

  private async writableSegment(): Promise<Segment> {
    const current = this.segments[this.segments.length - 1];
    if (current && current.size < this.options.segmentBytes && !this.sealCurrent) return current;
    this.sealCurrent = false;
    const firstSeq = this.lastSeq + 1;
    const path = join(this.options.dir, `${String(firstSeq).padStart(20, '0')}.wal`);
    const handle = await open(path, 'wx+', 0o600);
    await syncDirectory(this.options.dir);
    const segment: Segment = { firstSeq, lastSeq: firstSeq - 1, path, handle, size: 0 };
    this.segments.push(segment);
    return segment;
  }

  /** Reads every segment: indexes unconfirmed entries, cuts a torn tail, sets corrupt files aside. */
  private async load(): Promise<ReplayReport> {
    const report: ReplayReport = { entries: 0, rows: 0, truncatedBytes: 0, corruptSegments: [] };
    const names = (await readdir(this.options.dir)).filter((name) => SEGMENT.test(name)).sort();
    for (const [index, name] of names.entries()) {
      const path = join(this.options.dir, name);
      const isLast = index === names.length - 1;
      const data = await readFile(path);
      const handle = await open(path, 'r+');
      const segment: Segment = { firstSeq: Number(name.slice(0, 20)), lastSeq: 0, path, handle, size: 0 };
      let offset = 0;
      let problem: string | undefined;
      while (offset < data.length) {
        const outcome = decodeFrame(data, offset);
        if ('incomplete' in outcome) {
          problem = 'incomplete entry';
          break;
        }
        if ('corrupt' in outcome) {
          problem = outcome.corrupt;
          break;
        }
        const { frame, bytes } = outcome;
        segment.lastSeq = frame.seq;
        this.lastSeq = Math.max(this.lastSeq, frame.seq);
        if (frame.seq > this.state.confirmed) {
          const cache = this.cachedBytes + frame.payload.length <= this.options.cacheBytes;
          if (cache) this.cachedBytes += frame.payload.length;
          this.entries.push({
            seq: frame.seq,
            rows: frame.rows,
            appendedAt: frame.appendedAt,
            segment,
            offset,
            length: frame.payload.length,
            payload: cache ? Buffer.from(frame.payload) : undefined,
          });
          this.unconfirmedBytes += bytes;
          this.unconfirmedRows += frame.rows;
          report.entries++;
          report.rows += frame.rows;
        }
        offset += bytes;
      }
      segment.size = offset;
      if (problem !== undefined && isLast) {
        // A crash mid-append leaves a torn tail; it was never acknowledged. Cut it off.
        await handle.truncate(offset);
        await handle.sync();
        report.truncatedBytes += data.length - offset;
        this.options.logger.warn('write-ahead log: cut an incomplete entry left by a crash', {
          segment: name,
          bytes: data.length - offset,
        });
      } else if (problem !== undefined) {
        // Damage before the end of an older segment is not a torn write: keep the valid
        // entries, set the file aside for inspection, and say so loudly.
        report.corruptSegments.push(name);
        this.options.logger.error('write-ahead log: damaged segment set aside', {
          segment: name,
          offset,
          reason: problem,
        });
        await rename(path, `${path}.corrupt`);
        segment.path = `${path}.corrupt`;
      }
      this.segments.push(segment);
    }
    if (this.state.inflight && !this.entries.some((entry) => entry.seq === this.state.inflight?.first)) {
      this.state = { ...this.state, inflight: null };
    }
    await this.dropConfirmedSegments();
    return report;
  }

  /**
   * Drops leading segments whose entries are all confirmed. One drop at a time: a writer's
   * confirm() and an erasure's deleteSealedSegments() both drop, and two overlapping drops
   * would close and unlink the same segment twice (ENOENT) and shift one segment too many.
   */
  private dropConfirmedSegments(): Promise<void> {
    const run = this.dropping.then(() => this.dropConfirmedSegmentsNow());
    this.dropping = run.catch(() => undefined);
    return run;
  }

  private async dropConfirmedSegmentsNow(): Promise<void> {
    let dropped = false;
    while (this.segments.length > 0) {
      const segment = this.segments[0];
      const isCurrent = this.segments.length === 1 && !this.sealCurrent;
      const fullyConfirmed = segment.lastSeq <= this.state.confirmed;
      if (
        !fullyConfirmed ||
        (isCurrent && !segment.path.endsWith('.corrupt') && segment.size < this.options.segmentBytes)
      )
        break;
      if (this.entries.some((entry) => entry.segment === segment)) break;
      await segment.handle.close();
      if (!segment.path.endsWith('.corrupt')) await unlink(segment.path);
      this.segments.shift();
      dropped = true;
    }
    if (dropped) await syncDirectory(this.options.dir);
  }

  private async saveState(): Promise<void> {
    await writeFileDurably(join(this.options.dir, 'state.json'), JSON.stringify(this.state));
  }
}

async function readState(path: string): Promise<State> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { id: randomUUID(), confirmed: 0, inflight: null };
    throw error;
  }
  const state = JSON.parse(text) as State;
  if (typeof state.id !== 'string' || !Number.isSafeInteger(state.confirmed))
    throw new Error(`${path} is not a write-ahead log state file`);
  return state;
}

/** Writes `parts` one after another at `position`, resuming after short writes. */
async function writeAll(handle: FileHandle, parts: Buffer[], position: number): Promise<void> {
  let pending = parts.filter((part) => part.length > 0);
  while (pending.length > 0) {
    // writev takes at most IOV_MAX (1024) buffers per call.
    const batch = pending.slice(0, 1024);
    const { bytesWritten } = await handle.writev(batch, position);
    if (bytesWritten === 0) throw new Error('write made no progress');
    position += bytesWritten;
    let skip = bytesWritten;
    let consumed = 0;
    while (consumed < batch.length && skip >= batch[consumed].length) skip -= batch[consumed++].length;
    pending = pending.slice(consumed);
    if (skip > 0) pending[0] = pending[0].subarray(skip);
  }
}
