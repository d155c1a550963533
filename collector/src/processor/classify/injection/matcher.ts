/**
 * The phrase matcher: whether, and where, one of a word's phrases (./phrases.ts) matches from
 * it. Each phrase is a short sequence of word steps with bounded repetition, matched
 * depth-first with greedy repetition; every step has a small `max`, so an attempt reads a
 * bounded number of words (at most ~20 with the phrases of ./phrases.ts).
 */
import type { Phrase, Step } from './phrases';
import { WordSet } from './word-set';
import type { Words } from './words';

/** A step as the matcher reads it. */
type Compiled = Step &
  (
    | { readonly alts: null }
    | {
        readonly alts: readonly (readonly string[])[];
        /** The first words of the alternatives: a word that is none of them begins none of them. */
        readonly firstWords: WordSet;
        /** Per alternative: it holds a word of the phrase's `need`. */
        readonly meetsNeed: readonly boolean[];
      }
  );

export interface CompiledPhrase {
  readonly steps: readonly Compiled[];
  /** The phrase has no `need`, or it is met before the first word. */
  readonly needMet: boolean;
}

export function compile(phrase: Phrase): CompiledPhrase {
  const { need } = phrase;
  return {
    needMet: need === undefined,
    steps: phrase.steps.map(({ alts, min, max }): Compiled =>
      alts === null
        ? { alts, min, max }
        : {
            alts,
            min,
            max,
            firstWords: new WordSet(alts.map((alt) => alt[0])),
            meetsNeed: alts.map((alt) => need !== undefined && alt.some((word) => need.has(word))),
          },
    ),
  };
}

/** Where the first of `phrases` that matches from word 0 of `words` ends, or -1. */
export function phraseEnd(words: Words, phrases: readonly CompiledPhrase[]): number {
  for (const phrase of phrases) {
    const end = matchSteps(words, phrase, 0, 0, phrase.needMet);
    if (end > 0) return words.end(end - 1);
  }
  return -1;
}

/** Matches steps[si..] from word `pos`; returns the index after the match or -1. */
function matchSteps(words: Words, phrase: CompiledPhrase, si: number, pos: number, needMet: boolean): number {
  if (si === phrase.steps.length) return needMet ? pos : -1;
  return matchRepeat(words, phrase, si, pos, 0, needMet);
}

function matchRepeat(
  words: Words,
  phrase: CompiledPhrase,
  si: number,
  pos: number,
  count: number,
  needMet: boolean,
): number {
  const step = phrase.steps[si];
  if (count < step.max) {
    if (step.alts === null) {
      // Wildcard: any word, but not across a sentence break.
      if (words.has(pos) && !words.brk(pos)) {
        const r = matchRepeat(words, phrase, si, pos + 1, count + 1, needMet);
        if (r >= 0) return r;
      }
    } else if (words.has(pos) && words.isIn(pos, step.firstWords)) {
      for (let a = 0; a < step.alts.length; a++) {
        const after = matchAlt(words, pos, step.alts[a]);
        if (after < 0) continue;
        const r = matchRepeat(words, phrase, si, after, count + 1, needMet || step.meetsNeed[a]);
        if (r >= 0) return r;
      }
    }
  }
  return count >= step.min ? matchSteps(words, phrase, si + 1, pos, needMet) : -1;
}

/** Word by word, reading no further than the first word that differs. */
function matchAlt(words: Words, pos: number, alt: readonly string[]): number {
  for (let j = 0; j < alt.length; j++) if (!words.has(pos + j) || !words.is(pos + j, alt[j])) return -1;
  return pos + alt.length;
}
