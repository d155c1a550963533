import type { ContentCapture } from '../config';
import { AiSdkInstrumentation } from './ai-sdk';
import { AnthropicInstrumentation } from './anthropic';
import type { AuditInstrumentation } from './base';
import { BedrockRuntimeInstrumentation } from './bedrock-runtime';
import { CohereInstrumentation } from './cohere';
import { GoogleGenAIInstrumentation } from './google-genai';
import { GroqInstrumentation } from './groq';
import { LangChainInstrumentation } from './langchain';
import { McpInstrumentation } from './mcp';
import { MistralInstrumentation } from './mistral';
import { OllamaInstrumentation } from './ollama';
import { OpenAIInstrumentation } from './openai';
import { OpenAIAgentsInstrumentation } from './openai-agents';

const INSTRUMENTATIONS = [
  OpenAIInstrumentation,
  AnthropicInstrumentation,
  GoogleGenAIInstrumentation,
  BedrockRuntimeInstrumentation,
  GroqInstrumentation,
  MistralInstrumentation,
  OllamaInstrumentation,
  CohereInstrumentation,
  // Frameworks over the SDKs above: their steps (agents, tools, workflows) around model calls.
  AiSdkInstrumentation,
  LangChainInstrumentation,
  OpenAIAgentsInstrumentation,
  McpInstrumentation,
];

/** The client libraries the hook patches (also the ESM loader's include list). */
export const INSTRUMENTED_MODULES: readonly string[] = INSTRUMENTATIONS.map(
  (Instrumentation) => Instrumentation.module,
);

export function createInstrumentations(capture: ContentCapture, metrics: boolean): AuditInstrumentation[] {
  return INSTRUMENTATIONS.map((Instrumentation) => new Instrumentation({ capture, metrics }));
}
