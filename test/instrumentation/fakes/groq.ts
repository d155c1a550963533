/**
 * Answers like the Groq API (api.groq.com/openai/v1): Chat Completions as JSON and as SSE with
 * the stream's usage in the last chunk's `x_groq.usage`, tool calls (streamed whole, in one
 * chunk, as Groq does), Groq's timing fields in usage, and the API's error bodies.
 */
import { sendJson, sendSse, type Route } from './server';

export const GROQ = {
  model: 'llama-3.3-70b-versatile',
  reply: 'Hello from the fake Groq.',
  pieces: ['Hello', ' from the', ' fake', ' Groq.'],
  toolCall: { id: 'call_fake_groq', name: 'get_weather', arguments: '{"city":"Paris"}' },
  usage: {
    queue_time: 0.0375,
    prompt_tokens: 24,
    prompt_time: 0.0007,
    completion_tokens: 11,
    completion_time: 0.0463,
    total_tokens: 35,
    total_time: 0.047,
  },
  created: 1735689600,
  fingerprint: 'fp_fake_groq',
};

export const GROQ_ERRORS: Record<string, { status: number; body: unknown }> = {
  'missing-model': {
    status: 404,
    body: {
      error: {
        message: 'The model `missing-model` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        code: 'model_not_found',
      },
    },
  },
  'limited-model': {
    status: 429,
    body: {
      error: {
        message: 'Rate limit reached for model `limited-model` on tokens per minute (TPM).',
        type: 'tokens',
        code: 'rate_limit_exceeded',
      },
    },
  },
};

const HEADERS = { 'x-request-id': 'req_fake_groq' };

function wantsToolCall(body: any): boolean {
  const last = body.messages?.[body.messages.length - 1];
  return Array.isArray(body.tools) && body.tools.length > 0 && last?.role !== 'tool';
}

const toolCalls = () => [
  {
    id: GROQ.toolCall.id,
    type: 'function',
    function: { name: GROQ.toolCall.name, arguments: GROQ.toolCall.arguments },
  },
];

function completion(body: any) {
  const tool = wantsToolCall(body);
  return {
    id: tool ? 'chatcmpl-fake-groq-tool' : 'chatcmpl-fake-groq-1',
    object: 'chat.completion',
    created: GROQ.created,
    model: GROQ.model,
    choices: [
      {
        index: 0,
        message: tool ? { role: 'assistant', tool_calls: toolCalls() } : { role: 'assistant', content: GROQ.reply },
        logprobs: null,
        finish_reason: tool ? 'tool_calls' : 'stop',
      },
    ],
    usage: GROQ.usage,
    usage_breakdown: null,
    system_fingerprint: GROQ.fingerprint,
    x_groq: { id: 'req_fake_groq_1' },
    service_tier: 'on_demand',
  };
}

function chunks(body: any): unknown[] {
  const base = {
    id: 'chatcmpl-fake-groq-stream',
    object: 'chat.completion.chunk',
    created: GROQ.created,
    model: GROQ.model,
    system_fingerprint: GROQ.fingerprint,
  };
  const chunk = (delta: unknown, finish: string | null = null, xGroq?: unknown) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(xGroq ? { x_groq: xGroq } : {}),
  });
  const list: unknown[] = [chunk({ role: 'assistant', content: '' }, null, { id: 'req_fake_groq_stream' })];
  const tool = wantsToolCall(body);
  if (tool) {
    list.push(chunk({ tool_calls: toolCalls().map((call, index) => ({ index, ...call })) }));
  } else {
    const pieces = body.model === 'long-stream' ? Array.from({ length: 40 }, (_, i) => `w${i} `) : GROQ.pieces;
    for (const content of pieces) list.push(chunk({ content }));
  }
  list.push(chunk({}, tool ? 'tool_calls' : 'stop', { id: 'req_fake_groq_stream', usage: GROQ.usage }));
  return list;
}

export const groqRoute: Route = async (request, res) => {
  if (request.method !== 'POST' || request.path !== '/openai/v1/chat/completions') return false;
  const body = request.body ?? {};
  const failure = GROQ_ERRORS[body.model];
  if (failure) sendJson(res, failure.status, failure.body, HEADERS);
  else if (body.stream) {
    await sendSse(
      res,
      [...chunks(body).map((chunk) => ({ data: JSON.stringify(chunk) })), { data: '[DONE]' }],
      HEADERS,
    );
  } else sendJson(res, 200, completion(body), HEADERS);
  return true;
};
