import { appendFileSync, mkdtempSync, readdirSync, statSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../collector/src/telemetry/logger';
import { WalFullError, WriteAheadLog, type WalBatch } from '../../collector/src/wal/wal';

const payload = (n: number, size = 100): Buffer => Buffer.from(`${JSON.stringify({ n, pad: 'x'.repeat(size) })}\n`);

async function openWal(dir: string, overrides: Partial<Parameters<typeof WriteAheadLog.open>[0]> = {}) {
  return WriteAheadLog.open({
    dir,
    maxBytes: 10 * 1024 * 1024,
    segmentBytes: 4096,
    cacheBytes: 1024,
    logger: silentLogger,
    ...overrides,
  });
}

async function text(wal: WriteAheadLog, batch: WalBatch): Promise<string> {
  return Buffer.concat(await wal.readPayloads(batch)).toString();
}

describe('write-ahead log', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wal-'));
  });

  it('assigns increasing sequence numbers, batches by rows, and replays what was not confirmed', async () => {
    const { wal } = await openWal(dir);
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => wal.append(payload(i), 2)));
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const batch = wal.nextBatch(10) as WalBatch;
    expect([batch.first, batch.last, batch.rows]).toEqual([1, 5, 10]);
    expect(await text(wal, batch)).toBe([0, 1, 2, 3, 4].map((n) => payload(n).toString()).join(''));
    await wal.confirm(batch);
    await wal.close();

    const { wal: reopened, replay } = await openWal(dir);
    expect(replay).toMatchObject({ entries: 45, rows: 90, truncatedBytes: 0 });
    const next = reopened.nextBatch(1000) as WalBatch;
    expect([next.first, next.last]).toEqual([6, 50]);
    expect(await text(reopened, next)).toBe(Array.from({ length: 45 }, (_, i) => payload(i + 5).toString()).join(''));
    await reopened.close();
  });

  it('deletes sealed segments while a confirmation drops the same segments, without tripping over it', async () => {
    // An erasure seals the log, waits for the writer, then deletes the sealed segments; the
    // writer's confirmation drops confirmed segments too. Their drops must not overlap: the
    // second would close and unlink a file the first already removed.
    for (let round = 0; round < 20; round++) {
      const roundDir = mkdtempSync(join(tmpdir(), 'wal-'));
      const { wal } = await openWal(roundDir, { segmentBytes: 1024 });
      for (let i = 0; i < 40; i++) await wal.append(payload(i), 1);
      const through = await wal.sealSegments();
      const confirming = wal.confirm(wal.nextBatch(1000) as WalBatch);
      // As the writer's flush() sees it: nothing unconfirmed, while confirm() still drops.
      while (wal.firstUnconfirmed !== undefined) await new Promise((resolve) => setImmediate(resolve));
      const left = await wal.deleteSealedSegments(through);
      await confirming;
      expect(left).toBe(0);
      expect(readdirSync(roundDir).filter((name) => name.endsWith('.wal'))).toEqual([]);
      // The log still works: the next append starts a fresh segment.
      await wal.append(payload(99), 1);
      expect(readdirSync(roundDir).filter((name) => name.endsWith('.wal'))).toHaveLength(1);
      await wal.close();
    }
  });

  it('replays the batch that was in flight at a crash exactly, so its deduplication token is the same', async () => {
    const { wal } = await openWal(dir);
    for (let i = 0; i < 10; i++) await wal.append(payload(i), 1);
    await wal.markInflight(wal.nextBatch(4) as WalBatch);
    for (let i = 10; i < 20; i++) await wal.append(payload(i), 1);
    await wal.close();
    const { wal: reopened } = await openWal(dir);
    const batch = reopened.nextBatch(1000) as WalBatch;
    expect([batch.first, batch.last]).toEqual([1, 4]);
    expect(reopened.id).toBe(wal.id);
    await reopened.confirm(batch);
    expect((reopened.nextBatch(1000) as WalBatch).first).toBe(5);
    await reopened.close();
  });

  it('cuts a torn tail left by a crash mid-append and keeps everything before it', async () => {
    const { wal } = await openWal(dir, { segmentBytes: 1024 * 1024 });
    for (let i = 0; i < 5; i++) await wal.append(payload(i), 1);
    await wal.close();
    const segment = join(dir, readdirSync(dir).find((f) => f.endsWith('.wal')) as string);
    const good = statSync(segment).size;
    appendFileSync(segment, Buffer.from([0x40, 0, 0, 0, 1, 2, 3]));
    const { wal: reopened, replay } = await openWal(dir, { segmentBytes: 1024 * 1024 });
    expect(replay).toMatchObject({ entries: 5, truncatedBytes: 7 });
    expect(statSync(segment).size).toBe(good);
    expect(await reopened.append(payload(5), 1)).toBe(6);
    await reopened.close();
  });

  it('detects a bit flip by checksum and never replays the damaged entry', async () => {
    const { wal } = await openWal(dir, { segmentBytes: 1024 * 1024 });
    for (let i = 0; i < 3; i++) await wal.append(payload(i), 1);
    await wal.close();
    const segment = join(dir, readdirSync(dir).find((f) => f.endsWith('.wal')) as string);
    const bytes = readFileSync(segment);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(segment, bytes);
    const { wal: reopened, replay } = await openWal(dir, { segmentBytes: 1024 * 1024 });
    expect(replay.entries).toBe(2);
    expect(await text(reopened, reopened.nextBatch(100) as WalBatch)).toBe(
      payload(0).toString() + payload(1).toString(),
    );
    await reopened.close();
  });

  it('sets aside a damaged older segment and keeps the segments after it', async () => {
    const { wal } = await openWal(dir, { segmentBytes: 300 });
    for (let i = 0; i < 6; i++) await wal.append(payload(i, 300), 1);
    await wal.close();
    const segments = readdirSync(dir)
      .filter((f) => f.endsWith('.wal'))
      .sort();
    expect(segments).toHaveLength(6);
    truncateSync(join(dir, segments[1]), 10);
    const { wal: reopened, replay } = await openWal(dir, { segmentBytes: 300 });
    expect(replay.corruptSegments).toEqual([segments[1]]);
    expect(readdirSync(dir)).toContain(`${segments[1]}.corrupt`);
    expect(replay.entries).toBe(5);
    await reopened.close();
  });

  it('refuses appends beyond max size (backpressure) and accepts again once confirmed', async () => {
    const { wal } = await openWal(dir, { maxBytes: 1000 });
    await wal.append(payload(0, 400), 1);
    await wal.append(payload(1, 400), 1);
    await expect(wal.append(payload(2, 400), 1)).rejects.toBeInstanceOf(WalFullError);
    await wal.confirm(wal.nextBatch(100) as WalBatch);
    await expect(wal.append(payload(2, 400), 1)).resolves.toBe(3);
    await wal.close();
  });

  it('deletes segments once everything in them is confirmed, and reads uncached entries back from disk', async () => {
    const { wal } = await openWal(dir, { segmentBytes: 300, cacheBytes: 0 });
    for (let i = 0; i < 8; i++) await wal.append(payload(i, 200), 1);
    const batch = wal.nextBatch(6) as WalBatch;
    expect(await text(wal, batch)).toBe(Array.from({ length: 6 }, (_, i) => payload(i, 200).toString()).join(''));
    const before = readdirSync(dir).filter((f) => f.endsWith('.wal')).length;
    await wal.confirm(batch);
    const after = readdirSync(dir).filter((f) => f.endsWith('.wal')).length;
    expect(after).toBeLessThan(before);
    expect(wal.stats).toMatchObject({ entries: 2, rows: 2 });
    await wal.close();
  });

  it('creates its files readable by the owner only', async () => {
    const { wal } = await openWal(dir);
    await wal.append(payload(0), 1);
    await wal.close();
    for (const file of readdirSync(dir)) expect(statSync(join(dir, file)).mode & 0o077).toBe(0);
  });
});
