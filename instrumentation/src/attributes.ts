import type { Attributes, AttributeValue } from '@opentelemetry/api';

/** Attributes as providers and frameworks describe them: missing values are simply skipped. */
export type AttributeMap = Record<string, AttributeValue | undefined | null>;

/**
 * Sets one attribute, skipping a missing or non-finite value. Called key by key rather than
 * with object literals: this runs on every LLM call, where each literal is garbage.
 */
export function put(target: Attributes, key: string, value: AttributeValue | undefined | null): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'number' && !Number.isFinite(value)) return;
  target[key] = value;
}

export function setAll(target: Attributes, source: AttributeMap | undefined): void {
  if (!source) return;
  for (const key in source) put(target, key, source[key]);
}
