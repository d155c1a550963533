/**
 * Answers like the OpenAI API: Chat Completions (JSON, SSE, tool calls with streamed argument
 * deltas, `stream_options.include_usage`), Responses (JSON and its typed event stream),
 * Embeddings (float or base64), Azure deployment paths, and the API's error bodies.
 */
import { sendJson, sendSse, type FakeRequest, type FakeResponse, type Route } from './server';

export const OPENAI = {
  model: 'gpt-4o-mini-2024-07-18',
  reply: 'Hello from the fake OpenAI.',
  pieces: ['Hello', ' from', ' the', ' fake', ' OpenAI.'],
  toolCall: {
    id: 'call_weather_1',
    name: 'get_weather',
    arguments: '{"city":"Paris"}',
    pieces: ['{"ci', 'ty":"Pa', 'ris"}'],
  },
  usage: {
    prompt_tokens: 21,
    completion_tokens: 9,
    total_tokens: 30,
    prompt_tokens_details: { cached_tokens: 5, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 2,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  },
  responsesUsage: {
    input_tokens: 18,
    input_tokens_details: { cached_tokens: 4 },
    output_tokens: 7,
    output_tokens_details: { reasoning_tokens: 1 },
    total_tokens: 25,
  },
  embeddingModel: 'text-embedding-3-small',
  fingerprint: 'fp_fake0001',
  created: 1735689600,
};

/** Models that make the fake fail the way the API does. */
export const OPENAI_ERRORS: Record<string, { status: number; body: unknown }> = {
  'missing-model': {
    status: 404,
    body: {
      error: {
        message: 'The model `missing-model` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      },
    },
  },
  'rate-limited-model': {
    status: 429,
    body: {
      error: {
        message: 'Rate limit reached for requests. Please try again in 20ms.',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    },
  },
  'overloaded-model': {
    status: 500,
    body: {
      error: {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    },
  },
};

const HEADERS = { 'x-request-id': 'req_fake_openai', 'openai-processing-ms': '12' };

/** Calls a tool when given tools, unless told not to or answering a tool result. */
function wantsToolCall(body: any): boolean {
  const last = body.messages?.[body.messages.length - 1];
  return Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice !== 'none' && last?.role !== 'tool';
}

function chatCompletion(body: any) {
  const tool = wantsToolCall(body);
  const message = tool
    ? {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: OPENAI.toolCall.id,
            type: 'function',
            function: { name: OPENAI.toolCall.name, arguments: OPENAI.toolCall.arguments },
          },
        ],
        refusal: null,
        annotations: [],
      }
    : { role: 'assistant', content: OPENAI.reply, refusal: null, annotations: [] };
  return {
    id: tool ? 'chatcmpl-fake-tool' : 'chatcmpl-fake-1',
    object: 'chat.completion',
    created: OPENAI.created,
    model: OPENAI.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: tool ? 'tool_calls' : 'stop' }],
    usage: OPENAI.usage,
    service_tier: 'default',
    system_fingerprint: OPENAI.fingerprint,
  };
}

function chatChunks(body: any): unknown[] {
  const includeUsage = body.stream_options?.include_usage === true;
  const base = {
    id: 'chatcmpl-fake-stream',
    object: 'chat.completion.chunk',
    created: OPENAI.created,
    model: OPENAI.model,
    service_tier: 'default',
    system_fingerprint: OPENAI.fingerprint,
  };
  const chunk = (delta: unknown, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks: unknown[] = [];
  if (wantsToolCall(body)) {
    const { id, name, pieces } = OPENAI.toolCall;
    chunks.push(
      chunk({
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }],
        refusal: null,
      }),
    );
    for (const piece of pieces) chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
    chunks.push(chunk({}, 'tool_calls'));
  } else {
    const pieces = body.model === 'long-stream' ? Array.from({ length: 40 }, (_, i) => `w${i} `) : OPENAI.pieces;
    chunks.push(chunk({ role: 'assistant', content: '', refusal: null }));
    for (const piece of pieces) chunks.push(chunk({ content: piece }));
    chunks.push(chunk({}, 'stop'));
  }
  if (includeUsage) chunks.push({ ...base, choices: [], usage: OPENAI.usage });
  return chunks;
}

/**
 * Responses API: calls the first function tool when given tools, unless told not to or
 * answering a tool's output (the last input item). The weather tool gets its arguments, any
 * other (an agent handoff) `{}`.
 */
function responsesToolCall(body: any): Record<string, unknown> | undefined {
  const tool = Array.isArray(body.tools) ? body.tools.find((t: any) => t.type === 'function') : undefined;
  const last = Array.isArray(body.input) ? body.input[body.input.length - 1] : undefined;
  if (!tool || body.tool_choice === 'none' || last?.type === 'function_call_output') return undefined;
  const weather = tool.name === OPENAI.toolCall.name;
  return {
    id: `fc_fake_${tool.name}`,
    type: 'function_call',
    status: 'completed',
    arguments: weather ? OPENAI.toolCall.arguments : '{}',
    call_id: weather ? OPENAI.toolCall.id : `call_${tool.name}`,
    name: tool.name,
  };
}

function response(body: any, status: 'completed' | 'in_progress') {
  const done = status === 'completed';
  const toolCall = responsesToolCall(body);
  return {
    id: 'resp_fake_1',
    object: 'response',
    created_at: OPENAI.created,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: OPENAI.model,
    output: !done
      ? []
      : toolCall
        ? [toolCall]
        : [
            {
              id: 'msg_fake_1',
              type: 'message',
              status: 'completed',
              content: [{ type: 'output_text', annotations: [], logprobs: [], text: OPENAI.reply }],
              role: 'assistant',
            },
          ],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: body.temperature ?? 1.0,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1.0,
    truncation: 'disabled',
    usage: done ? OPENAI.responsesUsage : null,
    user: null,
    metadata: {},
  };
}

/** A function call's events: the item, its arguments in pieces, then done. */
function responseToolCallEvents(body: any, toolCall: Record<string, unknown>): Record<string, unknown>[] {
  const args = toolCall.arguments as string;
  const pieces = args === OPENAI.toolCall.arguments ? OPENAI.toolCall.pieces : [args];
  return [
    { type: 'response.created', response: response(body, 'in_progress') },
    { type: 'response.in_progress', response: response(body, 'in_progress') },
    {
      type: 'response.output_item.added',
      output_index: 0,
      item: { ...toolCall, status: 'in_progress', arguments: '' },
    },
    ...pieces.map((delta) => ({
      type: 'response.function_call_arguments.delta',
      item_id: toolCall.id,
      output_index: 0,
      delta,
    })),
    { type: 'response.function_call_arguments.done', item_id: toolCall.id, output_index: 0, arguments: args },
    { type: 'response.output_item.done', output_index: 0, item: toolCall },
    { type: 'response.completed', response: response(body, 'completed') },
  ];
}

function responseEvents(body: any): { event: string; data: string }[] {
  const toolCall = responsesToolCall(body);
  if (toolCall) {
    return responseToolCallEvents(body, toolCall).map((event, sequence_number) => ({
      event: event.type as string,
      data: JSON.stringify({ ...event, sequence_number }),
    }));
  }
  const item = {
    id: 'msg_fake_1',
    type: 'message',
    status: 'in_progress',
    content: [] as unknown[],
    role: 'assistant',
  };
  const events: Record<string, unknown>[] = [
    { type: 'response.created', response: response(body, 'in_progress') },
    { type: 'response.in_progress', response: response(body, 'in_progress') },
    { type: 'response.output_item.added', output_index: 0, item },
    {
      type: 'response.content_part.added',
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
    },
    ...OPENAI.pieces.map((delta) => ({
      type: 'response.output_text.delta',
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      delta,
      logprobs: [],
    })),
    {
      type: 'response.output_text.done',
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      text: OPENAI.reply,
      logprobs: [],
    },
    {
      type: 'response.content_part.done',
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', annotations: [], logprobs: [], text: OPENAI.reply },
    },
    { type: 'response.output_item.done', output_index: 0, item: response(body, 'completed').output[0] },
    { type: 'response.completed', response: response(body, 'completed') },
  ];
  return events.map((event, sequence_number) => ({
    event: event.type as string,
    data: JSON.stringify({ ...event, sequence_number }),
  }));
}

function embeddings(body: any) {
  const inputs: unknown[] = Array.isArray(body.input) ? body.input : [body.input];
  const dimensions: number = body.dimensions ?? 8;
  const data = inputs.map((_, index) => {
    const vector = Array.from({ length: dimensions }, (_, i) => Math.round(((index + 1) * (i + 1)) % 7) / 8);
    const embedding =
      body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  return { object: 'list', data, model: OPENAI.embeddingModel, usage: { prompt_tokens: 6, total_tokens: 6 } };
}

async function answer(request: FakeRequest, res: FakeResponse, endpoint: string): Promise<void> {
  const body = request.body ?? {};
  const failure = OPENAI_ERRORS[body.model];
  if (failure) return sendJson(res, failure.status, failure.body, HEADERS);
  if (endpoint === 'embeddings') return sendJson(res, 200, embeddings(body), HEADERS);
  if (endpoint === 'responses') {
    if (body.stream) return sendSse(res, responseEvents(body), HEADERS);
    return sendJson(res, 200, response(body, 'completed'), HEADERS);
  }
  if (body.stream)
    return sendSse(
      res,
      [...chatChunks(body).map((chunk) => ({ data: JSON.stringify(chunk) })), { data: '[DONE]' }],
      HEADERS,
    );
  return sendJson(res, 200, chatCompletion(body), HEADERS);
}

export const openaiRoute: Route = async (request, res) => {
  if (request.method !== 'POST') return false;
  const match =
    /^\/v1\/(chat\/completions|responses|embeddings)$/.exec(request.path) ??
    /^\/openai\/deployments\/[^/]+\/(chat\/completions|embeddings)$/.exec(request.path);
  if (!match) return false;
  await answer(request, res, match[1] as string);
  return true;
};
