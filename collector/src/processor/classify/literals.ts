/**
 * Finding literals (`ghp_`, `sk-`, `://`, `-----BEGIN `) in a text: step 1 of the recipe in
 * ./scan.ts for the detectors anchored on a fixed prefix.
 *
 * Why not String#indexOf(needle) as it is: V8 scans natively for the needle's first character
 * and compares the rest there, so a needle that starts with a common letter (the `s` of `sk-`,
 * the `e` of `eyJ`) stops every few characters and costs about as much as a JavaScript loop
 * over the text (measured on prose: 0.47 ns a character for indexOf('sk-'), 0.05 for
 * indexOf('-')). So each needle is searched for from its anchor, the position whose character
 * is rarest in prose, code and JSON (by the rough frequencies below): indexOf of the needle's
 * tail from there (`k-` for `sk-`), then the head compared around each hit. A tail of one
 * character wakes JavaScript at every occurrence of that character, so it counts as ten times
 * more frequent. Needles anchored on the same character at the same offset (`xoxb-`, `xoxp-`)
 * share one search, for their common tail (`xox`). Any anchor finds the same occurrences; the
 * choice only changes how fast.
 */
import { boundaryBefore, runEnd, type CharTest } from './scan';

/** Rough occurrences per 1000 characters of prose, code and JSON; other characters count 0.5. */
const FREQUENCY: Readonly<Record<string, number>> = {
  ' ': 150,
  ...spread(
    'etaoinsrhldcumfpgwybvkxjqz',
    [95, 68, 62, 60, 57, 55, 50, 48, 38, 32, 30, 25, 22, 20, 17, 16, 15, 14, 14, 11, 8, 5, 2, 1.5, 1, 1],
  ),
  ...spread(
    'TAISCEORNDPMLBHWFGUYVKJXQZ',
    [5, 4, 4, 4, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 0.5, 0.5, 0.5, 0.3, 0.2, 0.2],
  ),
  ...spread('0123456789', new Array<number>(10).fill(5)),
  ...spread('.,"\n:-/_()', [10, 10, 10, 8, 6, 5, 4, 6, 2, 2]),
};

function spread(chars: string, counts: readonly number[]): Record<string, number> {
  return Object.fromEntries([...chars].map((c, i) => [c, counts[i]]));
}

/** How often a search from `offset` wakes up: its character's frequency, tenfold for a one-character tail. */
const anchorCost = (needle: string, offset: number): number =>
  (FREQUENCY[needle[offset]] ?? 0.5) * (needle.length - offset > 1 ? 1 : 10);

/** Needles searched together: each has `tail` at `offset`. */
interface AnchorGroup {
  readonly tail: string;
  readonly offset: number;
  /** Indices into the needle list, ascending (the first listed needle wins a tie). */
  readonly members: readonly number[];
}

/** A constant list of needles, with the searches that find them. */
export class Literals {
  readonly groups: readonly AnchorGroup[];

  constructor(readonly needles: readonly string[]) {
    const groups: { char: string; tail: string; offset: number; members: number[] }[] = [];
    needles.forEach((needle, index) => {
      if (needle.length === 0) throw new Error('literal needles must not be empty');
      let offset = 0;
      for (let o = 1; o < needle.length; o++) if (anchorCost(needle, o) < anchorCost(needle, offset)) offset = o;
      const char = needle[offset];
      const tail = needle.slice(offset);
      const group = groups.find((g) => g.char === char && g.offset === offset);
      if (!group) groups.push({ char, tail, offset, members: [index] });
      else {
        group.members.push(index);
        let common = 0;
        while (common < group.tail.length && group.tail[common] === tail[common]) common++;
        group.tail = group.tail.slice(0, common);
      }
    });
    this.groups = groups;
  }
}

/**
 * Successive occurrences of a list of literals in one text, as `indexOf` of each needle would
 * find them: `at(from)` is the leftmost occurrence of any needle at or after `from` (on a tie,
 * the first needle listed, which `which` then names). Calls must pass non-decreasing `from`
 * values; each group's next hit is kept, so a whole scan reads each anchor occurrence once
 * (an "indexOf from every candidate" would be quadratic when the literal is rare).
 */
export class LiteralSearch {
  /** The needle found by the last `at`. */
  which = -1;
  /** Per group: position of its next hit (-2: not searched yet, -1: none left) and that hit's needle. */
  private readonly hitAt: number[];
  private readonly hitWhich: number[];

  constructor(
    private readonly text: string,
    private readonly literals: Literals,
  ) {
    this.hitAt = literals.groups.map(() => -2);
    this.hitWhich = literals.groups.map(() => -1);
  }

  at(from: number): number {
    let best = -1;
    let which = -1;
    for (let g = 0; g < this.hitAt.length; g++) {
      if (this.hitAt[g] !== -1 && this.hitAt[g] < from) this.searchGroup(g, from);
      const p = this.hitAt[g];
      if (p >= 0 && (best < 0 || p < best || (p === best && this.hitWhich[g] < which))) {
        best = p;
        which = this.hitWhich[g];
      }
    }
    this.which = which;
    return best;
  }

  /** Every occurrence of a member at p >= from has the group's tail at p + offset: so search that from there. */
  private searchGroup(g: number, from: number): void {
    const { tail, offset, members } = this.literals.groups[g];
    const { needles } = this.literals;
    for (let a = this.text.indexOf(tail, from + offset); a >= 0; a = this.text.indexOf(tail, a + 1)) {
      const p = a - offset;
      for (const m of members) {
        if (this.text.startsWith(needles[m], p)) {
          this.hitAt[g] = p;
          this.hitWhich[g] = m;
          return;
        }
      }
    }
    this.hitAt[g] = -1;
  }
}

/**
 * Calls `onHit` for each occurrence of any of the literals in text order (leftmost first; on a
 * tie, the first needle listed). `onHit` returns where the search resumes (at least hit + 1),
 * which is how a detector skips what it consumed.
 */
export function forEachLiteral(text: string, literals: Literals, onHit: (at: number, which: number) => number): void {
  const search = new LiteralSearch(text, literals);
  for (let from = 0, at = search.at(from); at >= 0; at = search.at(from))
    from = Math.max(onHit(at, search.which), at + 1);
}

/**
 * Prefixed tokens (`ghp_...`, `sk-...`, `xoxb-...`): for each occurrence of a prefix that
 * starts at a boundary of `test`, reports the whole run of `test` characters from the prefix.
 * A prefix found inside a run (`disk-`, `mask_live_`) is not a token start; the scan skips
 * the entire run, so each character is consumed once however many prefixes a run contains.
 * Prefix characters must themselves satisfy `test`.
 */
export function forEachPrefixedToken(
  text: string,
  prefixes: Literals,
  test: CharTest,
  onToken: (start: number, end: number, which: number) => void,
): void {
  forEachLiteral(text, prefixes, (at, which) => {
    const end = runEnd(text, at, test);
    if (boundaryBefore(text, at, test)) onToken(at, end, which);
    return end;
  });
}
