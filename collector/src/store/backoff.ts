/**
 * Exponential backoff with jitter: attempt n waits between half and all of
 * min(max, initial·2ⁿ), so collectors retrying against a recovering store spread out
 * instead of arriving together, and still back off steadily.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
