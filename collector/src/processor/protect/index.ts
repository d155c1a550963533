export { envelopeKeyId, EnvelopeError, open, seal, type SealTarget } from './envelope';
export { canonical, contentHash, promptText, responseText } from './hash';
export { ProtectProcessor, protectProcessorFactory } from './processor';
