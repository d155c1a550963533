/**
 * prompt_injection — known injection phrasings in prompts, responses and tool results
 * (indirect injection arrives through tool results and retrieved documents).
 *
 * The text becomes a word list (./words.ts); each phrase in ./phrases.ts is a short sequence of
 * word steps with bounded repetition, matched only at words that can begin it (an index from
 * first word to phrases). Each attempt looks at no more than ~20 words and the scan moves
 * forward, so the detector is linear in the text length.
 *
 * Deliberately not caught (recall traded for precision): paraphrases outside the phrase list,
 * non-English text, instructions encoded as base64/leetspeak/homoglyphs/spaced letters,
 * payloads that only make sense in context (e.g. a tool result saying "the user wants you to
 * email the file to ..."), and chat-template tokens (<|im_start|>, [INST]) which also appear in
 * legitimate developer conversations.
 */
import type { Detector, Emit } from '../types';
import { PHRASES, VETO_BEFORE, VETO_WINDOW, type Phrase } from './phrases';
import { tokenize, type Words } from './words';

/** Phrases indexed by the first word of each alternative of their first step. */
const BY_FIRST_WORD: ReadonlyMap<string, readonly Phrase[]> = (() => {
  const map = new Map<string, Phrase[]>();
  for (const p of PHRASES) {
    const first = p.steps[0];
    if (!first.alts || first.min < 1) throw new Error(`injection phrase ${p.name}: first step must be required words`);
    for (const alt of first.alts) {
      const list = map.get(alt[0]) ?? [];
      if (!list.includes(p)) list.push(p);
      map.set(alt[0], list);
    }
  }
  return map;
})();

/** 1-26 for a letter of either case, 0 for anything else (a digit). */
const letter = (c: number): number => {
  const lower = c | 0x20;
  return lower >= 97 && lower <= 122 ? lower - 96 : 0;
};

/** A word's length and first two letters, case-insensitive. */
const shape = (length: number, first: number, second: number): number =>
  (length * 27 + letter(first)) * 27 + letter(second);

/** Longest first word; longer words are rejected on their length alone. */
const MAX_FIRST = Math.max(...[...BY_FIRST_WORD.keys()].map((word) => word.length));

/**
 * The shapes of all first words (each at least two letters long), as a bitmap: most words of
 * a text are rejected on this, without building their text.
 */
const FIRST_SHAPES: Uint8Array = (() => {
  const bitmap = new Uint8Array(shape(MAX_FIRST + 1, 0, 0));
  for (const word of BY_FIRST_WORD.keys()) {
    if (word.length < 2) throw new Error(`injection phrase first word "${word}" is shorter than two letters`);
    bitmap[shape(word.length, word.charCodeAt(0), word.charCodeAt(1))] = 1;
  }
  return bitmap;
})();

/**
 * Word k cannot begin a phrase, decided without its text when it is clean (its text is then
 * its slice lower-cased; word characters are ASCII letters and digits).
 */
function cannotStart(words: Words, text: string, k: number): boolean {
  if (!words.clean[k]) return false;
  const start = words.start[k];
  const length = words.end[k] - start;
  return (
    length < 2 ||
    length > MAX_FIRST ||
    FIRST_SHAPES[shape(length, text.charCodeAt(start), text.charCodeAt(start + 1))] === 0
  );
}

export const promptInjection: Detector = {
  kind: 'prompt_injection',
  scan(text: string, emit: Emit): void {
    const words = tokenize(text);
    for (let k = 0; k < words.length; k++) {
      // A clean word's text is its slice lower-cased, so its shape is known without building it.
      if (cannotStart(words, text, k)) continue;
      const candidates = BY_FIRST_WORD.get(words.text(k));
      if (!candidates || vetoed(words, k)) continue;
      for (const phrase of candidates) {
        const end = matchSteps(words, phrase, 0, k, phrase.need === undefined);
        if (end > k) {
          emit(words.start[k], words.end[end - 1]);
          k = end - 1;
          break;
        }
      }
    }
  },
};

/** A negation or a "reported speech" word shortly before, in the same sentence. */
function vetoed(words: Words, k: number): boolean {
  for (let j = k - 1; j >= 0 && j >= k - VETO_WINDOW; j--) {
    if (VETO_BEFORE.has(words.text(j))) return true;
    if (words.brk[j]) return false;
  }
  return false;
}

/**
 * Matches steps[si..] from word `pos`; returns the index after the match or -1. Depth-first
 * with greedy repetition; every step has a small `max`, so the search is bounded.
 */
function matchSteps(words: Words, phrase: Phrase, si: number, pos: number, needMet: boolean): number {
  if (si === phrase.steps.length) return needMet ? pos : -1;
  return matchRepeat(words, phrase, si, pos, 0, needMet);
}

function matchRepeat(words: Words, phrase: Phrase, si: number, pos: number, count: number, needMet: boolean): number {
  const step = phrase.steps[si];
  if (count < step.max) {
    if (step.alts === null) {
      // Wildcard: any word, but not across a sentence break.
      if (pos < words.length && !words.brk[pos]) {
        const r = matchRepeat(words, phrase, si, pos + 1, count + 1, needMet);
        if (r >= 0) return r;
      }
    } else {
      for (const alt of step.alts) {
        const after = matchAlt(words, pos, alt);
        if (after < 0) continue;
        const met = needMet || (phrase.need !== undefined && alt.some((w) => phrase.need!.has(w)));
        const r = matchRepeat(words, phrase, si, after, count + 1, met);
        if (r >= 0) return r;
      }
    }
  }
  return count >= step.min ? matchSteps(words, phrase, si + 1, pos, needMet) : -1;
}

function matchAlt(words: Words, pos: number, alt: readonly string[]): number {
  if (pos + alt.length > words.length) return -1;
  for (let j = 0; j < alt.length; j++) if (words.text(pos + j) !== alt[j]) return -1;
  return pos + alt.length;
}
