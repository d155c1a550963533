/**
 * Attribute keys repeat across every span (`gen_ai.usage.input_tokens`, ...). Decoding each
 * one afresh costs a call into C++ plus a string-table lookup when it becomes a property
 * name, which measured as half the decode time of a typical span. This small direct-mapped
 * cache hands back the same (already internalized) string for the same bytes instead.
 *
 * Bounded: a fixed number of slots, two candidate slots per key (so two hot keys that
 * hash alike do not evict each other on every span), keys of at most MAX_KEY_BYTES. Hits
 * are verified byte for byte, so the cache is only ever a speedup.
 */

const SLOTS = 1024; // a power of two
const MAX_KEY_BYTES = 64;

export class KeyCache {
  private readonly bytes: (Uint8Array | undefined)[] = new Array(SLOTS).fill(undefined);
  private readonly strings: string[] = new Array(SLOTS).fill('');

  /** The UTF-8 key in buf[start, stop) (lossy on invalid sequences, like every string). */
  get(buf: Buffer, start: number, stop: number): string {
    const len = stop - start;
    if (len === 0) return '';
    if (len > MAX_KEY_BYTES) return buf.toString('utf8', start, stop);
    // A cheap hash over the length and a few sampled bytes; the ends differ most between
    // keys that share a namespace prefix.
    let h = Math.imul(len ^ buf[stop - 1], 0x9e3779b1);
    h = Math.imul(h ^ buf[stop - 2 >= start ? stop - 2 : start], 0x85ebca6b);
    h = Math.imul(h ^ buf[start + (len >> 1)], 0xc2b2ae35);
    h = Math.imul(h ^ buf[start + (len >> 2)], 0x27d4eb2f);
    const first = (h ^ (h >>> 15)) & (SLOTS - 1);
    if (this.holds(first, buf, start, len)) return this.strings[first];
    const second = first ^ 1;
    if (this.holds(second, buf, start, len)) return this.strings[second];
    // Miss: the newcomer takes the first slot and the previous holder moves to the second.
    const key = buf.toString('utf8', start, stop);
    this.bytes[second] = this.bytes[first];
    this.strings[second] = this.strings[first];
    // A copy: a view would pin the whole request body in memory.
    this.bytes[first] = new Uint8Array(buf.subarray(start, stop));
    this.strings[first] = key;
    return key;
  }

  private holds(slot: number, buf: Buffer, start: number, len: number): boolean {
    const cached = this.bytes[slot];
    if (cached === undefined || cached.length !== len) return false;
    let i = 0;
    while (i < len && cached[i] === buf[start + i]) i++;
    return i === len;
  }
}
