export { computeCost, type TokenUsage } from './cost';
export { costProcessorFactory } from './factory';
export { loadPricing, PricingError, type ModelPriceOverride, type ModelPriceOverrides } from './pricing';
export { PricingTable, type ModelPrice } from './table';
