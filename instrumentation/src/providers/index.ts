import type { ContentCapture } from '../config';
import { AnthropicInstrumentation } from './anthropic';
import type { AuditInstrumentation } from './base';
import { BedrockRuntimeInstrumentation } from './bedrock-runtime';
import { GoogleGenAIInstrumentation } from './google-genai';
import { OpenAIInstrumentation } from './openai';

const INSTRUMENTATIONS = [
  OpenAIInstrumentation,
  AnthropicInstrumentation,
  GoogleGenAIInstrumentation,
  BedrockRuntimeInstrumentation,
];

/** The client libraries the hook patches (also the ESM loader's include list). */
export const INSTRUMENTED_MODULES: readonly string[] = INSTRUMENTATIONS.map(
  (Instrumentation) => Instrumentation.module,
);

export function createInstrumentations(capture: ContentCapture, metrics: boolean): AuditInstrumentation[] {
  return INSTRUMENTATIONS.map((Instrumentation) => new Instrumentation({ capture, metrics }));
}
