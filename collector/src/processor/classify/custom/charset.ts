/**
 * Sets of UTF-16 code units, for the custom-pattern matcher. Stored as sorted, disjoint,
 * non-adjacent inclusive ranges so union, complement and overlap tests are simple merges, with
 * a lookup table for ASCII because almost every character tested is ASCII.
 */

const MAX = 0xffff;

export class CharSet {
  private readonly ascii = new Uint8Array(128);

  private constructor(
    /** Flattened [lo0, hi0, lo1, hi1, ...]. */
    readonly ranges: readonly number[],
  ) {
    for (let k = 0; k < ranges.length; k += 2) {
      for (let c = ranges[k]; c <= Math.min(ranges[k + 1], 127); c++) this.ascii[c] = 1;
    }
  }

  /** From unsorted, possibly overlapping [lo, hi] pairs. */
  static of(pairs: readonly (readonly [number, number])[]): CharSet {
    const sorted = [...pairs].filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
    const out: number[] = [];
    for (const [lo, hi] of sorted) {
      const n = out.length;
      if (n > 0 && lo <= out[n - 1] + 1) out[n - 1] = Math.max(out[n - 1], hi);
      else out.push(lo, hi);
    }
    return new CharSet(out);
  }

  static char(c: number): CharSet {
    return new CharSet([c, c]);
  }

  has(c: number): boolean {
    if (c < 128) return this.ascii[c] === 1;
    const r = this.ranges;
    for (let k = 0; k < r.length; k += 2) {
      if (c < r[k]) return false;
      if (c <= r[k + 1]) return true;
    }
    return false;
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  union(other: CharSet): CharSet {
    const pairs: [number, number][] = [];
    for (const set of [this, other]) for (let k = 0; k < set.ranges.length; k += 2) pairs.push([set.ranges[k], set.ranges[k + 1]]);
    return CharSet.of(pairs);
  }

  negate(): CharSet {
    const out: number[] = [];
    let next = 0;
    for (let k = 0; k < this.ranges.length; k += 2) {
      if (this.ranges[k] > next) out.push(next, this.ranges[k] - 1);
      next = this.ranges[k + 1] + 1;
    }
    if (next <= MAX) out.push(next, MAX);
    return new CharSet(out);
  }

  intersects(other: CharSet): boolean {
    const a = this.ranges;
    const b = other.ranges;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i + 1] < b[j]) i += 2;
      else if (b[j + 1] < a[i]) j += 2;
      else return true;
    }
    return false;
  }
}

export const EMPTY = CharSet.of([]);
export const DIGIT = CharSet.of([[48, 57]]);
export const WORD = CharSet.of([[48, 57], [65, 90], [95, 95], [97, 122]]);
/** JavaScript's \s: WhiteSpace and LineTerminator. */
export const SPACE = CharSet.of([
  [9, 13], [32, 32], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029],
  [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
]);
/** '.' without the s flag: anything but a line terminator. */
export const DOT = CharSet.of([[10, 10], [13, 13], [0x2028, 0x2029]]).negate();
