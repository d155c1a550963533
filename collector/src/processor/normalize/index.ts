export { isContentKey } from './content';
export { normalizeProcessorFactory } from './factory';
export { createNormalizer, type NormalizeResult, type Normalizer } from './normalize';
