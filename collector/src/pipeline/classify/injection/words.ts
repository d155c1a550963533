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

export interface Words {
  text: string[];
  start: number[];
  end: number[];
  /** A sentence break precedes word k. */
  brk: boolean[];
}

const isIgnorable = (c: number): boolean =>
  c === 0x00ad || (c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff;
const isBreak = (c: number): boolean => c === 46 || c === 33 || c === 63 || c === 59 || c === 58 || c === 10 || c === 13;
const isApostrophe = (c: number): boolean => c === 39 || c === 0x2019;

export function tokenize(text: string): Words {
  const w: Words = { text: [], start: [], end: [], brk: [] };
  let pendingBreak = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!isAlnum(c)) {
      if (isBreak(c)) pendingBreak = true;
      i++;
      continue;
    }
    // "\nignore ..." in JSON-encoded text: the escape letter is not part of the word.
    const skip = escapeAtRunStart(text, i);
    if (skip > 0 && i + skip < n && isAlnum(text.charCodeAt(i + skip))) {
      i += skip;
      pendingBreak = true; // an escaped line break or tab separates like a real one
    }
    const start = i;
    let clean = true; // no skipped characters: the word is a plain slice
    while (i < n) {
      const d = text.charCodeAt(i);
      if (isAlnum(d)) {
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
    const end = i;
    const tooLong = end - start > MAX_WORD * 2;
    let word = '';
    if (!tooLong) {
      if (clean) word = text.slice(start, end);
      else {
        // Rebuild without the skipped characters (bounded: at most 2 * MAX_WORD long).
        for (let k = start; k < end; k++) if (isAlnum(text.charCodeAt(k))) word += text[k];
      }
      word = word.length > MAX_WORD ? '' : word.toLowerCase();
    }
    w.text.push(word);
    w.start.push(start);
    w.end.push(end);
    w.brk.push(pendingBreak);
    pendingBreak = false;
  }
  return w;
}
