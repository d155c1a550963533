/**
 * Linear-time matcher for custom patterns: the pattern compiles to a Thompson NFA program and
 * the text is scanned once by a Pike VM, which keeps at most one thread per instruction. Cost
 * is O(text length x program states) whatever the pattern and the text; the safety rules cap
 * the states. V8's own regex engine is not used for these patterns because it backtracks: even
 * innocent-looking user patterns can go quadratic per scan on hostile input.
 *
 * What is reported is the union of all matches, as maximal non-overlapping spans. Per end
 * position, the VM knows the leftmost start of any match ending there: keeping, per
 * instruction, only the earliest-starting thread is exact, because a thread's future does not
 * depend on where it started. As long as threads are added in increasing start order, the first
 * thread to reach an instruction is that earliest one. Merging the [start, end) spans gives
 * every character covered by some match (what redaction needs) without rescanning any text.
 *
 * Repeats of one character class (`\d{4,8}`, `[A-Z0-9]+`, `.*`) compile to a single RUN
 * instruction instead of one state per repetition. A RUN holds the (entry position, start)
 * pairs of the threads inside the current run of matching characters; a thread may leave after
 * `min..max` characters, and the one that leaves at each position is the earliest-starting
 * eligible entry: a sliding-window minimum, kept in O(1) amortized with a monotone deque.
 *
 * No match-length window is needed for linearity: the work per character is bounded by the
 * program (Program.stepCost, capped by the safety rules), and a RUN holds O(MAX_REPEAT) entries
 * (for an unbounded repeat, one eligible entry: the earliest start, since nothing expires).
 * Pending spans are flushed whenever no thread is alive, which is most of the time on real text.
 */
import type { AssertKind, Node } from './ast';
import { firstSet, isClassRun } from './ast';
import type { CharSet } from './charset';

const CHAR = 0;
const SPLIT = 1;
const JMP = 2;
const ASSERT = 3;
const MATCH = 4;
const RUN = 5;

const ASSERTS: readonly AssertKind[] = ['start', 'end', 'word', 'notWord'];

export interface Program {
  readonly op: Uint8Array;
  /** CHAR, RUN: set index; SPLIT, JMP: target; ASSERT: index into ASSERTS. */
  readonly x: Int32Array;
  /** SPLIT: second target; RUN: index into runMin/runMax. */
  readonly y: Int32Array;
  readonly sets: readonly CharSet[];
  readonly runMin: readonly number[];
  readonly runMax: readonly number[];
  /** Characters a match can start with: the scan skips ahead to these when no thread is alive. */
  readonly first: CharSet;
  readonly tables: Tables;
  /**
   * Upper bound on closure entries visited per character of text (the sum of all closure
   * sizes): what a scan costs per character in the worst case. The safety rules cap it.
   */
  readonly stepCost: number;
}

export function compile(root: Node): Program {
  const op: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const sets: CharSet[] = [];
  const runMin: number[] = [];
  const runMax: number[] = [];
  const push = (o: number, a = 0, b = 0): number => {
    op.push(o);
    x.push(a);
    y.push(b);
    return op.length - 1;
  };
  const emit = (n: Node): void => {
    switch (n.type) {
      case 'set':
        sets.push(n.set);
        push(CHAR, sets.length - 1);
        return;
      case 'assert':
        push(ASSERT, ASSERTS.indexOf(n.kind));
        return;
      case 'seq':
        n.items.forEach(emit);
        return;
      case 'alt': {
        const exits: number[] = [];
        n.alts.forEach((alt, k) => {
          if (k === n.alts.length - 1) return emit(alt);
          const split = push(SPLIT, op.length + 1);
          emit(alt);
          exits.push(push(JMP));
          y[split] = op.length;
        });
        for (const j of exits) x[j] = op.length;
        return;
      }
      case 'repeat': {
        if (isClassRun(n) && n.body.type === 'set') {
          sets.push(n.body.set);
          runMin.push(n.min);
          runMax.push(n.max);
          push(RUN, sets.length - 1, runMin.length - 1);
          return;
        }
        for (let k = 0; k < n.min; k++) emit(n.body);
        if (n.max === Infinity) {
          const loop = push(SPLIT, op.length + 1);
          emit(n.body);
          push(JMP, loop);
          y[loop] = op.length;
        } else {
          const skips: number[] = [];
          for (let k = n.min; k < n.max; k++) {
            skips.push(push(SPLIT, op.length + 1));
            emit(n.body);
          }
          for (const s of skips) y[s] = op.length;
        }
        return;
      }
    }
  };
  emit(root);
  push(MATCH);
  const base = { op: Uint8Array.from(op), x: Int32Array.from(x), y: Int32Array.from(y), sets, runMin, runMax };
  const t = tables(base);
  return { ...base, first: firstSet(root), tables: t, stepCost: t.from[op.length] };
}

/**
 * Per instruction, its epsilon closure: the CHAR, RUN and MATCH instructions reachable without
 * consuming a character, each with the assertions that must hold on the way (bit k: ASSERTS[k]).
 * A RUN that may repeat zero times is also stepped over. Precomputed once per program, so
 * stepping a thread is a table walk with no allocation.
 */
export interface Tables {
  from: Int32Array;
  target: Int32Array;
  need: Uint8Array;
  /** ASCII membership of CHAR/RUN instruction pc: ascii[pc * 128 + c]. */
  ascii: Uint8Array;
}

function tables(prog: Pick<Program, 'op' | 'x' | 'y' | 'sets' | 'runMin'>): Tables {
  const { op, x, y } = prog;
  const size = op.length;
  const from = new Int32Array(size + 1);
  const target: number[] = [];
  const need: number[] = [];
  for (let pc0 = 0; pc0 < size; pc0++) {
    from[pc0] = target.length;
    // A (pc, mask) pair is expanded once; there are 16 masks, so this is bounded.
    const seen = new Set<number>();
    const stack: [number, number][] = [[pc0, 0]];
    while (stack.length > 0) {
      const [pc, mask] = stack.pop()!;
      if (seen.has(pc * 16 + mask)) continue;
      seen.add(pc * 16 + mask);
      const o = op[pc];
      if (o === CHAR || o === MATCH || o === RUN) {
        target.push(pc);
        need.push(mask);
        if (o === RUN && prog.runMin[y[pc]] === 0) stack.push([pc + 1, mask]);
      } else if (o === JMP) {
        stack.push([x[pc], mask]);
      } else if (o === SPLIT) {
        stack.push([y[pc], mask], [x[pc], mask]);
      } else {
        stack.push([pc + 1, mask | (1 << x[pc])]);
      }
    }
  }
  from[size] = target.length;
  const ascii = new Uint8Array(size * 128);
  for (let pc = 0; pc < size; pc++) {
    if (op[pc] !== CHAR && op[pc] !== RUN) continue;
    const set = prog.sets[x[pc]];
    for (let c = 0; c < 128; c++) if (set.has(c)) ascii[pc * 128 + c] = 1;
  }
  return { from, target: Int32Array.from(target), need: Uint8Array.from(need), ascii };
}

const isWordCode = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * State of one RUN instruction during a scan: entries still short of the minimum count (FIFO)
 * and eligible entries as a monotone deque (starts increasing front to back), both ring
 * buffers of (entry position, start). Entries expire `max` characters after entry, in entry
 * order, so the deque's front is always the earliest eligible start. With no maximum nothing
 * expires and the deque only ever needs its front.
 */
class RunState {
  private readonly pendP: Int32Array;
  private readonly pendS: Int32Array;
  private pendHead = 0;
  private pendLen = 0;
  private readonly dqP: Int32Array;
  private readonly dqS: Int32Array;
  private dqHead = 0;
  private dqLen = 0;
  active = false;

  constructor(
    readonly pc: number,
    /** Characters before an entry may leave (at least 1: leaving after 0 is the closure's skip edge). */
    private readonly least: number,
    /** Characters after which an entry can no longer leave (Infinity for * and +). */
    private readonly max: number,
    capacity: number,
  ) {
    this.pendP = new Int32Array(capacity);
    this.pendS = new Int32Array(capacity);
    this.dqP = new Int32Array(capacity);
    this.dqS = new Int32Array(capacity);
  }

  clear(): void {
    this.pendLen = 0;
    this.dqLen = 0;
  }

  get empty(): boolean {
    return this.pendLen === 0 && this.dqLen === 0;
  }

  enter(pos: number, start: number): void {
    const cap = this.pendP.length;
    // Cannot overflow: entries leave the FIFO after `least` <= MAX_REPEAT characters.
    const k = (this.pendHead + this.pendLen) % cap;
    this.pendP[k] = pos;
    this.pendS[k] = start;
    this.pendLen++;
  }

  /** After a matching character, at position `pos`: the earliest start that may leave now, or -1. */
  exitAt(pos: number): number {
    const cap = this.pendP.length;
    while (this.pendLen > 0 && pos - this.pendP[this.pendHead] >= this.least) {
      const p = this.pendP[this.pendHead];
      const s = this.pendS[this.pendHead];
      this.pendHead = (this.pendHead + 1) % cap;
      this.pendLen--;
      // Entries behind with a later or equal start expire sooner: never the minimum again.
      while (this.dqLen > 0 && this.dqS[(this.dqHead + this.dqLen - 1) % cap] >= s) this.dqLen--;
      if (this.max === Infinity && this.dqLen > 0) continue; // the front never expires
      const k = (this.dqHead + this.dqLen) % cap;
      this.dqP[k] = p;
      this.dqS[k] = s;
      this.dqLen++;
    }
    while (this.dqLen > 0 && pos - this.dqP[this.dqHead] > this.max) {
      this.dqHead = (this.dqHead + 1) % cap;
      this.dqLen--;
    }
    return this.dqLen > 0 ? this.dqS[this.dqHead] : -1;
  }
}

/**
 * Calls `emit(start, end)` for each maximal span covered by matches, in increasing order.
 * The program must not match the empty string (the safety rules guarantee it).
 */
export function findSpans(prog: Program, text: string, emit: (start: number, end: number) => void): void {
  new Scan(prog, prog.tables, text, emit).run();
}

/** One scan's state. A class (not closures) so the hot loop reads fields, not context slots. */
class Scan {
  private readonly op: Uint8Array;
  private readonly x: Int32Array;
  private readonly from: Int32Array;
  private readonly target: Int32Array;
  private readonly need: Uint8Array;
  private readonly ascii: Uint8Array;
  private readonly n: number;
  // Thread lists (instruction, start) in increasing start order; at most one per instruction.
  private curPc: Int32Array;
  private curStart: Int32Array;
  private nextPc: Int32Array;
  private nextStart: Int32Array;
  private curLen = 0;
  private nextLen = 0;
  private readonly mark: Int32Array;
  private readonly runs: (RunState | undefined)[] = [];
  /** RUNs holding entries: activeRuns[0 .. activeCount). Typed/fixed arrays: no resizing in the loop. */
  private readonly activeRuns: RunState[] = [];
  private activeCount = 0;
  // RUN exits at one position, sorted by start before merging with the thread list.
  private readonly exitPc: Int32Array;
  private readonly exitStart: Int32Array;
  private exitLen = 0;
  // Pending spans, sorted and disjoint. A new match can only overlap a suffix of them (its end
  // is the furthest yet). When no thread is alive no future match can reach back into them.
  private readonly pendS: number[] = [];
  private readonly pendE: number[] = [];

  constructor(
    private readonly prog: Program,
    tables: Tables,
    private readonly text: string,
    private readonly emit: (start: number, end: number) => void,
  ) {
    this.op = prog.op;
    this.x = prog.x;
    ({ from: this.from, target: this.target, need: this.need, ascii: this.ascii } = tables);
    this.n = text.length;
    const size = prog.op.length;
    this.curPc = new Int32Array(size);
    this.curStart = new Int32Array(size);
    this.nextPc = new Int32Array(size);
    this.nextStart = new Int32Array(size);
    this.mark = new Int32Array(size).fill(-1);
    this.exitPc = new Int32Array(size);
    this.exitStart = new Int32Array(size);
    for (let pc = 0; pc < size; pc++) {
      if (prog.op[pc] !== RUN) continue;
      const min = prog.runMin[prog.y[pc]];
      const max = prog.runMax[prog.y[pc]];
      // The FIFO holds fewer than `least` entries; the deque at most max - least + 1 (1 if unbounded).
      this.runs[pc] = new RunState(pc, Math.max(min, 1), max, Math.max(min, max === Infinity ? 0 : max) + 2);
    }
  }

  run(): void {
    const { text, n, prog } = this;
    let i = 0;
    while (i < n) {
      if (this.curLen === 0 && this.activeCount === 0) {
        // Nothing in flight: spans so far are final; skip to the next character a match can begin with.
        this.flush();
        while (i < n && !prog.first.has(text.charCodeAt(i))) i++;
        if (i >= n) break;
        this.follow(0, i, i, this.holdsAt(i));
        this.swap();
        if (this.curLen === 0 && this.activeCount === 0) {
          i++;
          continue;
        }
      }
      const c = text.charCodeAt(i);
      const pos = i + 1;
      const holds = this.holdsAt(pos);
      this.stepRuns(c, pos);
      // Step CHAR threads and RUN exits merged in increasing start order.
      const { exitPc, exitStart, exitLen, curPc, curStart, curLen } = this;
      let e = 0;
      for (let k = 0; k < curLen; k++) {
        const s = curStart[k];
        while (e < exitLen && exitStart[e] <= s) {
          this.follow(exitPc[e] + 1, exitStart[e], pos, holds);
          e++;
        }
        const pc = curPc[k];
        if (this.has(pc, c)) this.follow(pc + 1, s, pos, holds);
      }
      for (; e < exitLen; e++) this.follow(exitPc[e] + 1, exitStart[e], pos, holds);
      i = pos;
      // A new thread starts last, so the list stays in increasing start order.
      if (i < n && prog.first.has(text.charCodeAt(i))) this.follow(0, i, i, holds);
      this.swap();
    }
    this.flush();
  }

  private has(pc: number, c: number): boolean {
    return c < 128 ? this.ascii[pc * 128 + c] === 1 : this.prog.sets[this.x[pc]].has(c);
  }

  /** Which assertions hold at `pos`, as a bit mask over ASSERTS. */
  private holdsAt(pos: number): number {
    const before = pos > 0 && isWordCode(this.text.charCodeAt(pos - 1));
    const after = pos < this.n && isWordCode(this.text.charCodeAt(pos));
    return (pos === 0 ? 1 : 0) | (pos === this.n ? 2 : 0) | (before !== after ? 4 : 8);
  }

  /** RUNs consume `c` (or die); collects, sorted by start, the threads that may leave at `pos`. */
  private stepRuns(c: number, pos: number): void {
    const { activeRuns, exitPc, exitStart } = this;
    let kept = 0;
    let len = 0;
    for (let k = 0; k < this.activeCount; k++) {
      const r = activeRuns[k];
      if (!this.has(r.pc, c)) {
        r.clear();
        r.active = false;
        continue;
      }
      const s = r.exitAt(pos);
      if (r.empty) r.active = false;
      else activeRuns[kept++] = r;
      if (s < 0) continue;
      let j = len++; // insertion sort: there are only a few RUNs
      while (j > 0 && exitStart[j - 1] > s) {
        exitPc[j] = exitPc[j - 1];
        exitStart[j] = exitStart[j - 1];
        j--;
      }
      exitPc[j] = r.pc;
      exitStart[j] = s;
    }
    this.activeCount = kept;
    this.exitLen = len;
  }

  /** Adds the closure of `pc` at `pos` for a thread started at `s`. First arrival wins. */
  private follow(pc: number, s: number, pos: number, holds: number): void {
    const { from, need, target, mark, op } = this;
    for (let k = from[pc], end = from[pc + 1]; k < end; k++) {
      if ((need[k] & ~holds) !== 0) continue;
      const q = target[k];
      if (mark[q] === pos) continue;
      mark[q] = pos;
      const o = op[q];
      if (o === CHAR) {
        this.nextPc[this.nextLen] = q;
        this.nextStart[this.nextLen++] = s;
      } else if (o === RUN) {
        const r = this.runs[q]!;
        r.enter(pos, s);
        if (!r.active) {
          r.active = true;
          this.activeRuns[this.activeCount++] = r;
        }
      } else {
        this.record(s, pos);
      }
    }
  }

  private swap(): void {
    const pc = this.curPc;
    const st = this.curStart;
    this.curPc = this.nextPc;
    this.curStart = this.nextStart;
    this.nextPc = pc;
    this.nextStart = st;
    this.curLen = this.nextLen;
    this.nextLen = 0;
  }

  private record(s: number, e: number): void {
    const { pendS, pendE } = this;
    while (pendE.length > 0 && pendE[pendE.length - 1] > s) {
      s = Math.min(s, pendS.pop()!);
      pendE.pop();
    }
    pendS.push(s);
    pendE.push(e);
  }

  private flush(): void {
    const { pendS, pendE } = this;
    for (let k = 0; k < pendS.length; k++) this.emit(pendS[k], pendE[k]);
    pendS.length = 0;
    pendE.length = 0;
  }
}
