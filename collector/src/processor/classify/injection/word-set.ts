/**
 * Sets of phrase words (the first words of phrases and of each step's alternatives, the veto
 * words) tested against words of a text where they stand: most words are rejected on their
 * length and first two letters alone, and a clean word (./words.ts) is compared letter by
 * letter in place, so no string is built for it. The detector asks this of every word it
 * reads, and the matcher of every word it tries.
 */
import { sameLetters, wordText } from './words';

/** 1-26 for a letter of either case, 0 for anything else (a digit). */
const letter = (c: number): number => {
  const lower = c | 0x20;
  return lower >= 97 && lower <= 122 ? lower - 96 : 0;
};

/** The length and first two letters (case-insensitive) of the word of `length` at `start`. */
const shape = (text: string, start: number, length: number): number =>
  (length * 27 + letter(text.charCodeAt(start))) * 27 + (length > 1 ? letter(text.charCodeAt(start + 1)) : 0);

/** A constant set of lower-case words. */
export class WordSet {
  private readonly members: ReadonlySet<string>;
  /** Longest member: longer words are rejected on their length alone. */
  private readonly longest: number;
  /** By character code of a first letter (either case): bit n set when a member of length n begins with it. */
  private readonly lengthsByFirst = new Uint32Array(128);
  /**
   * 0 for a shape no member has, else 1 + the index in `groups` of the members of that shape
   * (a typed array: a plain array indexed by shape would be sparse, and slow to read).
   */
  private readonly shapes: Uint8Array;
  private readonly groups: readonly (readonly string[])[];
  /** Per group (1-based, as in `shapes`): bit n set when a member's last letter is letter n. */
  private readonly lastLetters: Uint32Array;

  constructor(words: Iterable<string>) {
    this.members = new Set(words);
    const byShape = new Map<number, string[]>();
    for (const word of this.members) {
      if (!/^[a-z]+$/.test(word)) throw new Error(`phrase word "${word}" is not lower-case letters`);
      const key = shape(word, 0, word.length);
      for (const first of [word.charCodeAt(0), word.charCodeAt(0) & ~0x20])
        this.lengthsByFirst[first] |= 1 << word.length;
      byShape.set(key, [...(byShape.get(key) ?? []), word]);
    }
    if (byShape.size > 255) throw new Error('too many phrase word shapes for one set');
    this.longest = Math.max(...[...this.members].map((word) => word.length));
    if (this.longest > 31) throw new Error('phrase words are at most 31 letters long');
    this.shapes = new Uint8Array(shape('', 0, this.longest + 1));
    this.groups = [...byShape.values()];
    this.lastLetters = new Uint32Array(this.groups.length + 1);
    [...byShape.keys()].forEach((key, i) => (this.shapes[key] = i + 1));
    this.groups.forEach((group, i) => {
      for (const word of group) this.lastLetters[i + 1] |= 1 << letter(word.charCodeAt(word.length - 1));
    });
  }

  /**
   * Whether the clean word [start, end) of `text` may be a member: false for most words, from
   * their length and first letter, then their second and last. Small, so a loop over every
   * word runs it inline. (Word characters are ASCII.)
   */
  mayHold(text: string, start: number, end: number): boolean {
    const length = end - start;
    return (
      length <= this.longest &&
      ((this.lengthsByFirst[text.charCodeAt(start)] >>> length) & 1) === 1 &&
      ((this.lastLetters[this.shapes[shape(text, start, length)]] >>> letter(text.charCodeAt(end - 1))) & 1) === 1
    );
  }

  /** The member that the word [start, end) of `text` is (its text, lower-cased), or undefined. */
  find(text: string, start: number, end: number, clean: boolean): string | undefined {
    if (!clean) {
      const built = wordText(text, start, end, false);
      return this.members.has(built) ? built : undefined;
    }
    if (!this.mayHold(text, start, end)) return undefined;
    const group = this.shapes[shape(text, start, end - start)];
    for (const word of this.groups[group - 1]) if (sameLetters(text, start, word)) return word;
    return undefined;
  }
}
