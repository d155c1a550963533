export { JoinProcessor, joinProcessorFactory } from './processor';
