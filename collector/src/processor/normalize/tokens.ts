import type { Attributes } from '../../model/traces';
import { asCount, first } from './values';

/**
 * Token counts under every name producers use, reduced to one rule (README.md, "The audit record"):
 * input tokens include cache reads and writes; output tokens include reasoning.
 */

const INPUT = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'llm.usage.prompt_tokens',
  'llm.token_count.prompt',
  'ai.usage.inputTokens',
  'ai.usage.promptTokens',
  // The Vercel AI SDK's embedding calls count only what they embed.
  'ai.usage.tokens',
];
const OUTPUT = [
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.usage.completion_tokens',
  'llm.token_count.completion',
  'ai.usage.outputTokens',
  'ai.usage.completionTokens',
];
const CACHE_READ = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'gen_ai.usage.input_tokens.cached',
  'gen_ai.usage.cache_read_tokens',
  'llm.token_count.prompt_details.cache_read',
  'ai.usage.inputTokenDetails.cacheReadTokens',
  'ai.usage.cachedInputTokens',
];
const CACHE_WRITE = [
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'gen_ai.usage.cache_write_input_tokens',
  'gen_ai.usage.input_tokens.cache_write',
  'gen_ai.usage.cache_write_tokens',
  'llm.token_count.prompt_details.cache_write',
  'ai.usage.inputTokenDetails.cacheWriteTokens',
];
const REASONING = [
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'gen_ai.usage.output_tokens.reasoning',
  'llm.token_count.completion_details.reasoning',
  'ai.usage.outputTokenDetails.reasoningTokens',
  'ai.usage.reasoningTokens',
];

/**
 * Producers whose totals include cache and reasoning tokens whatever the provider, like
 * semconv v1.37+: OpenInference (its prompt count is the provider's total) and the
 * Vercel AI SDK from v6 (the one that reports `inputTokenDetails`).
 */
const INCLUSIVE_MARKERS = [
  'openinference.span.kind',
  'ai.usage.inputTokenDetails.noCacheTokens',
  'ai.usage.inputTokenDetails.cacheReadTokens',
  'ai.usage.inputTokenDetails.cacheWriteTokens',
];

/** Every key read here, so the attributes column does not repeat them. */
export const TOKEN_KEYS: ReadonlySet<string> = new Set([
  ...INPUT,
  ...OUTPUT,
  ...CACHE_READ,
  ...CACHE_WRITE,
  ...REASONING,
]);

/**
 * The largest count the token columns (UInt32) hold. A larger one is read as absent
 * (NULL), and the cost is computed from the same NULL, so the row and its cost agree.
 * Widening the columns instead would rewrite every part of an existing records table
 * and its cost projection for values no real call produces: the largest context windows
 * are around 10^7 tokens, 400 times below this; a count past it is a producer's bug or
 * a forgery, not usage.
 */
const MAX_TOKENS = 0xffff_ffff;

function storable(count: number | null): number | null {
  return count !== null && count <= MAX_TOKENS ? count : null;
}

export interface TokenCounts {
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
}

/**
 * `currentSemconv`: the span names its provider with `gen_ai.provider.name` (semconv
 * v1.37+), which defines input_tokens as inclusive of cache tokens. Older producers
 * (but those of INCLUSIVE_MARKERS) copy the provider's own figure, and Anthropic's (also Claude on Bedrock/Vertex) excludes
 * the cache, so it is summed here. Whatever the dialect, an input count smaller than its
 * own cache counts can only be exclusive and is summed too; likewise for reasoning
 * tokens, which Gemini reports apart from candidate tokens.
 */
export function readTokens(
  attributes: Attributes,
  provider: string,
  model: string,
  currentSemconv: boolean,
): TokenCounts {
  const input = storable(asCount(first(attributes, INPUT)));
  const output = storable(asCount(first(attributes, OUTPUT)));
  const cacheRead = storable(asCount(first(attributes, CACHE_READ)));
  const cacheWrite = storable(asCount(first(attributes, CACHE_WRITE)));
  const reasoning = storable(asCount(first(attributes, REASONING)));

  const inclusive = currentSemconv || INCLUSIVE_MARKERS.some((key) => attributes[key] !== undefined);
  const cached = (cacheRead ?? 0) + (cacheWrite ?? 0);
  let inputTotal = input;
  if (input !== null && cached > 0 && ((!inclusive && reportsCacheApart(provider, model)) || input < cached)) {
    inputTotal = input + cached;
  }
  let outputTotal = output;
  if (
    output !== null &&
    reasoning !== null &&
    reasoning > 0 &&
    ((!inclusive && provider.startsWith('gcp.')) || output < reasoning)
  ) {
    outputTotal = output + reasoning;
  }
  return {
    input_tokens: storable(inputTotal),
    output_tokens: storable(outputTotal),
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    reasoning_tokens: reasoning,
  };
}

function reportsCacheApart(provider: string, model: string): boolean {
  return (
    provider === 'anthropic' ||
    ((provider === 'aws.bedrock' || provider === 'gcp.vertex_ai') && model.includes('claude'))
  );
}
