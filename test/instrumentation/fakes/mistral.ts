/**
 * Answers like the Mistral API (api.mistral.ai/v1/chat/completions): JSON completions, the SSE
 * stream with usage in its last chunk, tool calls (streamed whole, in one chunk), and the API's
 * error bodies (the API's own `{"object":"error",...}` and the gateway's bare message).
 */
import { sendJson, sendSse, type Route } from './server';

export const MISTRAL = {
  model: 'mistral-small-2506',
  reply: 'Hello from the fake Mistral.',
  pieces: ['Hello', ' from the', ' fake', ' Mistral.'],
  toolCall: { id: 'D681PevKs', name: 'get_weather', arguments: '{"city": "Paris"}' },
  usage: { prompt_tokens: 19, completion_tokens: 8, total_tokens: 27 },
  created: 1735689600,
};

export const MISTRAL_ERRORS: Record<string, { status: number; body: unknown }> = {
  'missing-model': {
    status: 400,
    body: {
      object: 'error',
      message: 'Invalid model: missing-model',
      type: 'invalid_model',
      param: null,
      code: '1500',
    },
  },
  'unauthorized-model': { status: 401, body: { message: 'Unauthorized', request_id: 'fake-request-401' } },
};

function wantsToolCall(body: any): boolean {
  const last = body.messages?.[body.messages.length - 1];
  return Array.isArray(body.tools) && body.tools.length > 0 && last?.role !== 'tool';
}

const toolCalls = () => [
  {
    id: MISTRAL.toolCall.id,
    type: 'function',
    function: { name: MISTRAL.toolCall.name, arguments: MISTRAL.toolCall.arguments },
    index: 0,
  },
];

function completion(body: any) {
  const tool = wantsToolCall(body);
  return {
    id: tool ? 'cmpl-fake-mistral-tool' : 'cmpl-fake-mistral-1',
    object: 'chat.completion',
    model: MISTRAL.model,
    usage: MISTRAL.usage,
    created: MISTRAL.created,
    choices: [
      {
        index: 0,
        message: tool
          ? { role: 'assistant', content: '', tool_calls: toolCalls(), prefix: false }
          : { role: 'assistant', content: MISTRAL.reply, tool_calls: null, prefix: false },
        finish_reason: tool ? 'tool_calls' : 'stop',
      },
    ],
  };
}

function chunks(body: any): unknown[] {
  const base = {
    id: 'cmpl-fake-mistral-stream',
    object: 'chat.completion.chunk',
    created: MISTRAL.created,
    model: MISTRAL.model,
  };
  const chunk = (delta: unknown, finish: string | null = null, usage?: unknown) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  });
  const list: unknown[] = [chunk({ role: 'assistant', content: '' })];
  const tool = wantsToolCall(body);
  if (tool) list.push(chunk({ content: '', tool_calls: toolCalls() }));
  else {
    const pieces = body.model === 'long-stream' ? Array.from({ length: 40 }, (_, i) => `w${i} `) : MISTRAL.pieces;
    for (const content of pieces) list.push(chunk({ content }));
  }
  list.push(chunk({ content: '' }, tool ? 'tool_calls' : 'stop', MISTRAL.usage));
  return list;
}

export const mistralRoute: Route = async (request, res) => {
  if (request.method !== 'POST' || request.path !== '/v1/chat/completions') return false;
  const body = request.body ?? {};
  const failure = MISTRAL_ERRORS[body.model];
  if (failure) sendJson(res, failure.status, failure.body);
  else if (body.stream) {
    await sendSse(res, [...chunks(body).map((chunk) => ({ data: JSON.stringify(chunk) })), { data: '[DONE]' }]);
  } else sendJson(res, 200, completion(body));
  return true;
};
