/**
 * Splits text into lower-case ASCII words with their offsets, which is what makes injection
 * matching case-, whitespace- and punctuation-insensitive: "IGNORE --- all   previous\n
 * instructions!!" and "ignore all previous instructions" give the same words.
 *
 * Apostrophes inside words are dropped ("you're" -> "youre", "don't" -> "dont") and
 * zero-width characters / soft hyphens are skipped without splitting ("ig\u200Bnore" ->
 * "ignore"), two cheap evasions. In JSON-encoded text the letter of a backslash escape is not
 * part of the next word ("\\nignore" -> "ignore"). Any other character separates words; a '.', '!', '?', ';',
 * ':' or line break also marks a sentence break, which the matcher's wildcard gaps do not cross.
 * Words longer than MAX_WORD become "" (no phrase word is that long), so a 1 MB run of one
 * letter costs one pass and no 1 MB string.
 *
 * Nothing here lists the words of a text: WordReader reads them one at a time (the detector
 * keeps only where each ends), and Words holds the few read again around a candidate. A word's
 * text is built only when its characters are not a plain slice (an apostrophe inside); other
 * words are compared in place (sameLetters), which saves a string per word.
 */
import { escapeAtRunStart, isAlnum, isAlpha } from '../scan';
import type { WordSet } from './word-set';

const MAX_WORD = 24;

const isIgnorable = (c: number): boolean =>
  c === 0x00ad || (c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff;
const isApostrophe = (c: number): boolean => c === 39 || c === 0x2019;

/** ASCII character classes, by table: word characters (letters, digits) and sentence breaks. */
const WORD = 1;
const BREAK = 2;
const ASCII_CLASS = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) if (isAlnum(c)) table[c] = WORD;
  for (const c of '.!?;:\n\r') table[c.charCodeAt(0)] = BREAK;
  return table;
})();
/** Word characters are ASCII letters and digits only. */
const isWordChar = (c: number): boolean => c < 128 && ASCII_CLASS[c] === WORD;
const BACKSLASH = 92;

/**
 * Reads the words of a text in order; its fields describe the word read last. A reader set to
 * start at the end of a word reads the same words after it as one that started earlier: what
 * follows a word does not depend on what precedes it.
 */
export class WordReader {
  /** The current word is [start, end). */
  start = 0;
  /** A sentence break precedes the current word. */
  brk = false;
  /** The word was read without skipped characters, so its text is the plain slice, lower-cased. */
  clean = true;

  constructor(
    private readonly text: string,
    /** Where the next word is looked for: 0, or the end of a word. */
    public end = 0,
  ) {}

  /** Moves to the next word; false when there is none. */
  next(): boolean {
    const text = this.text;
    const n = text.length;
    let i = this.end;
    let pendingBreak = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (!isWordChar(c)) {
        if (c < 128 && ASCII_CLASS[c] === BREAK) pendingBreak = true;
        i++;
        continue;
      }
      // "\nignore ..." in JSON-encoded text: the escape letter is not part of the word.
      if (i > 0 && text.charCodeAt(i - 1) === BACKSLASH) {
        const skip = escapeAtRunStart(text, i);
        if (skip > 0 && i + skip < n && isWordChar(text.charCodeAt(i + skip))) {
          i += skip;
          pendingBreak = true; // an escaped line break or tab separates like a real one
        }
      }
      const start = i;
      let clean = true; // no skipped characters: the word is a plain slice
      for (i++; ; i++) {
        let d = 0;
        while (i < n && isWordChar((d = text.charCodeAt(i)))) i++;
        // An apostrophe or invisible character between letters does not end the word.
        if (i + 1 >= n || !(isApostrophe(d) || isIgnorable(d)) || !isAlpha(text.charCodeAt(i + 1))) break;
        clean = false;
      }
      this.start = start;
      this.end = i;
      this.brk = pendingBreak;
      this.clean = clean;
      return true;
    }
    this.end = n;
    return false;
  }
}

/** The lower-case text of the word [start, end) ("" for a word longer than MAX_WORD). */
export function wordText(text: string, start: number, end: number, clean: boolean): string {
  if (end - start > MAX_WORD * 2) return '';
  let word = '';
  if (clean) word = text.slice(start, end);
  else {
    // Rebuild without the skipped characters (bounded: at most 2 * MAX_WORD long).
    for (let k = start; k < end; k++) if (isAlnum(text.charCodeAt(k))) word += text[k];
  }
  return word.length > MAX_WORD ? '' : word.toLowerCase();
}

/**
 * `text` at `start` holds `word` (lower-case letters) in either case. Word characters are
 * ASCII letters and digits, and `c | 0x20` is a given lower-case letter for that letter in
 * either case only.
 */
export function sameLetters(text: string, start: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if ((text.charCodeAt(start + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * Words of a text read again around a candidate, as the matcher asks for them: from an offset
 * (0, or the end of a word) on, word 0 being the first after it. One per scan, reused for each
 * candidate; it holds the few words a veto and a phrase can reach.
 */
export class Words {
  private readonly reader: WordReader;
  private count = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly brks: boolean[] = [];
  private readonly cleans: boolean[] = [];

  constructor(readonly text: string) {
    this.reader = new WordReader(text);
  }

  /** Starts over with the words after `offset`, 0 or the end of a word. */
  from(offset: number): this {
    this.reader.end = offset;
    this.count = 0;
    return this;
  }

  /** Word k exists (reading up to it if needed). */
  has(k: number): boolean {
    const r = this.reader;
    while (k >= this.count) {
      if (!r.next()) return false;
      this.starts[this.count] = r.start;
      this.ends[this.count] = r.end;
      this.brks[this.count] = r.brk;
      this.cleans[this.count] = r.clean;
      this.count++;
    }
    return true;
  }

  /** Where word k, which must exist, ends. */
  end(k: number): number {
    return this.ends[k];
  }

  /** A sentence break precedes word k, which must exist. */
  brk(k: number): boolean {
    return this.brks[k];
  }

  /** Word k, which must exist, is a member of `set`. */
  isIn(k: number, set: WordSet): boolean {
    return set.find(this.text, this.starts[k], this.ends[k], this.cleans[k]) !== undefined;
  }

  /** Word k, which must exist, is `word` (lower-case letters): compared in place when clean. */
  is(k: number, word: string): boolean {
    const start = this.starts[k];
    if (!this.cleans[k]) return wordText(this.text, start, this.ends[k], false) === word;
    return this.ends[k] - start === word.length && sameLetters(this.text, start, word);
  }
}
