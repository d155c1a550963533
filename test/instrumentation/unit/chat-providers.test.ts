/** Mapping rules of the groq, Mistral, Ollama and Cohere providers that the app runs do not reach. */
import { cohereResult } from '../../../instrumentation/src/providers/cohere-format';
import { groqErrorType } from '../../../instrumentation/src/providers/groq';
import { mistralContent, mistralErrorType } from '../../../instrumentation/src/providers/mistral-format';
import { ollamaAttributes } from '../../../instrumentation/src/providers/ollama-format';

test('Groq: the error code of an HTTP error (whole body kept) and of an error sent inside a stream', () => {
  expect(groqErrorType({ error: { error: { type: 'invalid_request_error', code: 'model_not_found' } } })).toBe(
    'model_not_found',
  );
  expect(groqErrorType({ error: { type: 'internal_server_error', message: 'stream failed' } })).toBe(
    'internal_server_error',
  );
  expect(groqErrorType(new Error('connection reset'))).toBeUndefined();
});

test("Mistral: error.type from the API's JSON body only", () => {
  expect(mistralErrorType({ body: '{"object":"error","type":"invalid_model","code":"1500"}' })).toBe('invalid_model');
  expect(mistralErrorType({ body: '<html>Bad gateway</html>' })).toBeUndefined();
  expect(mistralErrorType({ body: '{"message":"Unauthorized"}' })).toBeUndefined();
});

test('Mistral: camelCase image chunks and parsed tool arguments read as on the wire', () => {
  const { input } = mistralContent({
    messages: [
      { role: 'user', content: [{ type: 'image_url', imageUrl: 'https://example.com/cat.png' }] },
      { role: 'assistant', toolCalls: [{ id: 'c1', function: { name: 'f', arguments: { a: 1 } } }] },
      { role: 'tool', toolCallId: 'c1', content: 'done' },
    ],
  });
  expect(input).toEqual([
    { role: 'user', parts: [{ type: 'uri', mime_type: null, modality: 'image', uri: 'https://example.com/cat.png' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: { a: 1 } }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'done' }] },
  ]);
});

test('Ollama: num_predict -1 (no limit) and -2 (fill the context) are not max tokens', () => {
  const maxTokens = (num_predict: number) =>
    ollamaAttributes({ options: { num_predict } })['gen_ai.request.max_tokens'];
  expect([maxTokens(-1), maxTokens(-2), maxTokens(128)]).toEqual([undefined, undefined, 128]);
});

test('Cohere: billed units stand in for token counts when those are absent', () => {
  const usage = (value: unknown) => cohereResult({ usage: value }).usage;
  expect(usage({ billedUnits: { inputTokens: 7, outputTokens: 9 } })).toEqual({
    input: 7,
    output: 9,
    cacheRead: undefined,
  });
  expect(
    usage({ billedUnits: { inputTokens: 7, outputTokens: 9 }, tokens: { inputTokens: 230, outputTokens: 9 } }),
  ).toEqual({ input: 230, output: 9, cacheRead: undefined });
});
