import { lookupIds, matchId } from './model-id';

/** One model's prices, USD per 1M tokens. A null cache price bills those tokens at `input`. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number | null;
  readonly cacheWrite: number | null;
}

// Model strings come from clients; bound how much memory unknown names can claim.
const MEMO_LIMIT = 10_000;

/** A loaded price table (see loadPricing). `find` is called once or twice per span. */
export class PricingTable {
  private readonly anyProvider = new Map<string, ModelPrice>();
  private readonly memo = new Map<string, ModelPrice | null>();

  /** `byProvider`: gen_ai.provider.name → table key → price, in the order providers are searched. */
  constructor(private readonly byProvider: ReadonlyMap<string, ReadonlyMap<string, ModelPrice>>) {
    for (const models of byProvider.values()) {
      for (const [id, price] of models) if (!this.anyProvider.has(id)) this.anyProvider.set(id, price);
    }
  }

  /**
   * The price of `model` on a span of `provider`, or null when unknown. The provider's own
   * models are searched first, then every provider's: OpenAI-compatible gateways and Azure
   * report provider names that own no table of their own.
   */
  find(provider: string, model: string): ModelPrice | null {
    const key = `${provider}\u0000${model}`;
    const memoised = this.memo.get(key);
    if (memoised !== undefined) return memoised;
    const price = this.resolve(provider, model);
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(key, price);
    return price;
  }

  private resolve(provider: string, model: string): ModelPrice | null {
    const ids = lookupIds(model);
    for (const index of [this.byProvider.get(provider), this.anyProvider]) {
      if (!index) continue;
      for (const id of ids) {
        const price = matchId(index, id);
        if (price) return price;
      }
    }
    return null;
  }
}
