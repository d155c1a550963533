import type { ModelPrice, PricingTable } from './table';

/** A span's model and token counts as normalize records them (README.md, "The audit record": input includes cache reads and writes, output includes reasoning). */
export interface TokenUsage {
  /** gen_ai.provider.name (or the older gen_ai.system). */
  provider: string;
  requestModel: string;
  responseModel: string;
  /** All input tokens, cache reads and cache writes included. */
  inputTokens: number | null;
  /** All output tokens, reasoning tokens included. */
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
}

const TOKENS_PER_PRICE_UNIT = 1_000_000;

/** The call's cost in USD, or null when its model is unknown or it reports no token counts. */
export function computeCost(table: PricingTable, usage: TokenUsage): number | null {
  if (usage.inputTokens === null && usage.outputTokens === null) return null;
  const price = priceOf(table, usage);
  if (!price) return null;

  const input = usage.inputTokens ?? 0;
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  // Clamped: inconsistent counts (cache larger than the input total) must not bill negative input.
  const uncached = Math.max(0, input - cacheRead - cacheWrite);
  const dollars =
    uncached * price.input +
    cacheRead * (price.cacheRead ?? price.input) +
    cacheWrite * (price.cacheWrite ?? price.input) +
    (usage.outputTokens ?? 0) * price.output;
  return dollars / TOKENS_PER_PRICE_UNIT;
}

/** The response model names the exact snapshot that served the call; the request model may be an alias. */
function priceOf(table: PricingTable, usage: TokenUsage): ModelPrice | null {
  for (const model of [usage.responseModel, usage.requestModel]) {
    const price = model ? table.find(usage.provider, model) : null;
    if (price) return price;
  }
  return null;
}
