import type { RecordBatch } from '../../collector/src/component/component';
import type { LoadedConfig } from '../../collector/src/config/types';
import type { AuditRecord } from '../../collector/src/model/record';
import { computeCost, loadPricing, type TokenUsage } from '../../collector/src/processor/cost';
import { CostProcessor } from '../../collector/src/processor/cost/factory';

// The shipped collector/schemas/pricing.json, through the real loader, table and cost code.
const table = loadPricing();
const processor = new CostProcessor({}, { id: 'cost', loaded: {} as LoadedConfig });

interface Call {
  provider: string;
  requestModel: string;
  responseModel?: string;
  input: number | null;
  output: number | null;
  cacheRead?: number | null;
  cacheWrite?: number | null;
}

function usage(call: Call): TokenUsage {
  return {
    provider: call.provider,
    requestModel: call.requestModel,
    responseModel: call.responseModel ?? call.requestModel,
    inputTokens: call.input,
    outputTokens: call.output,
    cacheReadTokens: call.cacheRead ?? null,
    cacheWriteTokens: call.cacheWrite ?? null,
  };
}

/** cost_usd as the cost processor writes it on a record of this call. */
function processedCost(call: Call): number | null {
  const u = usage(call);
  const record = {
    provider: u.provider,
    request_model: u.requestModel,
    response_model: u.responseModel,
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    cache_read_tokens: u.cacheReadTokens,
    cache_write_tokens: u.cacheWriteTokens,
    cost_usd: -1,
  } as unknown as AuditRecord;
  const batch = { tenantId: 't', records: [record], dataKeys: [], afterDurable: [], afterFailure: [] } as RecordBatch;
  processor.process(batch);
  return record.cost_usd;
}

/** Both paths agree; returns the cost. */
function cost(call: Call): number | null {
  const viaProcessor = processedCost(call);
  expect(computeCost(table, usage(call))).toBe(viaProcessor);
  return viaProcessor;
}

const perMillion = (dollars: number) => dollars / 1e6;

describe('one priced call per newly covered provider', () => {
  test('groq: gpt-oss-120b as groq-sdk reports it (openai/ vendor prefix), with a cache hit', () => {
    // $0.15 in, $0.075 cached, $0.60 out
    expect(
      cost({ provider: 'groq', requestModel: 'openai/gpt-oss-120b', input: 10_000, cacheRead: 4000, output: 2000 }),
    ).toBeCloseTo(perMillion(6000 * 0.15 + 4000 * 0.075 + 2000 * 0.6), 12);
  });

  test('groq: a dated Kimi K2 snapshot resolves to the kimi-k2-instruct entry', () => {
    expect(table.find('groq', 'moonshotai/kimi-k2-instruct-0905')).toBe(table.find('groq', 'kimi-k2-instruct'));
    expect(cost({ provider: 'groq', requestModel: 'llama-3.3-70b-versatile', input: 1000, output: 1000 })).toBeCloseTo(
      perMillion(1000 * 0.59 + 1000 * 0.79),
      12,
    );
  });

  test('cohere: no response model (Cohere returns none), priced from the request model', () => {
    // command-r-08-2024: $0.15 in, $0.60 out
    expect(
      cost({ provider: 'cohere', requestModel: 'command-r-08-2024', responseModel: '', input: 2000, output: 500 }),
    ).toBeCloseTo(perMillion(2000 * 0.15 + 500 * 0.6), 12);
  });

  test('cohere: alias command-r7b prices as command-r7b-12-2024', () => {
    expect(table.find('cohere', 'command-r7b')).toBe(table.find('cohere', 'command-r7b-12-2024'));
    expect(cost({ provider: 'cohere', requestModel: 'command-r7b', input: 1_000_000, output: 1_000_000 })).toBeCloseTo(
      0.0375 + 0.15,
      12,
    );
  });

  test('deepseek: deepseek-v4-pro with a cache hit', () => {
    // $0.435 miss, $0.003625 hit, $0.87 out
    expect(
      cost({ provider: 'deepseek', requestModel: 'deepseek-v4-pro', input: 100_000, cacheRead: 80_000, output: 5000 }),
    ).toBeCloseTo(perMillion(20_000 * 0.435 + 80_000 * 0.003625 + 5000 * 0.87), 12);
  });

  test('deepseek: legacy alias deepseek-reasoner prices as deepseek-v4-flash', () => {
    expect(table.find('deepseek', 'deepseek-reasoner')).toBe(table.find('deepseek', 'deepseek-v4-flash'));
    expect(cost({ provider: 'deepseek', requestModel: 'deepseek-chat', input: 1000, output: 1000 })).toBeCloseTo(
      perMillion(1000 * 0.14 + 1000 * 0.28),
      12,
    );
  });

  test('x_ai: grok-4.7 with cached input', () => {
    // $2 in, $0.50 cached, $6 out
    expect(
      cost({ provider: 'x_ai', requestModel: 'grok-4.7', input: 50_000, cacheRead: 40_000, output: 3000 }),
    ).toBeCloseTo(perMillion(10_000 * 2 + 40_000 * 0.5 + 3000 * 6), 12);
  });

  test('x_ai: -latest and dated snapshot spellings, and the grok-4.20 alias', () => {
    expect(table.find('x_ai', 'grok-4.3-latest')).toBe(table.find('x_ai', 'grok-4.3'));
    expect(table.find('x_ai', 'grok-code-fast-1-0825')).toBe(table.find('x_ai', 'grok-code-fast-1'));
    expect(table.find('x_ai', 'grok-4.20')).toBe(table.find('x_ai', 'grok-4.20-0309-reasoning'));
  });

  test('mistral_ai: a newly added model (Mistral Small 4) and a -latest alias', () => {
    expect(cost({ provider: 'mistral_ai', requestModel: 'mistral-small-2603', input: 1000, output: 1000 })).toBeCloseTo(
      perMillion(1000 * 0.15 + 1000 * 0.6),
      12,
    );
    expect(table.find('mistral_ai', 'ministral-8b-latest')).toBe(table.find('mistral_ai', 'ministral-8b-2512'));
    expect(table.find('mistral_ai', 'ministral-8b-latest')).not.toBe(table.find('mistral_ai', 'ministral-8b-2410'));
  });

  test('azure.ai.openai: no section; the response model takes the OpenAI price, the deployment name is ignored', () => {
    const call = {
      provider: 'azure.ai.openai',
      requestModel: 'prod-chat-eastus',
      responseModel: 'gpt-4o-2024-08-06',
      input: 1000,
      output: 500,
    };
    expect(table.find('azure.ai.openai', 'gpt-4o-2024-08-06')).toBe(table.find('openai', 'gpt-4o'));
    expect(cost(call)).toBeCloseTo(perMillion(1000 * 2.5 + 500 * 10), 12);
  });
});

describe('unpriced calls get cost_usd null', () => {
  test.each([
    ['groq', 'some-future-model-70b'],
    ['cohere', 'command-a-plus-05-2026'], // no per-token price found for Command A+
    ['deepseek', 'deepseek-v5'],
    ['x_ai', 'grok-9'],
    ['mistral_ai', 'mistral-tiny-9999'],
    ['azure.ai.openai', 'prod-chat-eastus'], // deployment name only, no response model
  ])('%s %s', (provider, model) => {
    expect(table.find(provider, model)).toBeNull();
    expect(cost({ provider, requestModel: model, input: 1000, output: 1000 })).toBeNull();
  });

  test.each(['llama3.2:3b', 'gpt-oss:20b', 'qwen3:32b', 'deepseek-r1:8b', 'mistral:latest'])(
    'ollama %s: self-hosted, no per-token price',
    (model) => {
      expect(cost({ provider: 'ollama', requestModel: model, input: 1000, output: 1000 })).toBeNull();
    },
  );
});
