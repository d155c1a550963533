import { computeCost, loadPricing, type TokenUsage } from '../../collector/src/processor/cost';

const table = loadPricing();

/** A span's usage; token counts as README.md, "The audit record" defines them (input includes cache, output includes reasoning). */
function usage(provider: string, model: string, tokens: Partial<TokenUsage> = {}): TokenUsage {
  return {
    provider,
    requestModel: model,
    responseModel: model,
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    ...tokens,
  };
}

describe('computeCost per provider', () => {
  test('OpenAI without cache', () => {
    // gpt-4o: $2.50 in, $10 out
    expect(
      computeCost(table, usage('openai', 'gpt-4o-2024-08-06', { inputTokens: 1000, outputTokens: 500 })),
    ).toBeCloseTo(0.0075, 12);
  });

  test('OpenAI with cached input and reasoning tokens inside the output count', () => {
    // 600 uncached x $2.50 + 400 cached x $1.25 + 500 output (200 of them reasoning) x $10
    const cost = computeCost(
      table,
      usage('openai', 'gpt-4o', { inputTokens: 1000, cacheReadTokens: 400, outputTokens: 500 }),
    );
    expect(cost).toBeCloseTo(0.007, 12);
  });

  test('OpenAI reasoning model', () => {
    // o4-mini: $1.10 in, $0.275 cached, $4.40 out; 3000 output tokens of which most are reasoning
    const cost = computeCost(
      table,
      usage('openai', 'o4-mini-2025-04-16', { inputTokens: 2000, cacheReadTokens: 1000, outputTokens: 3000 }),
    );
    expect(cost).toBeCloseTo((1000 * 1.1 + 1000 * 0.275 + 3000 * 4.4) / 1e6, 12);
  });

  test('OpenAI model with a cache-write price (GPT-6)', () => {
    // gpt-6-astra: $10 in, $1 cache read, $12.50 cache write, $50 out
    const cost = computeCost(
      table,
      usage('openai', 'gpt-6-astra', {
        inputTokens: 10_000,
        cacheReadTokens: 4000,
        cacheWriteTokens: 5000,
        outputTokens: 1000,
      }),
    );
    expect(cost).toBeCloseTo((1000 * 10 + 4000 * 1 + 5000 * 12.5 + 1000 * 50) / 1e6, 12);
  });

  test('OpenAI embeddings', () => {
    expect(computeCost(table, usage('openai', 'text-embedding-3-small', { inputTokens: 1_000_000 }))).toBeCloseTo(
      0.02,
      12,
    );
  });

  test('Anthropic without cache', () => {
    // claude-sonnet-4-5: $3 in, $15 out
    expect(
      computeCost(table, usage('anthropic', 'claude-sonnet-4-5-20250929', { inputTokens: 2000, outputTokens: 800 })),
    ).toBeCloseTo(0.018, 12);
  });

  test('Anthropic with cache reads and 5-minute cache writes', () => {
    // 10000 input = 2000 uncached + 6000 read ($0.30) + 2000 written ($3.75); 800 output at $15
    const cost = computeCost(
      table,
      usage('anthropic', 'claude-sonnet-4-5-20250929', {
        inputTokens: 10_000,
        cacheReadTokens: 6000,
        cacheWriteTokens: 2000,
        outputTokens: 800,
      }),
    );
    expect(cost).toBeCloseTo(0.0273, 12);
  });

  test('Anthropic with extended thinking (reasoning counted in output)', () => {
    // claude-opus-4-8: $5 in, $25 out
    expect(
      computeCost(table, usage('anthropic', 'claude-opus-4-8', { inputTokens: 1000, outputTokens: 4000 })),
    ).toBeCloseTo(0.105, 12);
  });

  test('Gemini, models/ prefix, with cached content', () => {
    // gemini-2.5-pro: $1.25 in, $0.125 cached, $10 out (thinking included)
    const cost = computeCost(
      table,
      usage('gcp.gemini', 'models/gemini-2.5-pro', {
        inputTokens: 20_000,
        cacheReadTokens: 10_000,
        outputTokens: 1000,
      }),
    );
    expect(cost).toBeCloseTo(0.02375, 12);
  });

  test('Gemini on Vertex AI is priced from the Gemini table', () => {
    const cost = computeCost(
      table,
      usage('gcp.vertex_ai', 'gemini-2.5-flash', { inputTokens: 1000, outputTokens: 1000 }),
    );
    expect(cost).toBeCloseTo((1000 * 0.3 + 1000 * 2.5) / 1e6, 12);
  });

  test('Mistral: no cache price, so cached tokens are billed at the input price', () => {
    // mistral-large-latest -> mistral-large-2512: $0.50 in, $1.50 out
    const cost = computeCost(
      table,
      usage('mistral_ai', 'mistral-large-latest', { inputTokens: 1000, cacheReadTokens: 500, outputTokens: 100 }),
    );
    expect(cost).toBeCloseTo(0.00065, 12);
  });

  test('Bedrock Claude: geographic profile, global profile, cache', () => {
    const tokens = { inputTokens: 1000, cacheReadTokens: 200, cacheWriteTokens: 300, outputTokens: 100 };
    // us.: in-Region/geographic rate, 10% above the global one
    expect(
      computeCost(table, usage('aws.bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', tokens)),
    ).toBeCloseTo((500 * 3.3 + 200 * 0.33 + 300 * 4.125 + 100 * 16.5) / 1e6, 12);
    expect(
      computeCost(table, usage('aws.bedrock', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0', tokens)),
    ).toBeCloseTo((500 * 3 + 200 * 0.3 + 300 * 3.75 + 100 * 15) / 1e6, 12);
  });

  test('Bedrock Meta Llama and Amazon Nova', () => {
    expect(
      computeCost(
        table,
        usage('aws.bedrock', 'meta.llama3-3-70b-instruct-v1:0', { inputTokens: 1000, outputTokens: 1000 }),
      ),
    ).toBeCloseTo(0.00144, 12);
    // nova-pro: $0.80 in, $0.20 cache read, $3.20 out
    expect(
      computeCost(
        table,
        usage('aws.bedrock', 'us.amazon.nova-pro-v1:0', { inputTokens: 1000, cacheReadTokens: 400, outputTokens: 100 }),
      ),
    ).toBeCloseTo((600 * 0.8 + 400 * 0.2 + 100 * 3.2) / 1e6, 12);
  });

  test('Bedrock Cohere embeddings and Mistral', () => {
    expect(computeCost(table, usage('aws.bedrock', 'cohere.embed-v4:0', { inputTokens: 1_000_000 }))).toBeCloseTo(
      0.12,
      12,
    );
    expect(
      computeCost(
        table,
        usage('aws.bedrock', 'mistral.mistral-large-3-675b-instruct', { inputTokens: 1000, outputTokens: 1000 }),
      ),
    ).toBeCloseTo(0.002, 12);
  });
});

describe('computeCost edge cases', () => {
  test('unknown model -> null', () => {
    expect(computeCost(table, usage('openai', 'gpt-unknown-9', { inputTokens: 10, outputTokens: 10 }))).toBeNull();
  });

  test('no token counts -> null, even for a known model', () => {
    expect(computeCost(table, usage('openai', 'gpt-4o'))).toBeNull();
  });

  test('output only is priced', () => {
    expect(computeCost(table, usage('openai', 'gpt-4o', { outputTokens: 100 }))).toBeCloseTo(0.001, 12);
  });

  test('zero tokens cost zero', () => {
    expect(computeCost(table, usage('openai', 'gpt-4o', { inputTokens: 0, outputTokens: 0 }))).toBe(0);
  });

  test('the response model (exact snapshot) wins over the request model', () => {
    const u = { ...usage('openai', 'gpt-4o', { inputTokens: 1_000_000 }), responseModel: 'gpt-4o-mini-2024-07-18' };
    expect(computeCost(table, u)).toBeCloseTo(0.15, 12);
  });

  test('an unknown or missing response model falls back to the request model', () => {
    const unknown = { ...usage('openai', 'gpt-4o', { inputTokens: 1_000_000 }), responseModel: 'my-deployment' };
    expect(computeCost(table, unknown)).toBeCloseTo(2.5, 12);
    const missing = { ...usage('openai', 'gpt-4o', { inputTokens: 1_000_000 }), responseModel: '' };
    expect(computeCost(table, missing)).toBeCloseTo(2.5, 12);
  });

  test('odd provider names (gateways) still find the model in any provider', () => {
    expect(
      computeCost(table, usage('openrouter', 'anthropic/claude-sonnet-4.5', { inputTokens: 1_000_000 })),
    ).toBeCloseTo(3, 12);
  });

  test('Azure deployment names cannot be resolved', () => {
    expect(
      computeCost(table, usage('azure.ai.openai', 'prod-chat-eastus', { inputTokens: 10, outputTokens: 10 })),
    ).toBeNull();
  });

  test('cache counts larger than the input total never bill negative input', () => {
    // 100 input but 150 cached: only the cached tokens and the output are billed
    const cost = computeCost(
      table,
      usage('openai', 'gpt-4o', { inputTokens: 100, cacheReadTokens: 150, outputTokens: 0 }),
    );
    expect(cost).toBeCloseTo((150 * 1.25) / 1e6, 12);
  });
});
