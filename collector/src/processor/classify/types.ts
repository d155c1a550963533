/**
 * Types shared by the classify stage. Public ones are re-exported from ./index.ts.
 */

/**
 * One detection in a scanned text. `start`/`end` are UTF-16 code unit offsets (the same
 * indices `String.prototype.slice` takes), end exclusive. A finding never carries the
 * matched text: callers that need it slice the text they already hold, so a finding can be
 * logged, stored or returned in an error without leaking the value it points at.
 */
export interface Finding {
  kind: string;
  start: number;
  end: number;
}

/** Reports one match of the detector's kind: [start, end) in the scanned text. */
export type Emit = (start: number, end: number) => void;

/**
 * One kind of content (`pii:email`, `secret:jwt`, ...). `scan` must run in time linear in
 * the text length whatever the text is, must not throw on any string, and may emit in any
 * order (the classifier sorts).
 */
export interface Detector {
  readonly kind: string;
  scan(text: string, emit: Emit): void;
}
