import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveConfigPath } from '../config/load';
import type { ClickHouseExporterConfig, LoadedConfig } from '../config/types';
import type { Signer } from '../keys/signing';
import type { EntryKind, Leaf, LedgerEntry, SignedHead } from '../model/ledger';
import { errorMessage, type Logger } from '../telemetry/logger';
import { writeFileDurably } from '../wal/durable-file';
import type { WriteAheadLog } from '../wal/wal';
import { decodeEntry, encodeEntry, jsonSection, rowsOf, type EntrySection, type TableRows } from '../store/wal-entry';
import { headMessage, makeEntry, millisText } from './entry';
import { EMPTY_CONTENT } from './leaf';

/**
 * A collector's ledger chain (docs/architecture.md, "Ledger"): one chain per write-ahead
 * log, its id the log's. Entries are made in the order they are appended to the log, each
 * holding the hash of the one before, and travel in the same log entry as the rows they
 * commit, so a crash never leaves rows without their commitment or the reverse. Every
 * `sign_interval` the head is signed; the signature goes through the log too, and to a
 * digest file when a directory is configured.
 *
 * The head survives restarts in `ledger-head.json` next to the log, written before the log
 * forgets an entry (the writer's `beforeConfirm`), and in the entries the log still holds.
 */

/** A ledger's options from the exporter's `ledger` section, paths resolved against the config file. */
export function ledgerOptions(
  config: Pick<ClickHouseExporterConfig, 'ledger'>,
  loaded: Pick<LoadedConfig, 'dir'>,
  logger: Logger,
): LedgerOptions {
  const { sign_interval, digest_directory } = config.ledger;
  return {
    signIntervalMs: sign_interval,
    digestDirectory: digest_directory === undefined ? undefined : resolveConfigPath(loaded, digest_directory),
    logger,
  };
}

export interface LedgerOptions {
  signIntervalMs: number;
  /** Where each signed head is also written as a file (object-lock / WORM storage). */
  digestDirectory?: string;
  logger: Logger;
}

/** What administrative operations commit: an access, an erasure, an export, a dead letter. */
export interface LedgerWriter {
  /**
   * Commits `leaves` in an entry of their own, with `companions` (rows the entry commits,
   * e.g. access_log rows) in the same log entry; durable when this resolves.
   */
  commit(
    kind: EntryKind,
    tenantId: string,
    leaves: readonly Leaf[],
    detail: object,
    companions?: TableRows[],
  ): Promise<LedgerEntry>;
  /** Signs the head now (verify and export want everything before them signed). */
  sign(): Promise<void>;
}

interface Head {
  seq: number;
  hash: string;
}

interface SavedHead {
  head: Head;
  signed: Head;
}

const HEAD_FILE = 'ledger-head.json';

export class Ledger implements LedgerWriter {
  private timer: NodeJS.Timeout | undefined;
  private signing: Promise<void> = Promise.resolve();
  private stopped = false;
  /** The last entry the log has made durable: what is signed, and where the chain resumes after a failed write. */
  private durable: Head;

  private constructor(
    private readonly wal: WriteAheadLog,
    private readonly walDir: string,
    private readonly signer: Signer,
    private readonly options: LedgerOptions,
    private head: Head,
    private signed: Head,
    /** What the head file says: only this process writes it (it holds the log's lock). */
    private saved: SavedHead,
  ) {
    this.durable = head;
  }

  /** The chain of `wal`, its head recovered from the head file and the entries the log holds. */
  static async open(wal: WriteAheadLog, walDir: string, signer: Signer, options: LedgerOptions): Promise<Ledger> {
    const saved = await readHead(join(walDir, HEAD_FILE), wal.id);
    let head = saved.head;
    // One entry at a time: the log may hold up to its size limit.
    for await (const payload of wal.unconfirmedPayloads()) {
      const last = lastEntryOf(decodeEntry(payload));
      if (last && last.seq > head.seq) head = last;
    }
    return new Ledger(wal, walDir, signer, options, head, saved.signed, saved);
  }

  get chain(): string {
    return this.wal.id;
  }

  /**
   * Appends `sections` with the entry committing `leaves`, in one log entry; resolves once
   * durable. The chain advances only for an entry the log takes: a refusal (full, closed)
   * throws before it moves. A write that fails after (disk error) fails every append queued
   * behind it too, and the chain resumes from the last durable entry, so no sequence number
   * is skipped and no entry links to one that was never written.
   */
  async append(
    sections: TableRows[],
    kind: EntryKind,
    tenantId: string,
    leaves: readonly Leaf[],
    detail: object,
    rows: number,
  ): Promise<LedgerEntry> {
    const entry = makeEntry(this.chain, this.head, kind, tenantId, leaves, detail);
    const payload = encodeEntry([...sections, jsonSection('ledger', [entry])]);
    const refusal = this.wal.refusal(payload.length);
    if (refusal) throw refusal;
    const made = { seq: entry.seq, hash: entry.hash };
    this.head = made;
    try {
      await this.wal.append(payload, rows);
    } catch (error) {
      if (this.head.seq >= made.seq) this.head = this.durable;
      throw error;
    }
    // Appends resolve in the order they were made.
    this.durable = made;
    return entry;
  }

  async commit(
    kind: EntryKind,
    tenantId: string,
    leaves: readonly Leaf[],
    detail: object,
    companions: TableRows[] = [],
  ): Promise<LedgerEntry> {
    const entry = await this.append(companions, kind, tenantId, leaves, detail, 0);
    // After the last interval (an administrative operation finishing during shutdown), the
    // entry is signed at once rather than left for the next start.
    if (this.stopped) await this.signHead();
    return entry;
  }

  /** A record the store refused: committed, so its absence from records is explained. */
  async deadLetter(record: { recordId: string; timestampNanos: bigint }, reason: { code: number }): Promise<void> {
    await this.commit(
      'dead_letter',
      '',
      [{ id: record.recordId, timeNanos: record.timestampNanos, meta: '', content: EMPTY_CONTENT }],
      { error_code: reason.code },
    );
  }

  /** Signs the head every interval; signs a head recovered unsigned at once. */
  start(): void {
    this.timer = setInterval(() => void this.sign(), this.options.signIntervalMs);
    this.timer.unref();
    void this.sign();
  }

  /** Signs the head a last time; the signature is in the log when this resolves. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sign();
    this.stopped = true;
  }

  /** Signs the head when it moved since the last signature; one signing at a time. */
  sign(): Promise<void> {
    if (this.stopped) return this.signing;
    this.signing = this.signing.then(() => this.signHead());
    return this.signing;
  }

  private async signHead(): Promise<void> {
    const head = this.durable;
    if (head.seq === 0 || head.seq === this.signed.seq) return;
    try {
      const signature = await this.signer.sign(headMessage(this.chain, head.seq, head.hash));
      const row: SignedHead = {
        chain: this.chain,
        seq: head.seq,
        hash: head.hash,
        signed_at: millisText(Date.now()),
        ...signature,
      };
      await this.wal.append(encodeEntry([jsonSection('ledger_signatures', [row])]), 0);
      // The digest file first: if it cannot be written, the head counts as unsigned and
      // the next interval signs and writes again.
      if (this.options.digestDirectory) await this.writeDigestFile(row, this.signed);
      this.signed = head;
    } catch (error) {
      // The next interval tries again; entries wait unsigned meanwhile (verify reports them).
      this.options.logger.warn('ledger: signing the chain head failed; will retry', { error: errorMessage(error) });
    }
  }

  /** CloudTrail-style digest file: the signed head and the one signed before it. */
  private async writeDigestFile(row: SignedHead, previous: Head): Promise<void> {
    const dir = join(this.options.digestDirectory as string, this.chain);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `${String(row.seq).padStart(12, '0')}.json`);
    const digest = { format: 'ai-audit-digest/1', ...row, previous_seq: previous.seq, previous_hash: previous.hash };
    await writeFile(file, `${JSON.stringify(digest, null, 2)}\n`, { mode: 0o400, flag: 'wx' }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      },
    );
  }

  /**
   * The writer's hook before the log forgets a batch: the head file is brought up to the
   * batch's last entry, so a restart after the log dropped the entries still knows it.
   */
  async beforeConfirm(sections: readonly EntrySection[]): Promise<void> {
    const last = lastEntryOf(sections);
    const signed = lastSignatureOf(sections);
    if (!last && !signed) return;
    const { saved } = this;
    const head = last && last.seq > saved.head.seq ? last : saved.head;
    const signedHead = signed && signed.seq > saved.signed.seq ? signed : saved.signed;
    await writeFileDurably(
      join(this.walDir, HEAD_FILE),
      `${JSON.stringify({ chain: this.chain, seq: head.seq, hash: head.hash, signed_seq: signedHead.seq, signed_hash: signedHead.hash })}\n`,
    );
    this.saved = { head, signed: signedHead };
  }
}

const GENESIS: Head = { seq: 0, hash: '' };

async function readHead(path: string, chain: string): Promise<SavedHead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { head: GENESIS, signed: GENESIS };
    throw error;
  }
  const saved = JSON.parse(text) as {
    chain: string;
    seq: number;
    hash: string;
    signed_seq: number;
    signed_hash: string;
  };
  // A head file of another log (the log was recreated): this chain starts afresh.
  if (saved.chain !== chain) return { head: GENESIS, signed: GENESIS };
  return { head: { seq: saved.seq, hash: saved.hash }, signed: { seq: saved.signed_seq, hash: saved.signed_hash } };
}

function lastOf(sections: readonly EntrySection[], table: 'ledger' | 'ledger_signatures'): Head | undefined {
  let last: Head | undefined;
  for (const row of rowsOf(sections.filter((section) => section.table === table))) {
    const { seq, hash } = JSON.parse(row.toString('utf8')) as Head;
    if (!last || seq > last.seq) last = { seq, hash };
  }
  return last;
}

function lastEntryOf(sections: readonly EntrySection[]): Head | undefined {
  return lastOf(sections, 'ledger');
}

function lastSignatureOf(sections: readonly EntrySection[]): Head | undefined {
  return lastOf(sections, 'ledger_signatures');
}
