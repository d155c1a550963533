import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { joinPath } from '../../config/errors';
import { schemasDir } from '../../paths';
import { lookupIds } from './model-id';
import { PricingTable, type ModelPrice } from './table';
import { InvalidInputError } from '../../model/errors';

/** One entry of processors.cost.models (collector/src/processor/cost/config.schema.json). */
export interface ModelPriceOverride {
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
  provider?: string;
}

/** processors.cost in the collector config. */
export interface ModelPriceOverrides {
  pricing_file?: string;
  models?: Record<string, ModelPriceOverride>;
}

/** A pricing file that cannot be used; the message names the file and the offending key. */
export class PricingError extends InvalidInputError {}

/** collector/schemas/pricing.json as validated by collector/schemas/pricing.schema.json. */
interface PricingFile {
  models: Record<string, Record<string, FilePrice>>;
  aliases?: Record<string, Record<string, string>>;
}

interface FilePrice {
  input: number;
  output: number;
  cache_read: number | null;
  cache_write: number | null;
}

/**
 * Loads a price table: `file`, else `overrides.pricing_file`, else the repository's
 * collector/schemas/pricing.json. Prices in `overrides.models` win over the file's: those with a
 * provider replace that provider's entry, the others apply to every provider.
 */
export function loadPricing(file?: string, overrides: ModelPriceOverrides = {}): PricingTable {
  const path = resolve(file ?? overrides.pricing_file ?? join(schemasDir(), 'pricing.json'));
  const data = readPricingFile(path);

  const byProvider = new Map<string, Map<string, ModelPrice>>();
  for (const [provider, models] of Object.entries(data.models)) {
    byProvider.set(provider, new Map(Object.entries(models).map(([id, price]) => [id, fromFile(price)])));
  }
  applyOverrides(byProvider, overrides.models ?? {});
  // After the overrides, so an alias of an overridden model gets the overriding price.
  for (const [provider, aliases] of Object.entries(data.aliases ?? {})) {
    const models = byProvider.get(provider);
    for (const [alias, target] of Object.entries(aliases)) {
      const price = models?.get(target);
      if (!models || !price)
        throw new PricingError(
          `pricing file ${path}: aliases.${provider}.${alias}: "${target}" is not a model of models.${provider}`,
        );
      models.set(alias, price);
    }
  }
  return new PricingTable(byProvider);
}

function fromFile(price: FilePrice): ModelPrice {
  return { input: price.input, output: price.output, cacheRead: price.cache_read, cacheWrite: price.cache_write };
}

function applyOverrides(
  byProvider: Map<string, Map<string, ModelPrice>>,
  overrides: Record<string, ModelPriceOverride>,
): void {
  const entries = Object.entries(overrides).map(([model, o]) => ({
    // Keyed as a span's model is looked up: case, paths, Bedrock revisions and geographic prefixes dropped.
    id: lookupIds(model)[0],
    provider: o.provider,
    price: { input: o.input, output: o.output, cacheRead: o.cache_read ?? null, cacheWrite: o.cache_write ?? null },
  }));
  // Provider-less first, so an override naming the provider wins for that provider.
  for (const { id, provider, price } of entries) {
    if (provider === undefined) for (const models of byProvider.values()) models.set(id, price);
  }
  for (const { id, provider, price } of entries) {
    if (provider === undefined) continue;
    let models = byProvider.get(provider);
    if (!models) byProvider.set(provider, (models = new Map()));
    models.set(id, price);
  }
}

function readPricingFile(path: string): PricingFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PricingError(
      `pricing file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PricingError(`pricing file ${path}: not valid JSON (${(error as Error).message})`);
  }
  const validate = validator();
  if (!validate(data)) throw new PricingError(`pricing file ${path}: ${describe((validate.errors ?? [])[0])}`);
  return data as PricingFile;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  // Union types (`number | null` cache prices) are deliberate in this schema.
  const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
  compiled = ajv.compile(JSON.parse(readFileSync(join(schemasDir(), 'pricing.schema.json'), 'utf8')));
  return compiled;
}

/** `<key path>: <reason>` for the first schema violation. */
function describe(error: ErrorObject | undefined): string {
  if (!error) return 'invalid';
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((parent, key) => joinPath(parent, key), '');
  const params = error.params as Record<string, unknown>;
  if (error.propertyName !== undefined)
    return `${joinPath(path, error.propertyName)}: is not a valid key (${error.message ?? 'invalid'})`;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${joinPath(path, String(params.additionalProperty))}: unknown key`;
    case 'required':
      return `${joinPath(path, String(params.missingProperty))}: is required`;
    default:
      return `${path || '(top level)'}: ${error.message ?? 'invalid'}`;
  }
}
