import type { NormalizeProcessorConfig } from '../../config/types';
import type { Factory, Processor } from '../../component/component';
import { createNormalizer } from './normalize';

/** The normalize processor: fills the batch's records from its spans. */
export const normalizeProcessorFactory: Factory<Processor> = {
  type: 'normalize',
  create(config) {
    const normalize = createNormalizer(config as NormalizeProcessorConfig);
    return {
      process(batch) {
        const result = normalize(batch.tenantId, batch.traces);
        batch.records = result.records;
        batch.dropped = result.dropped;
        batch.rejected = result.rejected;
        batch.rejectReason = result.rejectReason;
      },
    };
  },
};
