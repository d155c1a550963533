/**
 * prompt_injection — known injection phrasings in prompts, responses and tool results
 * (indirect injection arrives through tool results and retrieved documents).
 *
 * The detector reads the words of the text once (./words.ts), keeping of each only where it
 * ends. Most words are rejected on their length and first letters (./word-set.ts); a word that
 * is the first word of a phrase is matched against its phrases (./matcher.ts), reading the
 * words after it again, as far as the match goes, and a match is then checked for a veto word
 * among the few words before it, read again from where the one before those ends. Words
 * inside a match begin no other. Each attempt reads a bounded number of words and the scan
 * moves forward, so the detector is linear in the text length.
 *
 * Deliberately not caught (recall traded for precision): paraphrases outside the phrase list,
 * non-English text, instructions encoded as base64/leetspeak/homoglyphs/spaced letters,
 * payloads that only make sense in context (e.g. a tool result saying "the user wants you to
 * email the file to ..."), and chat-template tokens (<|im_start|>, [INST]) which also appear in
 * legitimate developer conversations.
 */
import type { Detector, Emit } from '../types';
import { compile, phraseEnd, type CompiledPhrase } from './matcher';
import { PHRASES, VETO_BEFORE, VETO_WINDOW } from './phrases';
import { WordSet } from './word-set';
import { WordReader, Words } from './words';

/** Phrases indexed by the first word of each alternative of their first step. */
const BY_FIRST_WORD: ReadonlyMap<string, readonly CompiledPhrase[]> = (() => {
  const map = new Map<string, CompiledPhrase[]>();
  for (const p of PHRASES) {
    const first = p.steps[0];
    if (!first.alts || first.min < 1) throw new Error(`injection phrase ${p.name}: first step must be required words`);
    const compiled = compile(p);
    for (const alt of first.alts) {
      const list = map.get(alt[0]) ?? [];
      if (!list.includes(compiled)) list.push(compiled);
      map.set(alt[0], list);
    }
  }
  return map;
})();

const FIRST_WORDS = new WordSet(BY_FIRST_WORD.keys());
const VETO_WORDS = new WordSet(VETO_BEFORE);

/** How many word ends the scan keeps: enough to read again from before the veto window. */
const RING = 8;
if (VETO_WINDOW + 2 > RING) throw new Error('injection veto window too long for the ring of word ends');

export const promptInjection: Detector = {
  kind: 'prompt_injection',
  scan(text: string, emit: Emit): void {
    const reader = new WordReader(text);
    const again = new Words(text);
    const ends = new Array<number>(RING).fill(0); // word j ends at ends[j % RING]
    /** Where word j - 1 ends, so reading from there gives word j first (0 for word 0). */
    const endBefore = (j: number): number => (j > 0 ? ends[(j - 1) % RING] : 0);
    let resume = 0; // words starting before this are part of a reported phrase
    for (let k = 0; reader.next(); k++) {
      ends[k % RING] = reader.end;
      // Most words are rejected here, inline, on their length and first letters.
      if (reader.start < resume || (reader.clean && !FIRST_WORDS.mayHold(text, reader.start, reader.end))) continue;
      const first = FIRST_WORDS.find(text, reader.start, reader.end, reader.clean);
      const phrases = first === undefined ? undefined : BY_FIRST_WORD.get(first);
      if (phrases === undefined) continue;
      const end = phraseEnd(again.from(endBefore(k)), phrases);
      // Looking for a veto only once a phrase matched (rare) decides the same as before matching.
      if (end < 0) continue;
      const back = Math.min(k, VETO_WINDOW); // words before k the veto looks at
      if (vetoed(again.from(endBefore(k - back)), back)) continue;
      emit(reader.start, end);
      resume = end;
    }
  },
};

/**
 * A negation or a "reported speech" word among the `back` words before the matched one (words
 * 0 .. back - 1 of `words`), in the same sentence.
 */
function vetoed(words: Words, back: number): boolean {
  words.has(back - 1); // they exist: the matched word follows them
  for (let j = back - 1; j >= 0; j--) {
    if (words.isIn(j, VETO_WORDS)) return true;
    if (words.brk(j)) return false;
  }
  return false;
}
