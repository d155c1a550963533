import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aeadOpen, aeadSeal } from '../../keys/aead';
import type { KeyProvider } from '../../keys/provider';
import { RetryLaterError } from '../../model/errors';
import type { AuditRecord } from '../../model/record';
import type { Logger } from '../../telemetry/logger';
import { writeFileDurably } from '../../wal/durable-file';
import { WriteAheadLog, type WalBatch } from '../../wal/wal';
import { decodeHeld, encodeHeld } from './record-codec';

/**
 * The join journal (docs/architecture.md, "Joining events to spans"): records held while
 * they wait for their other half, durable before their export is acknowledged. It is a
 * write-ahead log of its own (wal/wal.ts) whose entries are sealed with AES-256-GCM under a
 * journal key; the key is stored only wrapped by the protect processor's key provider
 * (`key-<id>.json`), so no content is ever on disk in clear. An entry is done once every
 * record in it has left the join (joined, or stored on its own) and is durable downstream;
 * done entries are confirmed in order and their segments deleted.
 */

/** One journal append: the records it holds, and how many of them are still held. */
export interface JournalEntry {
  seq: number;
  rows: number;
  open: number;
}

export interface Recovered {
  records: AuditRecord[];
  heldAt: number;
  entry: JournalEntry;
}

const CONTEXT = { purpose: 'ai-audit join journal' };
const KEY_FILE = /^key-([0-9a-f-]{36})\.json$/;

export class JoinJournal {
  /** Appended entries in sequence order (the WAL numbers appends in call order). */
  private readonly entries: JournalEntry[] = [];
  private confirming: Promise<void> = Promise.resolve();

  private constructor(
    private readonly wal: WriteAheadLog,
    private readonly keyId: string,
    private readonly key: Buffer,
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
    let current = [...keys.entries()].at(-1);
    if (!current) current = await createKey(dir, options.provider);
    const journal = new JoinJournal(wal, current[0], current[1]);
    const recovered: Recovered[] = [];
    const batch = wal.nextBatch(Number.MAX_SAFE_INTEGER);
    if (batch) {
      const payloads = await wal.readPayloads(batch);
      batch.entries.forEach((walEntry, i) => {
        const records = openEntry(payloads[i], keys);
        const entry = { seq: walEntry.seq, rows: walEntry.rows, open: records.length };
        journal.entries.push(entry);
        recovered.push({ records, heldAt: walEntry.appendedAt, entry });
      });
    }
    return { journal, recovered };
  }

  hasRoom(): boolean {
    return this.wal.hasRoomFor(0);
  }

  /** Makes `records` durable as one entry; resolves once fsync'd. */
  async append(records: AuditRecord[]): Promise<JournalEntry> {
    const plaintext = JSON.stringify(records.map(encodeHeld));
    const sealed = aeadSeal(this.key, plaintext, associatedData(this.keyId), Buffer.from(`${this.keyId}\n`));
    const entry = { seq: -1, rows: records.length, open: records.length };
    this.entries.push(entry);
    try {
      entry.seq = await this.wal.append(sealed, records.length);
    } catch (error) {
      this.entries.splice(this.entries.indexOf(entry), 1);
      throw error;
    }
    return entry;
  }

  /** `count` records of `entry` have left the join for good; confirms the entries done. */
  done(entry: JournalEntry, count = 1): void {
    entry.open -= count;
    this.confirming = this.confirming.then(() => this.confirmDone());
  }

  /** Resolves once every entry done so far is confirmed (its segment may be deleted). */
  settled(): Promise<void> {
    return this.confirming;
  }

  /**
   * Erasure: the segments written so far take no more appends, `releaseAll` sends on what
   * waits in them, and once every entry in them is done they are deleted.
   */
  async purge(releaseAll: () => Promise<void>): Promise<void> {
    const through = await this.wal.sealSegments();
    for (let attempt = 0; attempt < 5; attempt++) {
      await releaseAll();
      await this.settled();
      if ((await this.wal.deleteSealedSegments(through)) === 0) return;
    }
    throw new RetryLaterError('the join journal still holds records that could not be stored; retry the erasure');
  }

  async close(): Promise<void> {
    await this.settled();
    await this.wal.close();
  }

  private async confirmDone(): Promise<void> {
    let count = 0;
    let rows = 0;
    while (count < this.entries.length && this.entries[count].open <= 0 && this.entries[count].seq >= 0)
      rows += this.entries[count++].rows;
    if (count === 0) return;
    // The log's oldest entries are these (same order); `rows` takes exactly them.
    const batch = this.wal.nextBatch(rows) as WalBatch;
    this.entries.splice(0, batch.entries.length);
    await this.wal.confirm(batch);
  }
}

function associatedData(keyId: string): Buffer {
  return Buffer.from(`ai-audit/join/v1|key=${keyId}`);
}

function openEntry(payload: Buffer, keys: Map<string, Buffer>): AuditRecord[] {
  const newline = payload.indexOf(0x0a);
  const keyId = payload.subarray(0, newline).toString('ascii');
  const key = keys.get(keyId);
  if (!key) throw new Error(`join journal: the key ${keyId} of a held entry is missing`);
  const texts = JSON.parse(
    aeadOpen(key, payload.subarray(newline + 1), associatedData(keyId)).toString('utf8'),
  ) as string[];
  return texts.map(decodeHeld);
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
