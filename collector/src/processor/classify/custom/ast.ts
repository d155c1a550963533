/**
 * The parsed form of a custom pattern, and the static facts the safety rules and the matcher
 * need about it. Groups (capturing or not) leave no node: only their contents matter here.
 */
import { CharSet, EMPTY } from './charset';

export type Node =
  | { readonly type: 'set'; readonly set: CharSet }
  | { readonly type: 'seq'; readonly items: readonly Node[] }
  | { readonly type: 'alt'; readonly alts: readonly Node[]; readonly at: number }
  | { readonly type: 'repeat'; readonly body: Node; readonly min: number; readonly max: number; readonly at: number }
  | { readonly type: 'assert'; readonly kind: AssertKind };

export type AssertKind = 'start' | 'end' | 'word' | 'notWord';

/** Can match the empty string. */
export function nullable(node: Node): boolean {
  switch (node.type) {
    case 'set':
      return false;
    case 'seq':
      return node.items.every(nullable);
    case 'alt':
      return node.alts.some(nullable);
    case 'repeat':
      return node.min === 0 || nullable(node.body);
    case 'assert':
      return true;
  }
}

/** Characters a non-empty match of `node` can begin with. */
export function firstSet(node: Node): CharSet {
  switch (node.type) {
    case 'set':
      return node.set;
    case 'seq': {
      let acc = EMPTY;
      for (const item of node.items) {
        acc = acc.union(firstSet(item));
        if (!nullable(item)) break;
      }
      return acc;
    }
    case 'alt':
      return node.alts.reduce((acc, a) => acc.union(firstSet(a)), EMPTY);
    case 'repeat':
      return node.max === 0 ? EMPTY : firstSet(node.body);
    case 'assert':
      return EMPTY;
  }
}

/** Every character `node` can consume. */
export function charsOf(node: Node): CharSet {
  switch (node.type) {
    case 'set':
      return node.set;
    case 'seq':
      return node.items.reduce((acc, i) => acc.union(charsOf(i)), EMPTY);
    case 'alt':
      return node.alts.reduce((acc, a) => acc.union(charsOf(a)), EMPTY);
    case 'repeat':
      return charsOf(node.body);
    case 'assert':
      return EMPTY;
  }
}

/** A repeat of a single character class (`\d{4,8}`, `[a-z]+`): one RUN instruction in the program. */
export function isClassRun(node: Node): boolean {
  return node.type === 'repeat' && node.body.type === 'set' && node.max > 0;
}

/** Instructions of the matcher program for `node` (saturating at cap + 1), computed before compiling. */
export function programSize(node: Node, cap: number): number {
  const sat = (v: number): number => Math.min(cap + 1, v);
  const size = (n: Node): number => {
    switch (n.type) {
      case 'set':
      case 'assert':
        return 1;
      case 'seq':
        return n.items.reduce((acc, i) => sat(acc + size(i)), 0);
      case 'alt':
        return n.alts.reduce((acc, a) => sat(acc + size(a) + 2), 0);
      case 'repeat': {
        if (isClassRun(n)) return 1;
        const copies = n.max === Infinity ? n.min + 1 : n.max;
        return sat(size(n.body) * copies + (n.max === Infinity ? 2 : n.max - n.min));
      }
    }
  };
  return size(node) + 1;
}
