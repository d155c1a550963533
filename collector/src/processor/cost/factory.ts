import { ConfigError } from '../../config/errors';
import { resolveConfigPath } from '../../config/load';
import type { BuildContext, Processor, ProcessorFactory, RecordBatch } from '../../component/component';
import { computeCost } from './cost';
import { loadPricing, PricingError, type ModelPriceOverrides } from './pricing';
import type { PricingTable } from './table';
import configSchema from './config.schema.json';

/** The cost processor: cost_usd for each record from its model and token counts. */
export class CostProcessor implements Processor {
  private readonly table: PricingTable;

  constructor(overrides: ModelPriceOverrides, context: Pick<BuildContext, 'id' | 'loaded'>) {
    // pricing_file is relative to the config file, which only the build context knows.
    const file =
      overrides.pricing_file === undefined ? undefined : resolveConfigPath(context.loaded, overrides.pricing_file);
    try {
      this.table = loadPricing(file, overrides);
    } catch (error) {
      if (error instanceof PricingError) throw new ConfigError(`processors.${context.id}`, error.message);
      throw error;
    }
  }

  process(batch: RecordBatch): void {
    for (const record of batch.records) {
      record.cost_usd = computeCost(this.table, {
        provider: record.provider,
        requestModel: record.request_model,
        responseModel: record.response_model,
        inputTokens: record.input_tokens,
        outputTokens: record.output_tokens,
        cacheReadTokens: record.cache_read_tokens,
        cacheWriteTokens: record.cache_write_tokens,
      });
    }
  }
}

export const costProcessorFactory: ProcessorFactory = {
  type: 'cost',
  configSchema,
  create: (config, context) => new CostProcessor(config as ModelPriceOverrides, context),
};
