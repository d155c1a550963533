/**
 * Answers like Cohere's v2 Chat API (api.cohere.com/v2/chat): a JSON response with `tokens` and
 * `billed_units` usage, the typed SSE stream (message-start, content-*, tool-plan-delta,
 * tool-call-*, message-end, then [DONE]), tool calls with their tool plan, and error bodies.
 */
import { sendJson, sendSse, type Route } from './server';

export const COHERE = {
  reply: 'Hello from the fake Cohere.',
  pieces: ['Hello', ' from the', ' fake', ' Cohere.'],
  toolPlan: 'I will look up the weather in Paris.',
  toolCall: {
    id: 'get_weather_fake01',
    name: 'get_weather',
    arguments: '{"city":"Paris"}',
    pieces: ['{"ci', 'ty":"Pa', 'ris"}'],
  },
  usage: {
    billed_units: { input_tokens: 7, output_tokens: 9 },
    tokens: { input_tokens: 230, output_tokens: 9 },
    cached_tokens: 64,
  },
};

export const COHERE_ERRORS: Record<string, { status: number; body: unknown }> = {
  'missing-model': {
    status: 404,
    body: {
      id: 'fake-error-404',
      message:
        "model 'missing-model' not found, make sure the correct model ID was used and that you have access to the model.",
    },
  },
  'limited-model': {
    status: 429,
    body: { id: 'fake-error-429', message: 'You are using a Trial key, which is limited to 10 API calls / minute.' },
  },
};

function wantsToolCall(body: any): boolean {
  const last = body.messages?.[body.messages.length - 1];
  return Array.isArray(body.tools) && body.tools.length > 0 && last?.role !== 'tool';
}

function response(body: any) {
  const tool = wantsToolCall(body);
  const { id, name, arguments: args } = COHERE.toolCall;
  return {
    id: tool ? 'fake-cohere-tool' : 'fake-cohere-1',
    message: tool
      ? {
          role: 'assistant',
          tool_plan: COHERE.toolPlan,
          tool_calls: [{ id, type: 'function', function: { name, arguments: args } }],
        }
      : { role: 'assistant', content: [{ type: 'text', text: COHERE.reply }] },
    finish_reason: tool ? 'TOOL_CALL' : 'COMPLETE',
    usage: COHERE.usage,
  };
}

function events(body: any): Record<string, unknown>[] {
  const tool = wantsToolCall(body);
  const list: Record<string, unknown>[] = [
    {
      type: 'message-start',
      id: tool ? 'fake-cohere-tool' : 'fake-cohere-stream',
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    },
  ];
  if (tool) {
    const { id, name, pieces } = COHERE.toolCall;
    list.push({ type: 'tool-plan-delta', delta: { message: { tool_plan: COHERE.toolPlan } } });
    list.push({
      type: 'tool-call-start',
      index: 0,
      delta: { message: { tool_calls: { id, type: 'function', function: { name, arguments: '' } } } },
    });
    for (const piece of pieces)
      list.push({
        type: 'tool-call-delta',
        index: 0,
        delta: { message: { tool_calls: { function: { arguments: piece } } } },
      });
    list.push({ type: 'tool-call-end', index: 0 });
  } else {
    list.push({ type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } });
    const pieces = body.model === 'long-stream' ? Array.from({ length: 40 }, (_, i) => `w${i} `) : COHERE.pieces;
    for (const text of pieces)
      list.push({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } });
    list.push({ type: 'content-end', index: 0 });
  }
  list.push({ type: 'message-end', delta: { finish_reason: tool ? 'TOOL_CALL' : 'COMPLETE', usage: COHERE.usage } });
  return list;
}

export const cohereRoute: Route = async (request, res) => {
  if (request.method !== 'POST' || request.path !== '/v2/chat') return false;
  const body = request.body ?? {};
  const failure = COHERE_ERRORS[body.model];
  if (failure) sendJson(res, failure.status, failure.body);
  else if (body.stream) {
    await sendSse(res, [
      ...events(body).map((event) => ({ event: event.type as string, data: JSON.stringify(event) })),
      { data: '[DONE]' },
    ]);
  } else sendJson(res, 200, response(body));
  return true;
};
