/**
 * Answers like an Ollama server (/api/chat): a JSON response, the newline-delimited JSON stream
 * whose last line carries `done_reason` and the token counts, tool calls (whole, arguments as
 * objects, finishing with `stop`), thinking, and the server's error bodies.
 */
import { sendJson, sendNdjson, type Route } from './server';

export const OLLAMA = {
  model: 'llama3.2',
  reply: 'Hello from the fake Ollama.',
  pieces: ['Hello', ' from the', ' fake', ' Ollama.'],
  thinking: 'A greeting is asked for.',
  toolCall: { function: { name: 'get_weather', arguments: { city: 'Paris' } } },
  counts: { prompt_eval_count: 26, eval_count: 12 },
};

export const OLLAMA_ERRORS: Record<string, { status: number; body: unknown }> = {
  'missing-model': { status: 404, body: { error: 'model "missing-model" not found, try pulling it first' } },
};

const createdAt = '2026-01-01T00:00:00.000000Z';

function wantsToolCall(body: any): boolean {
  const last = body.messages?.[body.messages.length - 1];
  return Array.isArray(body.tools) && body.tools.length > 0 && last?.role !== 'tool';
}

/** The last line (or the whole response): why it stopped, how long it took, and the counts. */
function done(message: unknown) {
  return {
    model: OLLAMA.model,
    created_at: createdAt,
    message,
    done: true,
    done_reason: 'stop',
    total_duration: 5191566416,
    load_duration: 2154458,
    prompt_eval_count: OLLAMA.counts.prompt_eval_count,
    prompt_eval_duration: 383809000,
    eval_count: OLLAMA.counts.eval_count,
    eval_duration: 4799921000,
  };
}

function response(body: any) {
  if (wantsToolCall(body)) return done({ role: 'assistant', content: '', tool_calls: [OLLAMA.toolCall] });
  const thinking = body.think ? { thinking: OLLAMA.thinking } : {};
  return done({ role: 'assistant', content: OLLAMA.reply, ...thinking });
}

function lines(body: any): unknown[] {
  const line = (message: unknown) => ({ model: OLLAMA.model, created_at: createdAt, message, done: false });
  const list: unknown[] = [];
  if (wantsToolCall(body)) list.push(line({ role: 'assistant', content: '', tool_calls: [OLLAMA.toolCall] }));
  else {
    if (body.think) list.push(line({ role: 'assistant', content: '', thinking: OLLAMA.thinking }));
    const pieces = body.model === 'long-stream' ? Array.from({ length: 40 }, (_, i) => `w${i} `) : OLLAMA.pieces;
    for (const content of pieces) list.push(line({ role: 'assistant', content }));
  }
  list.push(done({ role: 'assistant', content: '' }));
  return list;
}

export const ollamaRoute: Route = async (request, res) => {
  if (request.method !== 'POST' || request.path !== '/api/chat') return false;
  const body = request.body ?? {};
  const failure = OLLAMA_ERRORS[body.model];
  if (failure) sendJson(res, failure.status, failure.body);
  else if (body.stream) await sendNdjson(res, lines(body));
  else sendJson(res, 200, response(body));
  return true;
};
