/**
 * Which custom patterns are refused, and why.
 *
 * The matcher (./nfa.ts) is linear for any pattern it can compile, so these rules are not what
 * keeps the collector safe at run time. They exist because a pattern in config is also read,
 * copied and tested by people with backtracking engines (grep -P, regex101, the JS console),
 * and the shapes below are exactly the ones that hang those engines on hostile input
 * (catastrophic backtracking, "ReDoS"). Refusing them at config time keeps the config portable
 * and the intent obvious:
 *
 *  - nested quantifiers: a repeated group containing a variable-length quantifier, i.e. star
 *    height > 1: `(a+)+`, `(\w+\.)*`, `(a{1,3}){2,}`. Fixed counts inside are fine: `(\d{3}-){2}`;
 *  - a repeated group containing alternation whose branches can start with the same character
 *    or match empty: `(a|ab)+`, `(\d|\w)*`, `(x|)+`. Disjoint branches are fine: `(?:[A-Z]|-)+`;
 *  - adjacent quantifiers that can trade characters: two variable repeats where the second can
 *    begin with a character the first consumes and nothing mandatory separates them:
 *    `\d+\d*`, `\w+\s*\w+`, `.*.*`. Separated ones are fine: `\w+@\w+`, `\d+(?:\.\d+)?`;
 *  - patterns that can match the empty string (they would match everywhere);
 *  - patterns too costly for the matcher: its work per character of text is bounded by the
 *    program's closure sizes (long literals, many optional parts, big {n,m} bounds on groups
 *    add up; a repeated class like [A-Z0-9]{20,40} is one state whatever its bounds).
 *
 * Backreferences and lookarounds are refused by the parser.
 */
import { charsOf, firstSet, nullable, programSize, type Node } from './ast';
import type { Program } from './nfa';
import { PatternError } from './parse';

/** Instructions once repeats are expanded: checked before compiling, so `(?:ab){1,100000}` costs nothing. */
export const MAX_PROGRAM = 256;
/**
 * Closure entries the matcher may visit per character of text (Program.stepCost): the
 * worst-case cost of a scan per character. 96 keeps the worst accepted pattern around 1 s per
 * MB of hostile text on a laptop core; ordinary patterns cost 5-30.
 */
export const MAX_STEP_COST = 96;
/** Largest {n,m} count: the matcher does not report matches longer than its window anyway. */
export const MAX_REPEAT = 256;

export function checkSafety(root: Node): void {
  if (nullable(root)) throw new PatternError('it can match the empty string, so it would match everywhere', -1);
  walk(root);
  if (programSize(root, MAX_PROGRAM) > MAX_PROGRAM) throw tooLarge();
}

/** After compiling: the per-character cost bound (see MAX_STEP_COST). */
export function checkCost(program: Program): void {
  if (program.stepCost > MAX_STEP_COST) throw tooLarge();
}

function tooLarge(): PatternError {
  return new PatternError(
    'it is too large for the matcher (long literals, many optional parts, or big {n,m} bounds on groups); simplify it or split it into several patterns',
    -1,
  );
}

function walk(node: Node): void {
  switch (node.type) {
    case 'repeat':
      if (node.min > MAX_REPEAT || (node.max !== Infinity && node.max > MAX_REPEAT)) {
        throw new PatternError(`repeat count above ${MAX_REPEAT}`, node.at);
      }
      if (node.max > 1) checkRepeatedBody(node);
      walk(node.body);
      return;
    case 'seq':
      node.items.forEach(walk); // inner problems (nesting) first: they are the more serious
      checkAdjacent(node.items);
      return;
    case 'alt':
      node.alts.forEach(walk);
      return;
    default:
      return;
  }
}

function checkRepeatedBody(rep: Extract<Node, { type: 'repeat' }>): void {
  if (nullable(rep.body)) {
    throw new PatternError('a repeated group can match the empty string (nested quantifier)', rep.at);
  }
  const inner = find(rep.body, (n) => n.type === 'repeat' && n.min !== n.max);
  if (inner && inner.type === 'repeat') {
    throw new PatternError(
      'nested quantifier: a repeated group contains another variable-length quantifier (star height > 1)',
      inner.at,
    );
  }
  const alt = find(rep.body, (n) => n.type === 'alt' && overlappingBranches(n.alts));
  if (alt && alt.type === 'alt') {
    throw new PatternError('a repeated group contains alternation whose branches can overlap', alt.at);
  }
}

function overlappingBranches(alts: readonly Node[]): boolean {
  if (alts.some(nullable)) return true;
  const firsts = alts.map(firstSet);
  for (let i = 0; i < firsts.length; i++) {
    for (let j = i + 1; j < firsts.length; j++) if (firsts[i].intersects(firsts[j])) return true;
  }
  return false;
}

const isVariableRepeat = (n: Node): n is Extract<Node, { type: 'repeat' }> => n.type === 'repeat' && n.max > 1 && n.min !== n.max;

/** Variable repeats i < j with only nullable items between them, where j can start inside i's characters. */
function checkAdjacent(items: readonly Node[]): void {
  for (let i = 0; i < items.length; i++) {
    const a = items[i];
    if (!isVariableRepeat(a)) continue;
    const consumed = charsOf(a.body);
    for (let j = i + 1; j < items.length; j++) {
      const b = items[j];
      if (isVariableRepeat(b) && firstSet(b.body).intersects(consumed)) {
        throw new PatternError('overlapping adjacent quantifiers: two repeats can match the same characters', b.at);
      }
      if (!nullable(b)) break;
    }
  }
}

function find(node: Node, pred: (n: Node) => boolean): Node | undefined {
  if (pred(node)) return node;
  switch (node.type) {
    case 'repeat':
      return find(node.body, pred);
    case 'seq':
      for (const i of node.items) {
        const f = find(i, pred);
        if (f) return f;
      }
      return undefined;
    case 'alt':
      for (const a of node.alts) {
        const f = find(a, pred);
        if (f) return f;
      }
      return undefined;
    default:
      return undefined;
  }
}
