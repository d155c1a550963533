/**
 * Answers like the Anthropic Messages API: JSON messages with cache token usage, the SSE event
 * stream (message_start, content_block_*, ping, message_delta, message_stop), tool use with
 * streamed `input_json_delta`s, and the API's error bodies.
 */
import { sendJson, sendSse, type Route } from './server';

export const ANTHROPIC = {
  model: 'claude-sonnet-4-6',
  reply: 'Hello from the fake Claude.',
  pieces: ['Hello', ' from the', ' fake', ' Claude.'],
  preamble: "I'll check the weather.",
  tool: { id: 'toolu_fake_01', name: 'get_weather', input: { city: 'Paris' }, pieces: ['{"ci', 'ty": "Pa', 'ris"}'] },
  usage: { input_tokens: 12, cache_creation_input_tokens: 100, cache_read_input_tokens: 200, output_tokens: 9 },
};

export const ANTHROPIC_ERRORS: Record<string, { status: number; body: unknown }> = {
  'missing-model': {
    status: 404,
    body: {
      type: 'error',
      error: { type: 'not_found_error', message: 'model: missing-model' },
      request_id: 'req_fake_404',
    },
  },
  'overloaded-model': {
    status: 529,
    body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_fake_529' },
  },
};

const HEADERS = { 'request-id': 'req_fake_anthropic', 'anthropic-organization-id': 'org-fake' };

function wantsTool(body: any): boolean {
  const last = body.messages?.[body.messages.length - 1];
  const answered = Array.isArray(last?.content) && last.content.some((block: any) => block.type === 'tool_result');
  return Array.isArray(body.tools) && body.tools.length > 0 && !answered;
}

function usage() {
  return {
    ...ANTHROPIC.usage,
    cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 0 },
    service_tier: 'standard',
  };
}

function message(body: any) {
  const tool = wantsTool(body);
  return {
    id: tool ? 'msg_fake_tool' : 'msg_fake_01',
    type: 'message',
    role: 'assistant',
    model: ANTHROPIC.model,
    content: tool
      ? [
          { type: 'text', text: ANTHROPIC.preamble },
          { type: 'tool_use', id: ANTHROPIC.tool.id, name: ANTHROPIC.tool.name, input: ANTHROPIC.tool.input },
        ]
      : [{ type: 'text', text: ANTHROPIC.reply }],
    stop_reason: tool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: usage(),
  };
}

function events(body: any): { event: string; data: string }[] {
  const tool = wantsTool(body);
  const list: Record<string, unknown>[] = [
    {
      type: 'message_start',
      message: {
        id: tool ? 'msg_fake_tool' : 'msg_fake_stream',
        type: 'message',
        role: 'assistant',
        model: ANTHROPIC.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage(), output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
  ];
  const pieces =
    body.model === 'long-stream'
      ? Array.from({ length: 40 }, (_, i) => `w${i} `)
      : tool
        ? [ANTHROPIC.preamble]
        : ANTHROPIC.pieces;
  for (const text of pieces) list.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
  list.push({ type: 'content_block_stop', index: 0 });
  if (tool) {
    list.push({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: ANTHROPIC.tool.id, name: ANTHROPIC.tool.name, input: {} },
    });
    for (const partial_json of ANTHROPIC.tool.pieces)
      list.push({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json } });
    list.push({ type: 'content_block_stop', index: 1 });
  }
  list.push({
    type: 'message_delta',
    delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: ANTHROPIC.usage.output_tokens },
  });
  list.push({ type: 'message_stop' });
  return list.map((event) => ({ event: event.type as string, data: JSON.stringify(event) }));
}

export const anthropicRoute: Route = async (request, res) => {
  if (request.method !== 'POST' || request.path !== '/v1/messages') return false;
  const body = request.body ?? {};
  const failure = ANTHROPIC_ERRORS[body.model];
  if (failure) sendJson(res, failure.status, failure.body, HEADERS);
  else if (body.stream) await sendSse(res, events(body), HEADERS);
  else sendJson(res, 200, message(body), HEADERS);
  return true;
};
