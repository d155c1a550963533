export { isContentKey } from './content';
export { normalizeProcessorFactory } from './factory';
export { createNormalizer, type Normalizer } from './normalize';
