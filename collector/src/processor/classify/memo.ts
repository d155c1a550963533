import { createHash } from 'node:crypto';

/**
 * The kinds found in texts a service sends unchanged on every call (its system instructions,
 * its tool definitions), remembered by the SHA-256 of the text so that each distinct one is
 * scanned once: hashing a text costs a fraction of scanning it (docs/architecture.md,
 * "Content as structure"). Only digests and kinds are kept, never the text. Bounded: the least
 * recently used entry goes first.
 */
export class KindsMemo {
  private readonly entries = new Map<string, readonly string[]>();

  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('KindsMemo: capacity must be at least 1');
  }

  /**
   * The kinds of `text`: remembered, or `scan()`'s, which are then remembered. A text with a
   * lone surrogate is always scanned: UTF-8, which the digest reads, turns every lone
   * surrogate into U+FFFD, so two such texts could share a digest.
   */
  kinds(text: string, scan: () => readonly string[]): readonly string[] {
    if (!text.isWellFormed()) return scan();
    const key = createHash('sha256').update(text).digest('base64');
    const known = this.entries.get(key);
    if (known !== undefined) {
      this.entries.delete(key); // most recently used last
      this.entries.set(key, known);
      return known;
    }
    const kinds = scan();
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, kinds);
    return kinds;
  }

  get size(): number {
    return this.entries.size;
  }
}
