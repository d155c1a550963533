/**
 * Candidate search for the detectors whose matches all have a shape a short regex can
 * recognise (a card number is 13+ digits with single separators, an SSN is 3-2-4 digits): step
 * 1 of the recipe in ./scan.ts for cards, SSNs, phones, IBANs and IP addresses.
 *
 * Each such detector gives a `candidate` pattern that matches wherever (or within
 * `lookBehind` characters after where) one of its matches could start, and a `check` that
 * decides one position exactly as a loop over every position would, returning where the
 * loop resumes. Checking the positions the pattern matches, in order and each at most once,
 * therefore gives the findings of that loop, however the positions are found. So the
 * detectors of a classifier share one search: a regex alternation of all their patterns finds
 * the next position where any of them matches, and each pattern, tried there alone, says
 * which checks to run. One pass of the regex engine over the text instead of one per
 * detector: prose with no candidate at all, the common case, costs that one pass.
 *
 * Where candidates are dense (numbers everywhere: tables, logs, tool results in JSON), telling
 * at each hit which checks it is for costs more than one pass per detector; past a few hits
 * more than one per CHARS_PER_HIT characters, each pattern searches the rest of the text alone,
 * as before the search was shared.
 *
 * With `lookBehind`, the pattern may find a rarer character that follows the start of a match
 * within that many positions (an IPv6 address has a ':' within its first five characters),
 * which is cheaper to search for than the start itself; the positions before it are checked.
 *
 * Patterns have bounded length, take no flags and cannot match the empty string; every search
 * only moves forward, so the whole is linear in the text length.
 */
import type { Detector, Emit } from './types';

export interface CandidateCheck {
  readonly kind: string;
  /** Matches where a match of the kind can start (or up to `lookBehind` after); no flags. */
  readonly candidate: RegExp;
  readonly lookBehind: number;
  /** Checks position `at`; returns where the checks resume (at least at + 1). */
  check(text: string, at: number, emit: Emit): number;
}

export type CandidateDetector = Detector & CandidateCheck;

export const isCandidateDetector = (d: Detector): d is CandidateDetector => 'candidate' in d;

/** The detector of one check; scanning on its own, it searches its own pattern only. */
export function candidateDetector(check: CandidateCheck): CandidateDetector {
  const alone = new CandidateSearch([check]);
  return { ...check, scan: (text, emit) => alone.scan(text, (_kind, start, end) => emit(start, end)) };
}

/**
 * A hit of the shared search costs about what one pass per check over this many characters
 * does (measured: ~0.35 µs against ~2.5 ns a character for five patterns), so the search goes
 * apart once it has had more hits than FEW_HITS plus one per CHARS_PER_HIT characters.
 */
const CHARS_PER_HIT = 128;
const FEW_HITS = 4;

/** One search for the candidates of several checks. */
export class CandidateSearch {
  /** Any check's pattern: the next position worth a look. */
  private readonly any: RegExp;
  /** Each check's pattern, tried at one position. */
  private readonly here: readonly RegExp[];
  /** Each check's pattern, searched for alone. */
  private readonly alone: readonly RegExp[];

  constructor(private readonly checks: readonly CandidateCheck[]) {
    for (const c of checks)
      if (c.candidate.flags !== '') throw new Error(`${c.kind}: candidate pattern takes no flags`);
    this.any = new RegExp(checks.map((c) => `(?:${c.candidate.source})`).join('|'), 'g');
    this.here = checks.map((c) => new RegExp(c.candidate.source, 'y'));
    this.alone = checks.map((c) => new RegExp(c.candidate.source, 'g'));
  }

  /** Emits every check's findings in `text`. */
  scan(text: string, emit: (kind: string, start: number, end: number) => void): void {
    const checks = this.checks;
    if (checks.length === 0) return;
    /** Per check: the first position it has not visited (or skipped over) yet. */
    const next = checks.map(() => 0);
    const emits = checks.map(
      ({ kind }): Emit =>
        (start, end) =>
          emit(kind, start, end),
    );

    const any = this.any;
    any.lastIndex = 0;
    let hits = 0;
    let m = any.exec(text);
    for (; m !== null && ++hits <= FEW_HITS + m.index / CHARS_PER_HIT; m = any.exec(text)) {
      const at = m.index;
      let resume = text.length;
      for (let k = 0; k < checks.length; k++) {
        // With one check, the alternation is its pattern.
        if (at >= next[k] && (checks.length === 1 || this.matchesAt(k, text, at)))
          next[k] = visit(checks[k], text, at, next[k], emits[k]);
        resume = Math.min(resume, next[k]);
      }
      // A match a check still needs is at or after its next[k]: none is passed over.
      any.lastIndex = Math.max(resume, at + 1);
    }
    if (m === null) return;

    // Dense: from the hit not handled yet (nothing any check needs lies before it), apart.
    for (let k = 0; k < checks.length; k++) {
      const own = this.alone[k];
      let nextK = next[k];
      own.lastIndex = m.index;
      for (let hit = own.exec(text); hit !== null; hit = own.exec(text)) {
        nextK = visit(checks[k], text, hit.index, nextK, emits[k]);
        own.lastIndex = Math.max(nextK, hit.index + 1);
      }
    }
  }

  private matchesAt(k: number, text: string, at: number): boolean {
    const pattern = this.here[k];
    pattern.lastIndex = at;
    return pattern.test(text);
  }
}

/**
 * `check`'s pattern matches at `at`: checks the positions that stands for, from `next` (the
 * first position the check has not visited or skipped over) on. Returns the new `next`.
 */
function visit(check: CandidateCheck, text: string, at: number, next: number, emit: Emit): number {
  for (let p = Math.max(next, at - check.lookBehind); p <= at; p = next)
    next = Math.max(check.check(text, p, emit), p + 1);
  return next;
}
