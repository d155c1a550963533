export { ProtectProcessor, protectProcessorFactory } from './processor';
