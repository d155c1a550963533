import type { NormalizeProcessorConfig } from '../../config/types';
import type { MadeRecords, ProcessorFactory, RecordMaker } from '../../component/component';
import type { LogsExport } from '../../model/logs';
import type { TraceExport } from '../../model/traces';
import { createNormalizer, type Normalizer } from './normalize';
import configSchema from './config.schema.json';

/** The normalize processor, every pipeline's entry: GenAI spans of any dialect, and GenAI events, become records. */
export class NormalizeProcessor implements RecordMaker {
  private readonly normalize: Normalizer;

  constructor(config: NormalizeProcessorConfig) {
    this.normalize = createNormalizer(config);
  }

  makeRecords(tenantId: string, traces: TraceExport): MadeRecords {
    return this.normalize.spans(tenantId, traces);
  }

  makeEventRecords(tenantId: string, logs: LogsExport): MadeRecords {
    return this.normalize.events(tenantId, logs);
  }
}

export const normalizeProcessorFactory: ProcessorFactory = {
  type: 'normalize',
  configSchema,
  // Makes the records every later processor works on.
  position: 'first',
  create: (config) => new NormalizeProcessor(config as NormalizeProcessorConfig),
};
