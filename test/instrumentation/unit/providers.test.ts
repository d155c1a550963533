/** The mapping rules that are easiest to see on their own: provider names, service tiers, token arithmetic. */
import { anthropicResult, anthropicUsage } from '../../../instrumentation/src/providers/anthropic-format';
import { converseResult } from '../../../instrumentation/src/providers/bedrock-format';
import {
  geminiErrorType,
  geminiMessages,
  geminiResult,
} from '../../../instrumentation/src/providers/google-genai-format';
import { openAiProvider } from '../../../instrumentation/src/providers/openai';
import { chatAttributes, chatResult } from '../../../instrumentation/src/providers/openai-format';

test.each([
  ['https://api.openai.com/v1', 'openai'],
  ['https://my-resource.openai.azure.com/openai', 'azure.ai.openai'],
  ['https://my-resource.cognitiveservices.azure.com/openai/v1', 'azure.ai.openai'],
  ['https://my-project.services.ai.azure.com/models', 'azure.ai.inference'],
  ['https://api.deepseek.com', 'deepseek'],
  ['https://api.groq.com/openai/v1', 'groq'],
  ['https://api.x.ai/v1', 'x_ai'],
  ['https://api.mistral.ai/v1', 'mistral_ai'],
  ['https://api.perplexity.ai', 'perplexity'],
  ['https://generativelanguage.googleapis.com/v1beta/openai/', 'gcp.gemini'],
  ['https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/l/endpoints/openapi', 'gcp.vertex_ai'],
  ['https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1', 'aws.bedrock'],
  ['https://api.anthropic.com/v1/', 'anthropic'],
  ['http://localhost:11434/v1', 'openai'],
  [undefined, 'openai'],
])('openai client at %s is provider %s', (baseURL, provider) => {
  expect(openAiProvider(baseURL, false)).toBe(provider);
});

test('an AzureOpenAI client is azure.ai.openai wherever it points', () => {
  expect(openAiProvider('http://127.0.0.1:8080', true)).toBe('azure.ai.openai');
});

test('OpenAI service tiers are recorded unless they are the usual one (auto asked, default served)', () => {
  const requested = (service_tier?: string) => chatAttributes({ service_tier })['openai.request.service_tier'];
  const served = (service_tier?: string) => chatResult({ service_tier }).attributes?.['openai.response.service_tier'];
  expect([requested('auto'), requested('priority'), requested()]).toEqual([undefined, 'priority', undefined]);
  expect([served('default'), served('flex'), served()]).toEqual([undefined, 'flex', undefined]);
});

test('results leave out the output messages when content is not captured', () => {
  const chat = { choices: [{ message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] };
  expect(chatResult(chat, false)).toMatchObject({ finishReasons: ['stop'], output: undefined });
  expect(chatResult(chat, true).output).toEqual([
    { role: 'assistant', parts: [{ type: 'text', content: 'hi' }], finish_reason: 'stop' },
  ]);
  const message = { role: 'assistant', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn' };
  expect(anthropicResult(message, false)).toMatchObject({ finishReasons: ['end_turn'], output: undefined });
  expect(anthropicResult(message, true).output).toHaveLength(1);
});

test('Anthropic: input tokens are input + cache reads + cache writes', () => {
  expect(
    anthropicUsage({ input_tokens: 3, cache_read_input_tokens: 50, cache_creation_input_tokens: 7, output_tokens: 9 }),
  ).toEqual({
    input: 60,
    output: 9,
    cacheRead: 50,
    cacheWrite: 7,
  });
  expect(anthropicUsage({ input_tokens: 3, output_tokens: 1 })).toEqual({
    input: 3,
    output: 1,
    cacheRead: undefined,
    cacheWrite: undefined,
  });
});

test('Gemini: prompt already includes cached tokens; output adds thoughts; tool-use prompt counts as input', () => {
  const result = geminiResult({
    candidates: [
      {
        content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'answer' }] },
        finishReason: 'MAX_TOKENS',
      },
    ],
    usageMetadata: {
      promptTokenCount: 100,
      toolUsePromptTokenCount: 10,
      cachedContentTokenCount: 40,
      candidatesTokenCount: 20,
      thoughtsTokenCount: 30,
    },
  });
  expect(result.usage).toEqual({ input: 110, output: 50, cacheRead: 40, reasoning: 30 });
  expect(result.finishReasons).toEqual(['max_tokens']);
  expect(result.output).toEqual([
    {
      role: 'assistant',
      parts: [
        { type: 'reasoning', content: 'thinking…' },
        { type: 'text', content: 'answer' },
      ],
      finish_reason: 'length',
    },
  ]);
});

test('Gemini contents in every accepted form', () => {
  const user = (parts: unknown[]) => [{ role: 'user', parts }];
  expect(geminiMessages('hi')).toEqual(user([{ type: 'text', content: 'hi' }]));
  expect(geminiMessages(['a', { text: 'b' }])).toEqual(
    user([
      { type: 'text', content: 'a' },
      { type: 'text', content: 'b' },
    ]),
  );
  expect(geminiMessages({ inlineData: { mimeType: 'image/png', data: 'AAAA' } })).toEqual(
    user([{ type: 'blob', mime_type: 'image/png', modality: 'image', content: 'AAAA' }]),
  );
  expect(
    geminiMessages([{ role: 'model', parts: [{ fileData: { mimeType: 'video/mp4', fileUri: 'gs://b/v.mp4' } }] }]),
  ).toEqual([
    { role: 'assistant', parts: [{ type: 'uri', mime_type: 'video/mp4', modality: 'video', uri: 'gs://b/v.mp4' }] },
  ]);
});

test('Gemini error type is the RPC status from the body the SDK puts in the message', () => {
  expect(geminiErrorType({ message: '{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}' })).toBe(
    'RESOURCE_EXHAUSTED',
  );
  expect(geminiErrorType({ message: 'fetch failed' })).toBeUndefined();
});

test('Bedrock Converse: inputTokens excludes cache reads and writes, so they are added', () => {
  const result = converseResult({
    output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
    stopReason: 'max_tokens',
    usage: { inputTokens: 5, outputTokens: 2, cacheReadInputTokens: 10, cacheWriteInputTokens: 1 },
  });
  expect(result.usage).toEqual({ input: 16, output: 2, cacheRead: 10, cacheWrite: 1 });
  expect(result.output?.[0]?.finish_reason).toBe('length');
});
