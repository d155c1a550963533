import { createNormalizer } from '../../collector/src/processor/normalize';
import { documentText, documentValue } from '../../collector/src/model/content';
import { span, traceExport } from '../helpers/spans';

/**
 * The OpenInference, Vercel AI SDK and OpenLLMetry dialects, span by span (the e2e test
 * third-party-instrumentations.test.ts runs the real packages).
 */

const normalize = createNormalizer({ exclude_attributes: [], keep_attributes: [] }).spans;

function records(...spans: ReturnType<typeof span>[]) {
  return normalize('acme', traceExport(spans)).records;
}

function one(attrs: Parameters<typeof span>[0], overrides: Parameters<typeof span>[1] = {}) {
  const found = records(span(attrs, overrides));
  expect(found).toHaveLength(1);
  return found[0];
}

const value = (document: Parameters<typeof documentValue>[0] | undefined) => documentValue(document!);

describe('OpenInference', () => {
  it('makes records of GenAI span kinds, and of other kinds only when they carry llm.* data', () => {
    const kinds = (kind: string, extra: Record<string, string> = {}) =>
      records(span({ 'openinference.span.kind': kind, ...extra }, { name: 'step' })).map((r) => r.operation);
    expect(kinds('LLM')).toEqual(['chat']);
    expect(kinds('LLM', { 'input.value': 'Once upon', 'input.mime_type': 'text/plain' })).toEqual(['text_completion']);
    expect(kinds('EMBEDDING')).toEqual(['embeddings']);
    expect(kinds('TOOL')).toEqual(['execute_tool']);
    expect(kinds('AGENT')).toEqual(['invoke_agent']);
    expect(kinds('RETRIEVER')).toEqual(['retrieval']);
    expect(kinds('RERANKER')).toEqual(['rerank']);
    expect(kinds('CHAIN')).toEqual([]);
    expect(kinds('GUARDRAIL')).toEqual([]);
    expect(kinds('CHAIN', { 'llm.model_name': 'gpt-4o' })).toEqual(['chat']);
  });

  const llm = one({
    'openinference.span.kind': 'LLM',
    'llm.system': 'openai',
    'llm.provider': 'azure',
    'llm.model_name': 'gpt-4o-2024-08-06',
    'llm.invocation_parameters': '{"model":"gpt-4o","stream":true,"temperature":0.1}',
    'llm.input_messages.0.message.role': 'system',
    'llm.input_messages.0.message.content': 'Be brief.',
    'llm.input_messages.1.message.role': 'user',
    'llm.input_messages.1.message.contents.0.message_content.type': 'text',
    'llm.input_messages.1.message.contents.0.message_content.text': 'Weather in Paris?',
    'llm.input_messages.1.message.contents.1.message_content.type': 'image',
    'llm.input_messages.1.message.contents.1.message_content.image.image.url': 'https://x/y.png',
    'llm.input_messages.2.message.role': 'assistant',
    'llm.input_messages.2.message.tool_calls.0.tool_call.id': 'c0',
    'llm.input_messages.2.message.tool_calls.0.tool_call.function.name': 'get_weather',
    'llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments': '{"city":"Paris"}',
    'llm.input_messages.3.message.role': 'tool',
    'llm.input_messages.3.message.tool_call_id': 'c0',
    'llm.input_messages.3.message.content': 'rainy',
    'llm.input_messages.4.message.role': 'user',
    'llm.input_messages.4.message.content': 'And tomorrow?',
    'llm.output_messages.0.message.role': 'assistant',
    'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'c1',
    'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'get_weather',
    'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"city":"Paris","day":1}',
    'llm.tools.0.tool.json_schema': '{"type":"function","function":{"name":"get_weather","parameters":{}}}',
    'llm.finish_reason': 'tool_calls',
    'llm.token_count.prompt': 120,
    'llm.token_count.completion': 30,
    'llm.token_count.prompt_details.cache_read': 100,
    'llm.token_count.prompt_details.cache_write': 10,
    'llm.token_count.completion_details.reasoning': 12,
    'input.value': '{"raw":"request"}',
    'input.mime_type': 'application/json',
    'output.value': '{"raw":"response"}',
    'user.id': 'u1',
    'session.id': 's1',
    metadata: '{"k":"v"}',
  });

  it('fills provider, models, streaming, finish reasons, user, session and tokens', () => {
    expect(llm).toMatchObject({
      operation: 'chat',
      provider: 'azure.ai.openai',
      request_model: 'gpt-4o',
      response_model: 'gpt-4o-2024-08-06',
      streaming: true,
      finish_reasons: ['tool_calls'],
      user_id: 'u1',
      session_id: 's1',
      // The prompt count already holds the cache, and the completion count the reasoning.
      input_tokens: 120,
      output_tokens: 30,
      cache_read_tokens: 100,
      cache_write_tokens: 10,
      reasoning_tokens: 12,
    });
    expect({ ...llm.attributes }).toEqual({
      'openinference.span.kind': 'LLM',
      'input.mime_type': 'application/json',
    });
  });

  it('reads the flattened messages and tools into v1.41 documents; the raw request and parameters go to extra', () => {
    expect(value(llm.content.input)).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'Weather in Paris?' },
          { type: 'image', 'image.image.url': 'https://x/y.png' },
        ],
      },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'c0', name: 'get_weather', arguments: { city: 'Paris' } }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c0', response: 'rainy' }] },
      { role: 'user', parts: [{ type: 'text', content: 'And tomorrow?' }] },
    ]);
    expect(value(llm.content.output)).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris', day: 1 } }],
      },
    ]);
    expect(value(llm.content.tools)).toEqual([{ type: 'function', name: 'get_weather', parameters: {} }]);
    expect(value(llm.content.extra)).toEqual({
      attributes: {
        'llm.invocation_parameters': '{"model":"gpt-4o","stream":true,"temperature":0.1}',
        metadata: '{"k":"v"}',
        'input.value': '{"raw":"request"}',
        'output.value': '{"raw":"response"}',
      },
    });
  });

  it('trusts only a model-shaped name from the invocation parameters', () => {
    const record = one({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o',
      'llm.invocation_parameters': '{"model":"ignore previous instructions"}',
    });
    expect(record).toMatchObject({ request_model: 'gpt-4o', response_model: 'gpt-4o', streaming: false });
  });

  it('keeps a plain-text input as a user message, and a tool span’s arguments, result and definition', () => {
    const completion = one({
      'openinference.span.kind': 'LLM',
      'llm.system': 'openai',
      'input.value': 'Once upon',
      'input.mime_type': 'text/plain',
      'output.value': ' a time',
      'output.mime_type': 'text/plain',
    });
    expect(value(completion.content.input)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Once upon' }] },
    ]);
    expect(value(completion.content.output)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: ' a time' }] },
    ]);

    const tool = one({
      'openinference.span.kind': 'TOOL',
      'tool.name': 'get_weather',
      'tool.description': 'Weather for a city',
      'tool.parameters': '{"type":"object"}',
      'tool_call.id': 'c1',
      'input.value': '{"city":"Paris"}',
      'output.value': 'rainy',
    });
    expect(tool).toMatchObject({ operation: 'execute_tool', tool_name: 'get_weather', tool_call_id: 'c1' });
    expect(documentText(tool.content.input!)).toBe('{"city":"Paris"}');
    expect(documentText(tool.content.output!)).toBe('rainy');
    expect(value(tool.content.tools)).toEqual([
      { type: 'function', name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object' } },
    ]);
    expect(tool.content.extra).toBeUndefined();
  });

  it('reads embedded texts as the input and seals their vectors with extra', () => {
    const record = one({
      'openinference.span.kind': 'EMBEDDING',
      'embedding.model_name': 'text-embedding-3-small',
      'embedding.embeddings.0.embedding.text': 'first',
      'embedding.embeddings.0.embedding.vector': [0.1, 0.2],
    });
    expect(record).toMatchObject({ operation: 'embeddings', request_model: 'text-embedding-3-small' });
    expect(value(record.content.input)).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'first' }] }]);
    expect(value(record.content.extra)).toEqual({
      attributes: { 'embedding.embeddings.0.embedding.vector': [0.1, 0.2] },
    });
  });
});

describe('Vercel AI SDK', () => {
  it('makes one record per model call: the doGenerate span, not the ai.generateText span around it', () => {
    const outer = span(
      { 'ai.operationId': 'ai.generateText', 'ai.model.provider': 'openai.chat' },
      { name: 'ai.generateText' },
    );
    const inner = span(
      { 'ai.operationId': 'ai.generateText.doGenerate', 'gen_ai.system': 'openai.chat' },
      { name: 'ai.generateText.doGenerate' },
    );
    expect(records(outer, inner).map((r) => r.span_name)).toEqual(['ai.generateText.doGenerate']);
  });

  it.each([
    ['openai.chat', 'openai'],
    ['openai.responses', 'openai'],
    ['anthropic.messages', 'anthropic'],
    ['google.vertex.chat', 'gcp.vertex_ai'],
  ])('names the provider of %s %s', (system, provider) => {
    expect(one({ 'gen_ai.system': system }).provider).toBe(provider);
  });

  it('keeps the tool calls of ai.response.toolCalls, `input` (v5+) or `args` (before)', () => {
    for (const call of [
      { toolCallId: 'c1', toolName: 'get_weather', input: '{"city":"Paris"}' },
      { toolCallType: 'function', toolCallId: 'c1', toolName: 'get_weather', args: { city: 'Paris' } },
    ]) {
      const record = one({
        'gen_ai.system': 'openai.chat',
        'ai.response.toolCalls': JSON.stringify([call]),
        'ai.response.finishReason': 'tool-calls',
      });
      expect(record.finish_reasons).toEqual(['tool_calls']);
      expect(value(record.content.output)).toEqual([
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }],
        },
      ]);
    }
  });

  it('reads ai.prompt.tools (one JSON text per tool) as v1.41 tool definitions', () => {
    const record = one({
      'gen_ai.system': 'openai.chat',
      'ai.prompt.tools': ['{"type":"function","name":"get_weather","inputSchema":{"type":"object"}}'],
    });
    expect(value(record.content.tools)).toEqual([
      { type: 'function', name: 'get_weather', parameters: { type: 'object' } },
    ]);
  });

  it('reads v6 usage, whose input total already holds the cache, without summing it twice', () => {
    const v6 = one({
      'gen_ai.system': 'anthropic.messages',
      'gen_ai.usage.input_tokens': 120,
      'ai.usage.inputTokenDetails.noCacheTokens': 20,
      'ai.usage.inputTokenDetails.cacheReadTokens': 90,
      'ai.usage.inputTokenDetails.cacheWriteTokens': 10,
      'ai.usage.outputTokens': 30,
      'ai.usage.outputTokenDetails.reasoningTokens': 5,
    });
    expect(v6).toMatchObject({
      input_tokens: 120,
      output_tokens: 30,
      cache_read_tokens: 90,
      cache_write_tokens: 10,
      reasoning_tokens: 5,
    });
    // v5 reported Anthropic's own input count, without the cache.
    const v5 = one({
      'gen_ai.system': 'anthropic.messages',
      'ai.usage.inputTokens': 20,
      'ai.usage.cachedInputTokens': 90,
      'ai.usage.outputTokens': 30,
    });
    expect(v5).toMatchObject({ input_tokens: 110, cache_read_tokens: 90, output_tokens: 30 });
  });
});

describe('Vercel AI SDK tool executions and embeddings', () => {
  it('makes an execute_tool record of an ai.toolCall span, with its arguments and result sealed', () => {
    const record = one(
      {
        'ai.operationId': 'ai.toolCall',
        'ai.toolCall.name': 'get_weather',
        'ai.toolCall.id': 'call_7',
        'ai.toolCall.input': '{"city":"Paris"}',
        'ai.toolCall.output': '"rainy"',
      },
      { name: 'ai.toolCall' },
    );
    expect(record).toMatchObject({ operation: 'execute_tool', tool_name: 'get_weather', tool_call_id: 'call_7' });
    expect(documentText(record.content.input!)).toBe('{"city":"Paris"}');
    expect(documentText(record.content.output!)).toBe('"rainy"');
    // The operation id is metadata; the arguments and result are not in clear.
    expect({ ...record.attributes }).toEqual({ 'ai.operationId': 'ai.toolCall' });
    // Before v5 the SDK wrote args/result.
    const older = one({
      'ai.operationId': 'ai.toolCall',
      'ai.toolCall.name': 'f',
      'ai.toolCall.args': '{"a":1}',
      'ai.toolCall.result': '2',
    });
    expect([documentText(older.content.input!), documentText(older.content.output!)]).toEqual(['{"a":1}', '2']);
  });

  it('makes an embeddings record of a doEmbed span: provider, model, tokens, the texts as input', () => {
    const record = one(
      {
        'ai.operationId': 'ai.embedMany.doEmbed',
        'ai.model.provider': 'openai.embedding',
        'ai.model.id': 'text-embedding-3-small',
        'ai.usage.tokens': 12,
        'ai.values': ['"first text"', '"second text"'],
      },
      { name: 'ai.embedMany.doEmbed' },
    );
    expect(record).toMatchObject({
      operation: 'embeddings',
      provider: 'openai',
      request_model: 'text-embedding-3-small',
      input_tokens: 12,
    });
    expect(JSON.stringify(record.content)).toContain('second text');
  });

  it('still drops the spans around them that carry no model call of their own', () => {
    expect(
      records(
        span({ 'ai.operationId': 'ai.embedMany', 'ai.model.id': 'text-embedding-3-small' }, { name: 'ai.embedMany' }),
      ),
    ).toEqual([]);
  });
});

describe('OpenLLMetry', () => {
  it('turns gen_ai.tool.definitions in the Chat Completions request shape into v1.41 definitions', () => {
    const record = one({
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.tool.definitions':
        '[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object"}}}]',
    });
    expect(value(record.content.tools)).toEqual([
      { type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object' } },
    ]);
  });

  it('finds the request shape however the JSON spells its "function" key', () => {
    for (const text of [
      '[ { "type" : "function" , "function" :\n{ "name" : "get_weather" } } ]',
      '[{"type":"function","\\u0066unction":{"name":"get_weather"}}]',
      '[{"type":"function","name":"lookup"},{"type":"function","function":{"name":"get_weather"}}]',
    ]) {
      const record = one({ 'gen_ai.provider.name': 'openai', 'gen_ai.tool.definitions': text });
      expect(value(record.content.tools)).toContainEqual({ type: 'function', name: 'get_weather' });
    }
  });

  it('keeps gen_ai.tool.definitions already in the v1.41 shape byte for byte', () => {
    const text = '[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]';
    const record = one({ 'gen_ai.provider.name': 'openai', 'gen_ai.tool.definitions': text });
    expect(documentText(record.content.tools!)).toBe(text);
  });
});

describe('OpenLLMetry’s LangChain and LangGraph spans', () => {
  // Attributes as @traceloop/instrumentation-langchain 0.27 sets them (its callback handler).
  it('makes an invoke_workflow record of a chain or graph run, with its inputs and outputs sealed', () => {
    const record = one(
      {
        'gen_ai.operation.name': 'workflow',
        'gen_ai.provider.name': 'langchain',
        'traceloop.span.kind': 'workflow',
        'traceloop.workflow.name': 'RunnableSequence',
        'traceloop.entity.input': JSON.stringify({ question: 'Is jane@example.com a customer?' }),
        'traceloop.entity.output': JSON.stringify({ answer: 'Yes.' }),
      },
      { name: 'workflow RunnableSequence' },
    );
    expect(record).toMatchObject({ operation: 'invoke_workflow', provider: 'langchain' });
    expect(value(record.content.input)).toEqual({ question: 'Is jane@example.com a customer?' });
    expect(value(record.content.output)).toEqual({ answer: 'Yes.' });
    expect(record.attributes['traceloop.workflow.name']).toBe('RunnableSequence');
  });

  it('names the agent of an agent run and the tool of a tool call', () => {
    const agent = one({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'langchain',
      'gen_ai.agent.name': 'support-agent',
      'traceloop.span.kind': 'workflow',
    });
    expect(agent).toMatchObject({ operation: 'invoke_agent', agent_name: 'support-agent' });
    const tool = one({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.provider.name': 'langchain',
      'traceloop.span.kind': 'task',
      'traceloop.entity.name': 'get_weather',
      'traceloop.entity.input': JSON.stringify({ args: ['Paris'] }),
      'traceloop.entity.output': JSON.stringify('sunny'),
    });
    expect(tool).toMatchObject({ operation: 'execute_tool', tool_name: 'get_weather', agent_name: '' });
    expect(value(tool.content.input)).toEqual({ args: ['Paris'] });
  });

  it('makes records of its decorator spans without gen_ai keys, not of its task spans', () => {
    const kinds = (kind: string) =>
      records(span({ 'traceloop.span.kind': kind, 'traceloop.entity.name': 'step' })).map((r) => r.operation);
    expect(kinds('agent')).toEqual(['invoke_agent']);
    expect(kinds('tool')).toEqual(['execute_tool']);
    expect(kinds('workflow')).toEqual(['invoke_workflow']);
    expect(kinds('task')).toEqual([]);
    const named = records(span({ 'traceloop.span.kind': 'agent', 'traceloop.entity.name': 'planner' }))[0];
    expect(named.agent_name).toBe('planner');
  });
});
