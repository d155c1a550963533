/**
 * Answers like Bedrock Runtime: Converse (JSON), ConverseStream (AWS event stream), InvokeModel
 * with Anthropic, Titan Text and Titan Embeddings bodies, and AWS error responses.
 */
import { encodeEvent } from './eventstream';
import { gone, sendJson, write, writeHead, type Route } from './server';

export const BEDROCK = {
  reply: 'Hello from the fake Bedrock.',
  pieces: ['Hello from', ' the fake', ' Bedrock.'],
  preamble: 'Checking.',
  tool: {
    toolUseId: 'tooluse_fake_01',
    name: 'get_weather',
    input: { city: 'Paris' },
    pieces: ['{"ci', 'ty":"Par', 'is"}'],
  },
  usage: { inputTokens: 11, outputTokens: 7, totalTokens: 318, cacheReadInputTokens: 200, cacheWriteInputTokens: 100 },
  titanReply: 'Titan says hello.',
};

const HEADERS = { 'x-amzn-requestid': '6b3f0a1e-0000-4000-8000-fakefakefake' };

function wantsTool(body: any): boolean {
  const last = body.messages?.[body.messages.length - 1];
  const answered = last?.content?.some((block: any) => block.toolResult);
  return Array.isArray(body.toolConfig?.tools) && !answered;
}

function converse(body: any) {
  const tool = wantsTool(body);
  return {
    output: {
      message: {
        role: 'assistant',
        content: tool
          ? [
              { text: BEDROCK.preamble },
              { toolUse: { toolUseId: BEDROCK.tool.toolUseId, name: BEDROCK.tool.name, input: BEDROCK.tool.input } },
            ]
          : [{ text: BEDROCK.reply }],
      },
    },
    stopReason: tool ? 'tool_use' : 'end_turn',
    usage: BEDROCK.usage,
    metrics: { latencyMs: 321 },
  };
}

function converseEvents(model: string, body: any): Buffer[] {
  const tool = wantsTool(body);
  const pieces =
    model === 'long-stream'
      ? Array.from({ length: 30 }, (_, i) => `w${i} `)
      : tool
        ? [BEDROCK.preamble]
        : BEDROCK.pieces;
  const events = [encodeEvent('messageStart', { role: 'assistant' })];
  for (const text of pieces) events.push(encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }));
  events.push(encodeEvent('contentBlockStop', { contentBlockIndex: 0 }));
  if (tool) {
    events.push(
      encodeEvent('contentBlockStart', {
        contentBlockIndex: 1,
        start: { toolUse: { toolUseId: BEDROCK.tool.toolUseId, name: BEDROCK.tool.name } },
      }),
    );
    for (const input of BEDROCK.tool.pieces)
      events.push(encodeEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input } } }));
    events.push(encodeEvent('contentBlockStop', { contentBlockIndex: 1 }));
  }
  events.push(encodeEvent('messageStop', { stopReason: tool ? 'tool_use' : 'end_turn' }));
  events.push(encodeEvent('metadata', { usage: BEDROCK.usage, metrics: { latencyMs: 321 } }));
  return events;
}

function invoke(model: string, body: any): unknown {
  if (model.startsWith('anthropic.')) {
    return {
      id: 'msg_bdrk_fake01',
      type: 'message',
      role: 'assistant',
      model: 'claude-3-5-haiku-20241022',
      content: [{ type: 'text', text: BEDROCK.reply }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 14, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 6 },
    };
  }
  if (model.includes('embed')) {
    return {
      embedding: Array.from({ length: body.dimensions ?? 4 }, (_, i) => i / 10),
      embeddingsByType: {},
      inputTextTokenCount: 3,
    };
  }
  return {
    inputTextTokenCount: 5,
    results: [{ tokenCount: 4, outputText: BEDROCK.titanReply, completionReason: 'FINISH' }],
  };
}

export const bedrockRoute: Route = async (request, res) => {
  const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(request.path);
  if (request.method !== 'POST' || !match) return false;
  const model = decodeURIComponent(match[1] as string);
  const body = request.body ?? {};
  if (model === 'missing-model') {
    sendJson(
      res,
      400,
      { message: 'The provided model identifier is invalid.' },
      {
        ...HEADERS,
        'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/',
      },
    );
  } else if (match[2] === 'converse') {
    sendJson(res, 200, converse(body), HEADERS);
  } else if (match[2] === 'invoke') {
    sendJson(res, 200, invoke(model, body), {
      ...HEADERS,
      'x-amzn-bedrock-input-token-count': '14',
      'x-amzn-bedrock-output-token-count': '6',
    });
  } else {
    writeHead(res, 200, { ...HEADERS, 'content-type': 'application/vnd.amazon.eventstream' });
    for (const event of converseEvents(model, body)) {
      if (gone(res)) return true;
      write(res, event);
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  }
  return true;
};
