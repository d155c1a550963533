/**
 * Custom PII patterns from config: `{ name, pattern }` becomes a detector of kind
 * `pii:<name>`. Patterns are parsed by our own parser (./parse.ts), checked against the
 * safety rules (./safety.ts) and run by a linear-time NFA matcher (./nfa.ts), never by V8's
 * backtracking engine.
 */
import type { Detector, Emit } from '../types';
import { compile, findSpans } from './nfa';
import { parsePattern, PatternError } from './parse';
import { checkCost, checkSafety } from './safety';

export const CUSTOM_NAME = /^[a-z0-9_]{1,64}$/;

export interface CustomPattern {
  name: string;
  pattern: string;
}

/**
 * Builds the detector, or throws an Error naming the entry (`pii.custom[<index>] "<name>"`)
 * and the reason, with the offending offset in the pattern when there is one.
 */
export function createCustomDetector(entry: CustomPattern, index: number): Detector {
  const where = `pii.custom[${index}]${typeof entry?.name === 'string' ? ` "${entry.name}"` : ''}`;
  if (typeof entry !== 'object' || entry === null) throw new Error(`classify config: ${where} must be an object with name and pattern`);
  if (typeof entry.name !== 'string' || !CUSTOM_NAME.test(entry.name)) {
    throw new Error(`classify config: ${where}: name must match [a-z0-9_]+ (1 to 64 characters)`);
  }
  if (typeof entry.pattern !== 'string' || entry.pattern.length === 0 || entry.pattern.length > 1000) {
    throw new Error(`classify config: ${where}: pattern must be a non-empty string of at most 1000 characters`);
  }
  let program;
  try {
    const ast = parsePattern(entry.pattern);
    checkSafety(ast);
    program = compile(ast);
    checkCost(program);
  } catch (e) {
    if (!(e instanceof PatternError)) throw e;
    const at = e.offset >= 0 ? ` at offset ${e.offset}` : '';
    throw new Error(`classify config: ${where}: pattern refused${at}: ${e.message}`);
  }
  const prog = program;
  return {
    kind: `pii:${entry.name}`,
    scan(text: string, emit: Emit): void {
      findSpans(prog, text, emit);
    },
  };
}
