import type { NormalizeProcessorConfig } from '../../config/types';
import type { ProcessorFactory } from '../../component/component';
import { createNormalizer } from './normalize';
import configSchema from './config.schema.json';

/** The normalize processor, every pipeline's entry: GenAI spans of any dialect become records. */
export const normalizeProcessorFactory: ProcessorFactory = {
  type: 'normalize',
  configSchema,
  // Makes the records every later processor works on.
  position: 'first',
  create(config) {
    const makeRecords = createNormalizer(config as NormalizeProcessorConfig);
    return { makeRecords };
  },
};
