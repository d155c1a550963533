import type { Flushable } from './shutdown';

/**
 * The hook's state, kept on globalThis: the register file and the application may load two
 * copies of this package (a nested install, a bundle), and both must see the one running SDK.
 */
const KEY = Symbol.for('@ai-audit/instrumentation.running');

export interface Running {
  /** The ESM loader is registered too (--import). */
  esm: boolean;
  sdk?: Flushable;
}

export function running(): Running | undefined {
  return (globalThis as { [KEY]?: Running })[KEY];
}

export function setRunning(state: Running): void {
  (globalThis as { [KEY]?: Running })[KEY] = state;
}
