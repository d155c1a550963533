import { createNormalizer } from '../../collector/src/processor/normalize';
import { event, span, traceExport } from '../helpers/spans';
import { documentText } from '../../collector/src/model/content';
import type { RecordContent } from '../../collector/src/model/record';

/** A record's content documents as the text each would be sealed as. */
const texts = (content: RecordContent): Record<string, string> =>
  Object.fromEntries(
    Object.entries(content).flatMap(([field, document]) => (document ? [[field, documentText(document)]] : [])),
  );

const normalize = createNormalizer({ exclude_attributes: ['custom.secret', 'internal.*'], keep_attributes: [] }).spans;

function one(
  attrs: Parameters<typeof span>[0],
  overrides: Parameters<typeof span>[1] = {},
  resource?: Parameters<typeof traceExport>[1],
) {
  const result = normalize('acme', traceExport([span(attrs, overrides)], resource));
  expect(result.records).toHaveLength(1);
  return result.records[0];
}

describe('normalize: which spans are audit records', () => {
  it('keeps GenAI spans (operation, provider or system named) and drops and counts the rest', () => {
    const result = normalize(
      'acme',
      traceExport([
        span({ 'gen_ai.operation.name': 'chat' }),
        span({ 'gen_ai.provider.name': 'openai' }),
        span({ 'gen_ai.system': 'anthropic' }),
        span({ 'http.method': 'GET' }, { name: 'GET /' }),
        span({ 'db.system': 'postgresql' }),
      ]),
    );
    expect(result.records).toHaveLength(3);
    expect(result.dropped).toBe(2);
    expect(result.rejected).toBe(0);
  });

  it('rejects GenAI spans with invalid ids and says why', () => {
    const result = normalize(
      'acme',
      traceExport([
        span({ 'gen_ai.operation.name': 'chat' }, { traceId: '00'.repeat(16) }),
        span({ 'gen_ai.operation.name': 'chat' }, { spanId: 'abc' }),
      ]),
    );
    expect(result.records).toHaveLength(0);
    expect(result.rejected).toBe(2);
    expect(result.rejectReason).toBe('span with an invalid trace_id');
  });
});

describe('normalize: v1.41 attributes', () => {
  const record = one(
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': 'chatcmpl-123',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.reasoning.output_tokens': 100,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.stream': true,
      'gen_ai.response.time_to_first_chunk': 0.25,
      'gen_ai.conversation.id': 'conv-1',
      'server.address': 'api.openai.com',
      'user.id': 'alice',
      'session.id': 's-1',
      'ai_audit.feature': 'support-bot',
      'ai_audit.tenant_id': 'claimed-tenant',
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hello"}]}]',
      'gen_ai.output.messages':
        '[{"role":"assistant","parts":[{"type":"text","content":"hi"}],"finish_reason":"stop"}]',
      'gen_ai.system_instructions': '[{"type":"text","content":"be brief"}]',
      'gen_ai.tool.definitions': '[{"type":"function","name":"f"}]',
      'custom.secret': 'x',
      'internal.debug': 'y',
      'app.version': 7,
    },
    {},
    { 'service.name': 'checkout', 'service.version': '2.1.0', 'deployment.environment': 'staging' },
  );

  it('maps identity, model, usage and timing columns', () => {
    expect(record).toMatchObject({
      tenant_id: 'acme',
      operation: 'chat',
      provider: 'openai',
      request_model: 'gpt-4o',
      response_model: 'gpt-4o-2024-08-06',
      response_id: 'chatcmpl-123',
      finish_reasons: ['stop'],
      input_tokens: 1200,
      output_tokens: 300,
      cache_read_tokens: 1000,
      cache_write_tokens: null,
      reasoning_tokens: 100,
      streaming: true,
      ttft_ms: 250,
      latency_ms: 1250,
      conversation_id: 'conv-1',
      server_address: 'api.openai.com',
      user_id: 'alice',
      session_id: 's-1',
      feature: 'support-bot',
      service_name: 'checkout',
      service_version: '2.1.0',
      environment: 'staging',
      status: 'ok',
      error_type: '',
      scope_name: 'test-scope',
    });
    expect(record.record_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps content out of the attributes column and in memory only, verbatim', () => {
    expect(texts(record.content)).toEqual({
      input: '[{"role":"user","parts":[{"type":"text","content":"hello"}]}]',
      output: '[{"role":"assistant","parts":[{"type":"text","content":"hi"}],"finish_reason":"stop"}]',
      system: '[{"type":"text","content":"be brief"}]',
      tools: '[{"type":"function","name":"f"}]',
    });
    expect({ ...record.attributes }).toEqual({
      'gen_ai.request.temperature': '0.2',
      'ai_audit.tenant_id': 'claimed-tenant',
      'app.version': '7',
    });
  });

  it('gives the same span the same record id, and another tenant another one', () => {
    const s = span({ 'gen_ai.operation.name': 'chat' });
    const a = normalize('acme', traceExport([s])).records[0].record_id;
    expect(normalize('acme', traceExport([s])).records[0].record_id).toBe(a);
    expect(normalize('other', traceExport([s])).records[0].record_id).not.toBe(a);
  });
});

describe('normalize: older dialects and token rules', () => {
  it('reads v1.36 names: gen_ai.system, usage prompt/completion tokens, enduser.id, deployment.environment', () => {
    const record = one(
      {
        'gen_ai.system': 'az.ai.openai',
        'gen_ai.usage.prompt_tokens': 10,
        'gen_ai.usage.completion_tokens': 5,
        'enduser.id': 'bob',
      },
      {},
      { 'deployment.environment': 'dev' },
    );
    expect(record).toMatchObject({
      provider: 'azure.ai.openai',
      input_tokens: 10,
      output_tokens: 5,
      user_id: 'bob',
      environment: 'dev',
      operation: 'chat',
    });
  });

  it('sums Anthropic cache tokens into input for producers older than v1.37', () => {
    const record = one({
      'gen_ai.system': 'anthropic',
      'gen_ai.usage.input_tokens': 50,
      'gen_ai.usage.cache_read_input_tokens': 1000,
      'gen_ai.usage.cache_creation_input_tokens': 200,
    });
    expect(record).toMatchObject({ input_tokens: 1250, cache_read_tokens: 1000, cache_write_tokens: 200 });
  });

  it('trusts v1.37+ producers that already include the cache, and the newer cache_write rename', () => {
    const record = one({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.usage.input_tokens': 1250,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.cache_write.input_tokens': 200,
    });
    expect(record).toMatchObject({ input_tokens: 1250, cache_read_tokens: 1000, cache_write_tokens: 200 });
  });

  it('sums when the input count is smaller than its own cache counts, whatever the dialect', () => {
    expect(
      one({
        'gen_ai.provider.name': 'aws.bedrock',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.cache_read.input_tokens': 90,
      }).input_tokens,
    ).toBe(100);
  });

  it('adds Gemini thought tokens to output for older producers', () => {
    expect(
      one({ 'gen_ai.system': 'gemini', 'gen_ai.usage.output_tokens': 40, 'gen_ai.usage.reasoning_tokens': 60 }),
    ).toMatchObject({ provider: 'gcp.gemini', output_tokens: 100, reasoning_tokens: 60 });
  });

  it('reads token counts sent as strings and ignores nonsense', () => {
    expect(
      one({ 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': '42', 'gen_ai.usage.output_tokens': 'many' }),
    ).toMatchObject({ input_tokens: 42, output_tokens: null });
  });

  it('turns v1.28–v1.36 content events into v1.41 messages', () => {
    const record = one(
      { 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat' },
      {
        events: [
          event('gen_ai.system.message', { content: 'be brief' }),
          event('gen_ai.user.message', { content: 'weather?' }),
          event('gen_ai.choice', {
            index: 0,
            finish_reason: 'tool_calls',
            message: '{}',
            'gen_ai.event.content':
              '{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]}}',
          }),
        ],
      },
    );
    expect(JSON.parse(documentText(record.content.input!))).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
      { role: 'user', parts: [{ type: 'text', content: 'weather?' }] },
    ]);
    expect(JSON.parse(documentText(record.content.output!))).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }],
        finish_reason: 'tool_calls',
      },
    ]);
  });

  it('turns Traceloop flattened prompt/completion attributes into messages, and keeps them out of attributes', () => {
    const record = one({
      'gen_ai.system': 'OpenAI',
      'llm.request.type': 'chat',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'hi there',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'hello',
      'gen_ai.completion.0.finish_reason': 'stop',
      'llm.request.functions.0.name': 'lookup',
    });
    expect(record.provider).toBe('openai');
    expect(JSON.parse(documentText(record.content.input!))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'hi there' }] },
    ]);
    expect(JSON.parse(documentText(record.content.output!))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'hello' }], finish_reason: 'stop' },
    ]);
    expect(JSON.parse(documentText(record.content.tools!))).toEqual([{ type: 'function', name: 'lookup' }]);
    expect(Object.keys(record.attributes)).toEqual(['llm.request.type']);
  });

  it('seals structured (non-string) content as JSON', () => {
    const record = one({
      'gen_ai.operation.name': 'chat',
      'gen_ai.input.messages': [
        Object.assign(Object.create(null), {
          role: 'user',
          parts: [Object.assign(Object.create(null), { type: 'text', content: 'structured' })],
        }),
      ],
    });
    expect(JSON.parse(documentText(record.content.input!))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'structured' }] },
    ]);
  });

  it('maps execute_tool arguments and result to input and output', () => {
    const record = one({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.id': 'c1',
      'gen_ai.tool.call.arguments': '{"city":"Paris"}',
      'gen_ai.tool.call.result': 'rainy',
    });
    expect(record).toMatchObject({ operation: 'execute_tool', tool_name: 'get_weather', tool_call_id: 'c1' });
    expect(texts(record.content)).toEqual({ input: '{"city":"Paris"}', output: 'rainy' });
  });

  it('seals unknown content-bearing attributes rather than dropping or storing them', () => {
    const record = one({ 'gen_ai.system': 'openai', 'input.value': 'raw prompt', 'output.value': 'raw answer' });
    expect(documentText(record.content.input!)).toContain('raw prompt');
    expect(documentText(record.content.output!)).toContain('raw answer');
    expect(record.attributes).toEqual({});
  });

  it('marks failures from the status or error.type, and takes the exception type, not its message', () => {
    expect(one({ 'gen_ai.operation.name': 'chat', 'error.type': '429' })).toMatchObject({
      status: 'error',
      error_type: '429',
    });
    const failed = one(
      { 'gen_ai.operation.name': 'chat' },
      {
        statusCode: 2,
        events: [
          event('exception', { 'exception.type': 'RateLimitError', 'exception.message': 'quota for prompt "secret"' }),
        ],
      },
    );
    expect(failed).toMatchObject({ status: 'error', error_type: 'RateLimitError' });
    expect(JSON.stringify(failed.attributes)).not.toContain('secret');
  });

  it('uses null-prototype maps (span keys are client input)', () => {
    const record = one({ 'gen_ai.operation.name': 'chat', ['__proto__']: 1, constructor: 'x' });
    expect(record.attributes['__proto__']).toBe('1');
    expect(JSON.parse(documentText(record.content.extra!))).toEqual({ attributes: { constructor: 'x' } });
  });
});

describe('normalize: default-deny for content', () => {
  const CANARY = 'CANARY-7f3e-unknown-key';
  const strict = createNormalizer({
    exclude_attributes: ['dropped.*'],
    keep_attributes: ['team.name', 'shop.*'],
  }).spans;

  it('keeps in clear only metadata keys, numbers and booleans, and seals every other string', () => {
    const [record] = strict(
      'acme',
      traceExport(
        [
          span({
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.temperature': 0.2,
            'gen_ai.openai.response.system_fingerprint': 'fp_1',
            'openai.response.service_tier': 'default',
            'mcp.method.name': 'tools/call',
            'jsonrpc.request.id': '7',
            'never.heard.of': CANARY,
            'gen_ai.tool.args': `{"q":"${CANARY}"}`,
            'retry.count': 3,
            cached: true,
            'team.name': 'payments',
            'shop.region': 'eu',
            'dropped.note': CANARY,
            'server.port': 'x'.repeat(300),
          }),
        ],
        {
          'service.name': 'checkout',
          'host.name': 'web-1',
          'customer.note': CANARY,
          'process.command_line': `node app.js --key=${CANARY}`,
        },
      ),
    ).records;
    expect({ ...record.attributes }).toEqual({
      'gen_ai.request.temperature': '0.2',
      'gen_ai.openai.response.system_fingerprint': 'fp_1',
      'openai.response.service_tier': 'default',
      'mcp.method.name': 'tools/call',
      'jsonrpc.request.id': '7',
      'retry.count': '3',
      cached: 'true',
      'team.name': 'payments',
      'shop.region': 'eu',
    });
    expect({ ...record.resource }).toEqual({ 'service.name': 'checkout', 'host.name': 'web-1' });
    expect(JSON.stringify(record.attributes) + JSON.stringify(record.resource)).not.toContain(CANARY);
    const extra = JSON.parse(documentText(record.content.extra!));
    expect(extra.attributes).toEqual({
      'never.heard.of': CANARY,
      'gen_ai.tool.args': `{"q":"${CANARY}"}`,
      'server.port': 'x'.repeat(300),
    });
    expect(extra.resource).toEqual({ 'customer.note': CANARY, 'process.command_line': `node app.js --key=${CANARY}` });
  });

  it('seals span events that are not messages, exception messages included', () => {
    const record = one(
      { 'gen_ai.operation.name': 'chat', 'error.type': 'RateLimitError' },
      {
        events: [
          event('exception', {
            'exception.type': 'RateLimitError',
            'exception.message': `quota exceeded for ${CANARY}`,
          }),
          event('app.checkpoint', { note: CANARY }),
          event('gen_ai.user.message', { content: 'hello' }),
        ],
      },
    );
    const extra = JSON.parse(documentText(record.content.extra!));
    expect(extra.events.map((e: { name: string }) => e.name)).toEqual(['exception', 'app.checkpoint']);
    expect(JSON.stringify(extra.events)).toContain(CANARY);
    expect(JSON.stringify(record.attributes)).not.toContain(CANARY);
  });

  it('has no extra document when everything is known', () => {
    expect(one({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' }).content.extra).toBeUndefined();
  });
});

describe('normalize: times a record cannot have', () => {
  it.each([
    ['1 ns after the epoch', 1n],
    ['before 2000', 946_684_799_000_000_000n],
    ['in 2262 and beyond', 9_223_372_036_854_775_808n],
    ['two days ahead of the collector', BigInt(Date.now() + 2 * 86_400_000) * 1_000_000n],
  ])('refuses a span starting %s', (_what, start) => {
    const result = normalize(
      'acme',
      traceExport([span({ 'gen_ai.operation.name': 'chat' }, { startTimeUnixNano: start, endTimeUnixNano: start })]),
    );
    expect(result).toMatchObject({ rejected: 1, rejectReason: 'span start time out of range' });
  });
});

describe('normalize: one vocabulary across libraries', () => {
  it.each([
    ['openai.chat', 'openai'],
    ['openai.responses', 'openai'],
    ['anthropic.messages', 'anthropic'],
    ['google.generative-ai', 'gcp.gemini'],
    ['google.vertex.chat', 'gcp.vertex_ai'],
    ['amazon-bedrock', 'aws.bedrock'],
    ['mistral.chat', 'mistral_ai'],
    ['az.ai.openai', 'azure.ai.openai'],
    ['aws.bedrock', 'aws.bedrock'],
    ['OpenAI', 'openai'],
  ])('provider %s is stored as %s', (raw, name) => {
    expect(one({ 'gen_ai.system': raw }).provider).toBe(name);
  });

  it("maps every library's finish reasons to OpenAI's words", () => {
    expect(
      one({
        'gen_ai.operation.name': 'chat',
        'gen_ai.response.finish_reasons': [
          'end_turn',
          'tool-calls',
          'tool_use',
          'MAX_TOKENS',
          'SAFETY',
          'stop',
          'weird-one',
        ],
      }).finish_reasons,
    ).toEqual(['stop', 'tool_calls', 'tool_calls', 'length', 'content_filter', 'stop', 'weird_one']);
    expect(one({ 'gen_ai.system': 'openai.chat', 'ai.response.finishReason': 'tool-calls' }).finish_reasons).toEqual([
      'tool_calls',
    ]);
  });

  it('reads user and session from the Vercel AI SDK, OpenLLMetry and the request', () => {
    expect(
      one({
        'gen_ai.system': 'openai.chat',
        'ai.telemetry.metadata.userId': 'u1',
        'ai.telemetry.metadata.sessionId': 's1',
      }),
    ).toMatchObject({ user_id: 'u1', session_id: 's1' });
    expect(
      one({
        'gen_ai.system': 'openai',
        'traceloop.association.properties.user_id': 'u2',
        'traceloop.association.properties.session_id': 's2',
      }),
    ).toMatchObject({ user_id: 'u2', session_id: 's2' });
    expect(one({ 'gen_ai.system': 'openai', 'gen_ai.request.user': 'u3' }).user_id).toBe('u3');
  });

  it('reads streaming and time to first token in every unit they come in', () => {
    expect(
      one({ 'gen_ai.system': 'openai', 'gen_ai.request.is_stream': true, 'gen_ai.server.time_to_first_token': 0.25 }),
    ).toMatchObject({ streaming: true, ttft_ms: 250 });
    expect(one({ 'gen_ai.system': 'openai', 'llm.is_streaming': true }).streaming).toBe(true);
    expect(
      one(
        {
          'gen_ai.system': 'openai.chat',
          'ai.operationId': 'ai.streamText.doStream',
          'ai.response.msToFirstChunk': 120,
        },
        { name: 'ai.streamText.doStream' },
      ),
    ).toMatchObject({ streaming: true, ttft_ms: 120 });
    expect(
      one(
        { 'gen_ai.system': 'openai.chat', 'ai.operationId': 'ai.generateText.doGenerate' },
        { name: 'ai.generateText.doGenerate' },
      ).streaming,
    ).toBe(false);
  });
});
