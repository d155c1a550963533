/**
 * The caps of DecodeLimits, applied the same way by both decoders (protobuf and JSON), and
 * the DecodeStats of what they cut. Refusals throw OtlpDecodeError with a message that
 * names the cap, never the data.
 *
 * Besides those caps, one guard of its own: the decoded form of a request may not grow past
 * EXPANSION times the body's size (or MIN_BUDGET for small bodies). Honest OTLP decodes to
 * about 1.5x its body (measured on typical GenAI spans), but degenerate bodies do not: an
 * empty event is 2 bytes on the wire and ~240 bytes of heap, so 16 MiB of them would be
 * ~2 GB even within maxSpans x maxEventsPerSpan. Spans, log records, events, arrays and
 * kvlists (the objects that cost far more than their wire bytes) are charged their
 * approximate V8 heap size; strings, scalars and attribute entries cost at most a few times
 * their bytes and are not charged.
 */
import type { DecodeLimits, DecodeStats } from './types';
import { OtlpDecodeError } from './types';

const EXPANSION = 16;
const MIN_BUDGET = 4 * 1024 * 1024;
// Approximate heap bytes, measured on Node 20: a span with its attributes dictionary and
// events array, a log record or an event with its attributes dictionary, a null-prototype
// dictionary, an empty array.
const SPAN_COST = 320;
const LOG_RECORD_COST = 240;
const EVENT_COST = 240;
const KVLIST_COST = 200;
const ARRAY_COST = 40;

/** The items of a request that maxSpans counts: spans in a trace export, log records in a logs export. */
export type Item = 'span' | 'log record';

const ITEM_COST: Record<Item, number> = { span: SPAN_COST, 'log record': LOG_RECORD_COST };

export class Limiter {
  readonly stats: DecodeStats = { droppedAttributes: 0, droppedEvents: 0, truncatedValues: 0 };
  /** Items seen so far in this request. */
  itemCount = 0;
  readonly maxValueLength: number;
  readonly maxValueDepth: number;
  private readonly maxItems: number;
  private readonly itemCost: number;
  private readonly maxAttributes: number;
  private readonly maxEvents: number;
  /** Heap bytes the charged objects may still take. */
  private budget: number;

  constructor(
    limits: DecodeLimits,
    bodyBytes: number,
    private readonly item: Item,
  ) {
    this.maxItems = limits.maxSpans;
    this.itemCost = ITEM_COST[item];
    this.maxAttributes = limits.maxAttributesPerSpan;
    this.maxEvents = limits.maxEventsPerSpan;
    this.maxValueLength = limits.maxAttributeValueLength;
    this.maxValueDepth = limits.maxValueDepth;
    this.budget = Math.max(MIN_BUDGET, EXPANSION * bodyBytes);
  }

  /** Counts one more item; refuses the request once there are more than maxSpans. */
  addItem(): void {
    if (++this.itemCount > this.maxItems) {
      throw new OtlpDecodeError(`too many ${this.item}s in one request (limit ${this.maxItems})`);
    }
    this.charge(this.itemCost);
  }

  /**
   * Whether the next entry of an attribute list (or of a kvlist/array value) may be kept,
   * given how many that list already holds; counts the ones that may not.
   */
  keepAttribute(held: number): boolean {
    if (held < this.maxAttributes) return true;
    this.stats.droppedAttributes++;
    return false;
  }

  /** Whether a span holding `held` events may take one more; counts the ones that may not. */
  keepEvent(held: number): boolean {
    if (held < this.maxEvents) {
      this.charge(EVENT_COST);
      return true;
    }
    this.stats.droppedEvents++;
    return false;
  }

  /**
   * Refuses an array value that would sit at `depth` (1 = directly in an attribute).
   * Decoding recurses per level, so this also bounds the stack. `where` is a field path
   * (JSON) or a byte offset (protobuf).
   */
  enterArray(depth: number, where: string | number): void {
    this.checkDepth(depth, where);
    this.charge(ARRAY_COST);
  }

  /** As enterArray, for a kvlist value. */
  enterKvlist(depth: number, where: string | number): void {
    this.checkDepth(depth, where);
    this.charge(KVLIST_COST);
  }

  /** Cuts a string value to maxAttributeValueLength UTF-16 units, never inside a surrogate pair. */
  cutString(s: string): string {
    const max = this.maxValueLength;
    if (s.length <= max) return s;
    this.stats.truncatedValues++;
    const code = max > 0 ? s.charCodeAt(max - 1) : 0;
    const keep = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
    return s.slice(0, keep);
  }

  /** How many of `length` bytes of a bytes value to keep; counts the cut. */
  keptBytes(length: number): number {
    if (length <= this.maxValueLength) return length;
    this.stats.truncatedValues++;
    return this.maxValueLength;
  }

  private checkDepth(depth: number, where: string | number): void {
    if (depth > this.maxValueDepth) {
      const at = typeof where === 'number' ? `value at byte ${where}` : where;
      throw new OtlpDecodeError(`${at}: nested deeper than ${this.maxValueDepth} levels`);
    }
  }

  private charge(cost: number): void {
    if ((this.budget -= cost) < 0) {
      throw new OtlpDecodeError(
        `request decodes to more than ${EXPANSION} times its size (too many ${this.item}s or nested values for its bytes)`,
      );
    }
  }
}
