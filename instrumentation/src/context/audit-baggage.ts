import type { Baggage, BaggageEntry } from '@opentelemetry/api';

/**
 * Baggage built from all its entries at once. The API's own implementation copies its entries
 * on every `setEntry`, and `withAuditContext`, which many services run around every LLM call,
 * sets up to five of them: building the map once spares those copies (measured in the overhead
 * benchmark: about 4 µs of CPU less per call on Node 24). Like the API's, it never changes once
 * made, and hands out copies of its entries.
 */
export class AuditBaggage implements Baggage {
  constructor(private readonly entries: ReadonlyMap<string, BaggageEntry>) {}

  /** `outer`'s entries with `entries` set over them. */
  static over(outer: Baggage | undefined, entries: [string, BaggageEntry][]): AuditBaggage {
    const map = new Map(outer?.getAllEntries());
    for (const [key, entry] of entries) map.set(key, entry);
    return new AuditBaggage(map);
  }

  getEntry(key: string): BaggageEntry | undefined {
    const entry = this.entries.get(key);
    return entry && { ...entry };
  }

  getAllEntries(): [string, BaggageEntry][] {
    return [...this.entries];
  }

  setEntry(key: string, entry: BaggageEntry): Baggage {
    return AuditBaggage.over(this, [[key, entry]]);
  }

  removeEntry(key: string): Baggage {
    return this.removeEntries(key);
  }

  removeEntries(...keys: string[]): Baggage {
    const map = new Map(this.entries);
    for (const key of keys) map.delete(key);
    return new AuditBaggage(map);
  }

  clear(): Baggage {
    return new AuditBaggage(new Map());
  }
}
