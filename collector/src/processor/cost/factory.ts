import { ConfigError } from '../../config/errors';
import { resolveConfigPath } from '../../config/load';
import type { ProcessorFactory } from '../../component/component';
import { computeCost } from './cost';
import { loadPricing, PricingError, type ModelPriceOverrides } from './pricing';
import configSchema from './config.schema.json';

/** The cost processor: cost_usd for each record from its model and token counts. */
export const costProcessorFactory: ProcessorFactory = {
  type: 'cost',
  configSchema,
  create(config, context) {
    const overrides = config as ModelPriceOverrides;
    const file =
      overrides.pricing_file === undefined ? undefined : resolveConfigPath(context.loaded, overrides.pricing_file);
    let table;
    try {
      table = loadPricing(file, overrides);
    } catch (error) {
      if (error instanceof PricingError) throw new ConfigError(`processors.${context.id}`, error.message);
      throw error;
    }
    return {
      process(batch) {
        for (const record of batch.records) {
          record.cost_usd = computeCost(table, {
            provider: record.provider,
            requestModel: record.request_model,
            responseModel: record.response_model,
            inputTokens: record.input_tokens,
            outputTokens: record.output_tokens,
            cacheReadTokens: record.cache_read_tokens,
            cacheWriteTokens: record.cache_write_tokens,
          });
        }
      },
    };
  },
};
