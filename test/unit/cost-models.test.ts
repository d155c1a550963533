import { loadPricing } from '../../collector/src/processor/cost';

const table = loadPricing();
const price = (provider: string, model: string) => table.find(provider, model);

describe('model id matching', () => {
  test.each([
    ['openai', 'gpt-4o-2024-08-06', 'gpt-4o'],
    ['openai', 'GPT-4o', 'gpt-4o'],
    ['openai', 'gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini'],
    ['openai', 'o3-mini-2025-01-31', 'o3-mini'],
    ['openai', 'gpt-6.1-sol-2026-09-29', 'gpt-6.1-sol'],
    ['openai', 'openai/gpt-5.4', 'gpt-5.4'],
    ['anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['anthropic', 'claude-opus-4-20250514', 'claude-opus-4'],
    ['anthropic', 'claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['anthropic', 'claude-sonnet-4.6', 'claude-sonnet-4-6'],
    ['gcp.vertex_ai', 'claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    [
      'gcp.vertex_ai',
      'projects/p/locations/us-east5/publishers/anthropic/models/claude-haiku-4-5@20251001',
      'claude-haiku-4-5',
    ],
    ['gcp.gemini', 'models/gemini-2.5-flash', 'gemini-2.5-flash'],
    ['gcp.vertex_ai', 'gemini-2.0-flash-001', 'gemini-2.0-flash'],
    ['mistral_ai', 'mistral-medium-3-5-26-04', 'mistral-medium-3-5'],
  ])('%s %s is priced as %s', (provider, model, key) => {
    expect(price(provider, model)).not.toBeNull();
    expect(price(provider, model)).toBe(price(provider, key));
  });

  test('aliases name the same price as their model', () => {
    expect(price('openai', 'gpt-5.6')).toBe(price('openai', 'gpt-5.6-sol'));
    expect(price('anthropic', 'claude-opus-4-0')).toBe(price('anthropic', 'claude-opus-4'));
    expect(price('mistral_ai', 'mistral-medium-latest')).toBe(price('mistral_ai', 'mistral-medium-3-5'));
    expect(price('mistral_ai', 'codestral-latest')).toBe(price('mistral_ai', 'codestral-2508'));
  });

  test.each([
    'gpt-4o-audio-preview', // another model of the gpt-4o family
    'gpt-4o-mini-search-preview',
    'o1-mini',
    'gpt-4',
    'claude-sonnet-5-6', // a future version must not take claude-sonnet-5's price
    'claude-opus-4-9',
    'gemini-2.5-flash-image',
    'foo-gpt-4o',
    'my-company-gpt-4o',
    'prod-chat-eastus',
    '',
  ])('%p is unknown (no loose matching)', (model) => {
    expect(price('openai', model)).toBeNull();
  });
});

describe('Bedrock model ids', () => {
  test('revision suffixes, dates and geographic profiles resolve to the in-Region rate', () => {
    const inRegion = price('aws.bedrock', 'anthropic.claude-haiku-4-5');
    expect(inRegion?.input).toBeCloseTo(1.1, 12);
    for (const id of [
      'anthropic.claude-haiku-4-5-20251001-v1:0',
      'us.anthropic.claude-haiku-4-5-20251001-v1:0',
      'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
      'apac.anthropic.claude-haiku-4-5-20251001-v1:0',
      'jp.anthropic.claude-haiku-4-5-20251001-v1:0',
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0',
    ]) {
      expect(price('aws.bedrock', id)).toBe(inRegion);
    }
  });

  test('global. profiles have their own rate', () => {
    expect(price('aws.bedrock', 'global.anthropic.claude-haiku-4-5-20251001-v1:0')?.input).toBeCloseTo(1, 12);
    expect(price('aws.bedrock', 'global.anthropic.claude-sonnet-5-5')?.input).toBeCloseTo(2, 12);
  });

  test('a global. profile without a global rate falls back to the in-Region rate', () => {
    expect(price('aws.bedrock', 'global.anthropic.claude-opus-4-1-20250805-v1:0')).toBe(
      price('aws.bedrock', 'anthropic.claude-opus-4-1'),
    );
  });

  test('ids without revision, foundation-model ARNs, other vendors', () => {
    expect(price('aws.bedrock', 'anthropic.claude-opus-4-6-v1')).toBe(
      price('aws.bedrock', 'anthropic.claude-opus-4-6'),
    );
    expect(
      price('aws.bedrock', 'arn:aws:bedrock:us-west-2::foundation-model/meta.llama4-scout-17b-instruct-v1:0')?.output,
    ).toBeCloseTo(0.66, 12);
    expect(price('aws.bedrock', 'amazon.nova-2-pro-preview-20251202-v1:0')?.input).toBeCloseTo(1.375, 12);
    expect(price('aws.bedrock', 'openai.gpt-oss-120b-1:0')?.input).toBeCloseTo(0.15, 12);
    expect(price('aws.bedrock', 'cohere.command-r-plus-v1:0')?.output).toBeCloseTo(15, 12);
    expect(price('aws.bedrock', 'mistral.mixtral-8x7b-instruct-v0:1')).toBeNull();
  });

  test('a Claude model without a Bedrock row is priced from Anthropic', () => {
    expect(price('aws.bedrock', 'anthropic.claude-3-haiku-20240307-v1:0')).toBe(price('anthropic', 'claude-3-haiku'));
  });

  test('lookups repeat from the memo with the same answer', () => {
    const first = price('aws.bedrock', 'us.anthropic.claude-sonnet-4-6');
    expect(price('aws.bedrock', 'us.anthropic.claude-sonnet-4-6')).toBe(first);
    expect(first?.input).toBeCloseTo(3.3, 12);
  });
});
