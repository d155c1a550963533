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
 */
import { escapeAtRunStart, isAlnum, isAlpha } from '../scan';

const MAX_WORD = 24;

/**
 * The words of a text: offsets and sentence breaks for all of them, the lower-case text of a
 * word only once something asks for it. Most words are never asked for (the matcher rejects
 * them by length and first letter, see ./index.ts), which saves building a string per word.
 */
export class Words {
  readonly start: number[] = [];
  readonly end: number[] = [];
  /** A sentence break precedes word k. */
  readonly brk: boolean[] = [];
  /** Word k was read without skipped characters, so its text is the plain slice, lower-cased. */
  readonly clean: boolean[] = [];
  private texts: (string | undefined)[] = [];

  constructor(private readonly source: string) {}

  get length(): number {
    return this.start.length;
  }

  /** The lower-case text of word k ("" for a word longer than MAX_WORD). */
  text(k: number): string {
    let word = this.texts[k];
    if (word === undefined) {
      word = wordText(this.source, this.start[k], this.end[k], this.clean[k]);
      this.texts[k] = word;
    }
    return word;
  }
}

function wordText(text: string, start: number, end: number, clean: boolean): string {
  if (end - start > MAX_WORD * 2) return '';
  let word = '';
  if (clean) word = text.slice(start, end);
  else {
    // Rebuild without the skipped characters (bounded: at most 2 * MAX_WORD long).
    for (let k = start; k < end; k++) if (isAlnum(text.charCodeAt(k))) word += text[k];
  }
  return word.length > MAX_WORD ? '' : word.toLowerCase();
}

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

export function tokenize(text: string): Words {
  const w = new Words(text);
  let pendingBreak = false;
  let i = 0;
  const n = text.length;
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
    while (i < n) {
      const d = text.charCodeAt(i);
      if (isWordChar(d)) {
        i++;
        continue;
      }
      // An apostrophe or invisible character between letters does not end the word.
      if ((isApostrophe(d) || isIgnorable(d)) && i + 1 < n && isAlpha(text.charCodeAt(i + 1)) && i > start) {
        clean = false;
        i++;
        continue;
      }
      break;
    }
    w.start.push(start);
    w.end.push(i);
    w.brk.push(pendingBreak);
    w.clean.push(clean);
    pendingBreak = false;
  }
  return w;
}
