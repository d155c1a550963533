import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { computeCost, loadPricing, PricingError } from '../../collector/src/processor/cost';

const SCHEMAS = join(__dirname, '../../collector/schemas');
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ai-audit-pricing-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
/** Writes a pricing file (an object, or raw text) and returns its path. */
function pricingFile(content: unknown): string {
  const path = join(dir, `pricing-${++fileCount}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const entry = (input: number, output: number) => ({
  input,
  output,
  cache_read: null,
  cache_write: null,
  as_of: '2026-11-27',
  source: 'https://example.com/pricing',
});

const minimal = (
  models: Record<string, Record<string, unknown>>,
  aliases?: Record<string, Record<string, string>>,
) => ({
  version: 1,
  updated: '2026-11-27',
  models,
  ...(aliases ? { aliases } : {}),
});

describe('schemas', () => {
  test('collector/schemas/pricing.json is valid against collector/schemas/pricing.schema.json', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    const validate = ajv.compile(readJson(join(SCHEMAS, 'pricing.schema.json')) as object);
    const valid = validate(readJson(join(SCHEMAS, 'pricing.json')));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('collector/schemas/pricing.json covers every provider the collector is asked to price', () => {
    const { models } = readJson(join(SCHEMAS, 'pricing.json')) as { models: Record<string, object> };
    expect(Object.keys(models)).toEqual(
      expect.arrayContaining(['openai', 'anthropic', 'gcp.gemini', 'mistral_ai', 'aws.bedrock']),
    );
  });

  test('processors.cost schema: defaults, accepted overrides, rejected keys', () => {
    // The same options as the collector's config validator.
    const ajv = new Ajv2020({ strict: true, useDefaults: true, coerceTypes: true });
    const validate = ajv.compile(
      readJson(join(__dirname, '../../collector/src/processor/cost/config.schema.json')) as object,
    );

    const empty: Record<string, unknown> = {};
    expect(validate(empty)).toBe(true);
    expect(empty).toEqual({ models: {} });

    expect(
      validate({
        pricing_file: 'prices.json',
        models: { 'prod-chat': { input: 2.5, output: 10, cache_read: 1.25, provider: 'azure.ai.openai' } },
      }),
    ).toBe(true);
    expect(validate({ models: { 'gpt-4o': { input: 2.5 } } })).toBe(false);
    expect(validate({ models: { 'gpt-4o': { input: 2.5, output: 10, price: 1 } } })).toBe(false);
    expect(validate({ models: { 'gpt-4o': { input: -1, output: 10 } } })).toBe(false);
    expect(validate({ pricing: 'x' })).toBe(false);
  });
});

describe('loadPricing', () => {
  test('loads the bundled table by default', () => {
    const table = loadPricing();
    expect(table.find('openai', 'gpt-4o')).toEqual({ input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: null });
  });

  test('reads another file given as argument or as pricing_file', () => {
    const path = pricingFile(minimal({ acme: { 'acme-1': entry(1, 2) } }));
    expect(loadPricing(path).find('acme', 'acme-1')?.output).toBe(2);
    expect(loadPricing(undefined, { pricing_file: path }).find('acme', 'acme-1')?.output).toBe(2);
    // The bundled models are not merged in.
    expect(loadPricing(path).find('openai', 'gpt-4o')).toBeNull();
  });

  test('searches the span provider first, then every provider in file order', () => {
    const path = pricingFile(minimal({ first: { shared: entry(1, 1) }, second: { shared: entry(2, 2) } }));
    const table = loadPricing(path);
    expect(table.find('second', 'shared')?.input).toBe(2);
    expect(table.find('unknown.provider', 'shared')?.input).toBe(1);
  });
});

describe('config overrides win over the file', () => {
  test('an override without provider applies to every provider', () => {
    const table = loadPricing(undefined, { models: { 'gpt-4o': { input: 1, output: 2 } } });
    expect(table.find('openai', 'gpt-4o-2024-08-06')).toEqual({
      input: 1,
      output: 2,
      cacheRead: null,
      cacheWrite: null,
    });
    expect(table.find('azure.ai.openai', 'gpt-4o')?.input).toBe(1);
  });

  test('an override with a provider applies to that provider only, and beats a provider-less one', () => {
    const table = loadPricing(undefined, {
      models: {
        'GPT-4o': { input: 1, output: 1 },
        'gpt-4o': { input: 9, output: 9, provider: 'openai' },
      },
    });
    expect(table.find('openai', 'gpt-4o')?.input).toBe(9);
    expect(table.find('anthropic', 'gpt-4o')?.input).toBe(1);
  });

  test('Azure deployment names can be priced by override', () => {
    const table = loadPricing(undefined, {
      models: { 'prod-chat': { input: 2.5, output: 10, cache_read: 1.25, provider: 'azure.ai.openai' } },
    });
    const cost = computeCost(table, {
      provider: 'azure.ai.openai',
      requestModel: 'prod-chat',
      responseModel: '',
      inputTokens: 1000,
      outputTokens: 100,
      cacheReadTokens: 200,
      cacheWriteTokens: null,
    });
    expect(cost).toBeCloseTo((800 * 2.5 + 200 * 1.25 + 100 * 10) / 1e6, 12);
  });

  test("an override for one provider leaves another provider's entry alone", () => {
    const table = loadPricing(undefined, {
      models: { 'gpt-4o': { input: 1, output: 1, provider: 'azure.ai.openai' } },
    });
    expect(table.find('azure.ai.openai', 'gpt-4o')?.input).toBe(1);
    expect(table.find('openai', 'gpt-4o')?.input).toBe(2.5);
  });

  test('an override reaches the aliases of its model, and Bedrock ids are keyed like spans', () => {
    const table = loadPricing(undefined, {
      models: {
        'gpt-5.6-sol': { input: 3, output: 15, provider: 'openai' },
        'us.anthropic.claude-sonnet-4-6': { input: 7, output: 7, provider: 'aws.bedrock' },
      },
    });
    expect(table.find('openai', 'gpt-5.6')?.input).toBe(3);
    expect(table.find('aws.bedrock', 'eu.anthropic.claude-sonnet-4-6-v1:0')?.input).toBe(7);
    expect(table.find('aws.bedrock', 'global.anthropic.claude-sonnet-4-6')?.input).toBe(3);
  });
});

describe('invalid pricing files fail with the file and the key', () => {
  const fails = (content: unknown, message: RegExp) => {
    const path = pricingFile(content);
    let caught: unknown;
    try {
      loadPricing(path);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PricingError);
    const text = (caught as Error).message;
    expect(text.startsWith(`pricing file ${path}: `)).toBe(true);
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  };

  test('missing file', () => {
    const path = join(dir, 'absent.json');
    expect(() => loadPricing(path)).toThrow(`pricing file ${path}: cannot be read (ENOENT)`);
  });

  test('malformed JSON', () => fails('{ "version": 1,', /not valid JSON/));

  test('wrong type', () =>
    fails(
      minimal({ openai: { 'gpt-x': { ...entry(1, 2), input: '1' } } }),
      /: models\.openai\.gpt-x\.input: must be number$/,
    ));

  test('negative price', () =>
    fails(minimal({ openai: { 'gpt-x': entry(-1, 2) } }), /models\.openai\.gpt-x\.input: must be >= 0/));

  test('missing price', () => {
    const { output: _output, ...withoutOutput } = entry(1, 2);
    fails(minimal({ openai: { 'gpt-x': withoutOutput } }), /models\.openai\.gpt-x\.output: is required/);
  });

  test('unknown key', () =>
    fails(
      minimal({ openai: { 'gpt-x': { ...entry(1, 2), cached: 0.5 } } }),
      /models\.openai\.gpt-x\.cached: unknown key/,
    ));

  test('model ids must be lowercase table keys', () =>
    fails(minimal({ openai: { 'GPT-X': entry(1, 2) } }), /models\.openai\.GPT-X: is not a valid key/));

  test('bad date', () =>
    fails(
      minimal({ openai: { 'gpt-x': { ...entry(1, 2), as_of: 'last week' } } }),
      /models\.openai\.gpt-x\.as_of: must match pattern/,
    ));

  test('missing top-level key', () =>
    fails({ version: 1, models: { openai: { 'gpt-x': entry(1, 2) } } }, /updated: is required/));

  test('alias to an unknown model', () =>
    fails(
      minimal({ openai: { 'gpt-x': entry(1, 2) } }, { openai: { 'gpt-y': 'gpt-z' } }),
      /aliases\.openai\.gpt-y: "gpt-z" is not a model of models\.openai/,
    ));
});
