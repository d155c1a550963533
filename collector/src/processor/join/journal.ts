import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { aeadOpen, aeadSeal } from '../../keys/aead';
import type { KeyProvider } from '../../keys/provider';
import { RetryLaterError } from '../../model/errors';
import type { AuditRecord } from '../../model/record';
import { errorMessage, type Logger } from '../../telemetry/logger';
import { writeFileDurably } from '../../wal/durable-file';
import { WriteAheadLog, type WalBatch } from '../../wal/wal';
import { decodeHeld } from './record-codec';

/**
 * The join journal (docs/architecture.md, "Joining events to spans"): records held while
 * they wait for their other half, durable before their export is acknowledged. It is a
 * write-ahead log of its own (wal/wal.ts) whose entries are sealed with AES-256-GCM under a
 * journal key; the key is stored only wrapped by the protect processor's key provider
 * (`key-<id>.json`), and a new one is made whenever the journal starts empty (so a KEK
 * rotation reaches it). No content is ever on disk in clear.
 *
 * A record is done once it has left the join (joined, or stored on its own) and is durable
 * downstream; entries whose records are all done are confirmed in order and their segments
 * deleted. An entry behind one still waiting stays in the log, so `close` writes a tombstone
 * entry naming the done records of unconfirmed entries: after a restart only what still
 * waited comes back.
 */

/** One journal append: which of its records are done. */
export interface JournalEntry {
  seq: number;
  rows: number;
  done: boolean[];
}

export interface Recovered {
  record: AuditRecord;
  /** The record as the journal holds it (encodeHeld). */
  text: string;
  heldAt: number;
  entry: JournalEntry;
  index: number;
}

const CONTEXT = { purpose: 'ai-audit join journal' };
const KEY_FILE = /^key-([0-9a-f-]{36})\.json$/;

/** What an entry holds: held records, or the done records of earlier entries (seq, index). */
type Payload = { records: string[] } | { tombstones: [number, number][] };

export class JoinJournal {
  /** Appended entries in sequence order (the WAL numbers appends in call order). */
  private readonly entries: JournalEntry[] = [];
  private confirming: Promise<void> = Promise.resolve();

  private constructor(
    private readonly wal: WriteAheadLog,
    private readonly keyId: string,
    private readonly key: Buffer,
    private readonly logger: Logger,
  ) {}

  static async open(
    dir: string,
    options: { maxBytes: number; provider: KeyProvider; logger: Logger },
  ): Promise<{ journal: JoinJournal; recovered: Recovered[] }> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const keys = await readKeys(dir, options.provider);
    const { wal } = await WriteAheadLog.open({
      dir: join(dir, 'log'),
      maxBytes: options.maxBytes,
      segmentBytes: Math.min(16 * 1024 * 1024, options.maxBytes),
      cacheBytes: 0,
      logger: options.logger,
    });
    const batch = wal.nextBatch(Number.MAX_SAFE_INTEGER);
    const payloads = batch ? await wal.readPayloads(batch) : [];
    let current = [...keys.entries()].at(-1);
    if (!batch) {
      // Nothing waits: the old keys open nothing any more; a fresh key is wrapped by the current KEK.
      for (const id of keys.keys()) await rm(join(dir, `key-${id}.json`), { force: true });
      current = undefined;
    }
    current ??= await createKey(dir, options.provider);
    const journal = new JoinJournal(wal, current[0], current[1], options.logger);
    const opened = (batch?.entries ?? []).map((walEntry, i) => ({ walEntry, payload: openEntry(payloads[i], keys) }));
    const tombstones = new Set<string>();
    for (const { payload } of opened)
      if ('tombstones' in payload) for (const [seq, index] of payload.tombstones) tombstones.add(`${seq}/${index}`);
    const recovered: Recovered[] = [];
    for (const { walEntry, payload } of opened) {
      const records = 'records' in payload ? payload.records : [];
      const entry = { seq: walEntry.seq, rows: walEntry.rows, done: records.map(() => true) };
      journal.entries.push(entry);
      records.forEach((text, index) => {
        if (tombstones.has(`${walEntry.seq}/${index}`)) return;
        entry.done[index] = false;
        recovered.push({ record: decodeHeld(text), text, heldAt: walEntry.appendedAt, entry, index });
      });
    }
    return { journal, recovered };
  }

  /** Makes records, encoded by encodeHeld, durable as one entry; resolves once fsync'd. */
  async append(texts: string[]): Promise<JournalEntry> {
    const entry = { seq: -1, rows: texts.length, done: texts.map(() => false) };
    this.entries.push(entry);
    try {
      entry.seq = await this.write({ records: texts }, texts.length);
    } catch (error) {
      this.entries.splice(this.entries.indexOf(entry), 1);
      throw error;
    }
    return entry;
  }

  /** Record `index` of `entry` has left the join for good; confirms the entries all done. */
  done(entry: JournalEntry, index: number): void {
    entry.done[index] = true;
    this.confirming = this.confirming
      .then(() => this.confirmDone())
      .catch((error) => this.logger.error('join journal: confirming failed', { error: errorMessage(error) }));
  }

  /** Resolves once every entry done so far is confirmed (its segment may be deleted). */
  settled(): Promise<void> {
    return this.confirming;
  }

  /**
   * Erasure: the segments written so far take no more appends, `releaseAll` sends on what
   * waits in them (and waits for what is on its way downstream), and once every entry in
   * them is done they are deleted. Tried a few times, a moment apart, while ingest goes on.
   */
  async purge(releaseAll: () => Promise<void>): Promise<void> {
    const through = await this.wal.sealSegments();
    for (let attempt = 0; attempt < 10; attempt++) {
      await releaseAll();
      await this.settled();
      if ((await this.wal.deleteSealedSegments(through)) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
    throw new RetryLaterError('the join journal still holds records that could not be stored; retry the erasure');
  }

  /** Records the done records of entries that stay in the log (a tombstone), then closes. */
  async close(): Promise<void> {
    await this.settled();
    const tombstones: [number, number][] = [];
    for (const entry of this.entries)
      entry.done.forEach((done, index) => {
        if (done && entry.seq >= 0) tombstones.push([entry.seq, index]);
      });
    if (tombstones.length > 0) await this.write({ tombstones }, 0).catch(() => undefined);
    await this.wal.close();
  }

  private async write(payload: Payload, rows: number): Promise<number> {
    const sealed = aeadSeal(
      this.key,
      JSON.stringify(payload),
      associatedData(this.keyId),
      Buffer.from(`${this.keyId}\n`),
    );
    return this.wal.append(sealed, rows);
  }

  private async confirmDone(): Promise<void> {
    let count = 0;
    let rows = 0;
    for (; count < this.entries.length; count++) {
      const entry = this.entries[count];
      if (entry.seq < 0 || !entry.done.every(Boolean)) break;
      rows += entry.rows;
    }
    if (count === 0) return;
    // The log's oldest entries are these, in the same order (a tombstone right after them has
    // no rows and comes along: it is done by nature). Ours go once the log has confirmed them.
    const batch = this.wal.nextBatch(rows) as WalBatch;
    await this.wal.confirm(batch);
    while (this.entries.length > 0 && this.entries[0].seq >= 0 && this.entries[0].seq <= batch.last)
      this.entries.shift();
  }
}

function associatedData(keyId: string): Buffer {
  return Buffer.from(`ai-audit/join/v1|key=${keyId}`);
}

function openEntry(payload: Buffer, keys: Map<string, Buffer>): Payload {
  const newline = payload.indexOf(0x0a);
  const keyId = payload.subarray(0, newline).toString('ascii');
  const key = keys.get(keyId);
  if (!key) throw new Error(`join journal: the key ${keyId} of a held entry is missing`);
  const parsed = JSON.parse(aeadOpen(key, payload.subarray(newline + 1), associatedData(keyId)).toString('utf8')) as
    Payload | string[];
  // Entries written before tombstones were a bare list of records.
  return Array.isArray(parsed) ? { records: parsed } : parsed;
}

async function readKeys(dir: string, provider: KeyProvider): Promise<Map<string, Buffer>> {
  const keys = new Map<string, Buffer>();
  for (const name of (await readdir(dir)).sort()) {
    const id = KEY_FILE.exec(name)?.[1];
    if (!id) continue;
    const stored = JSON.parse(await readFile(join(dir, name), 'utf8')) as { kek_version: string; ciphertext: string };
    const key = await provider.unwrap(
      { kekVersion: stored.kek_version, ciphertext: Buffer.from(stored.ciphertext, 'base64') },
      { ...CONTEXT, key_id: id },
    );
    keys.set(id, key);
  }
  return keys;
}

async function createKey(dir: string, provider: KeyProvider): Promise<[string, Buffer]> {
  const id = randomUUID();
  const key = randomBytes(32);
  const wrapped = await provider.wrap(key, { ...CONTEXT, key_id: id });
  await writeFileDurably(
    join(dir, `key-${id}.json`),
    JSON.stringify({ kek_version: wrapped.kekVersion, ciphertext: wrapped.ciphertext.toString('base64') }),
  );
  return [id, key];
}
