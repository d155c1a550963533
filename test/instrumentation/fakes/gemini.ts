/**
 * Answers like the Gemini API (generativelanguage.googleapis.com): generateContent,
 * streamGenerateContent?alt=sse, batchEmbedContents, function calls, and the API's error bodies.
 */
import { sendJson, sendSse, type Route } from './server';

export const GEMINI = {
  model: 'gemini-2.5-flash-001',
  reply: 'Hello from the fake Gemini.',
  pieces: ['Hello from', ' the fake', ' Gemini.'],
  call: { name: 'get_weather', args: { city: 'Paris' } },
  usage: {
    promptTokenCount: 40,
    candidatesTokenCount: 8,
    thoughtsTokenCount: 5,
    cachedContentTokenCount: 16,
    totalTokenCount: 53,
  },
};

export const GEMINI_ERRORS: Record<string, { status: number; body: unknown }> = {
  'missing-model': {
    status: 404,
    body: {
      error: {
        code: 404,
        message: 'models/missing-model is not found for API version v1beta, or is not supported for generateContent.',
        status: 'NOT_FOUND',
      },
    },
  },
};

function wantsCall(body: any): boolean {
  const last = body.contents?.[body.contents.length - 1];
  const answered = last?.parts?.some((part: any) => part.functionResponse);
  return Array.isArray(body.tools) && body.tools.some((tool: any) => tool.functionDeclarations) && !answered;
}

function usage() {
  return {
    ...GEMINI.usage,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 40 }],
    cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 16 }],
  };
}

function response(body: any) {
  const parts = wantsCall(body) ? [{ functionCall: GEMINI.call }] : [{ text: GEMINI.reply }];
  return {
    candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: usage(),
    modelVersion: GEMINI.model,
    responseId: 'fake-gemini-response-1',
  };
}

function chunks(model: string): unknown[] {
  const pieces = model === 'long-stream' ? Array.from({ length: 30 }, (_, i) => `w${i} `) : GEMINI.pieces;
  return pieces.map((text, i) => {
    const last = i === pieces.length - 1;
    return {
      candidates: [
        { content: { parts: [{ text }], role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 },
      ],
      usageMetadata: last
        ? usage()
        : { promptTokenCount: 40, totalTokenCount: 40, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 40 }] },
      modelVersion: GEMINI.model,
      responseId: 'fake-gemini-stream-1',
    };
  });
}

export const geminiRoute: Route = async (request, res) => {
  // Gemini API: v1beta (2.x default) or v1 (3.x); Vertex AI express mode: v1beta1/publishers/google.
  const match =
    /^\/v1(?:beta1?)?\/(?:publishers\/google\/)?models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(
      request.path,
    );
  if (request.method !== 'POST' || !match) return false;
  const [, model, method] = match as unknown as [string, string, string];
  const failure = GEMINI_ERRORS[model];
  const body = request.body ?? {};
  if (failure) sendJson(res, failure.status, failure.body);
  else if (method === 'batchEmbedContents') {
    sendJson(res, 200, {
      embeddings: (body.requests ?? []).map((_: unknown, i: number) => ({
        values: [0.1 * (i + 1), 0.2, 0.3, 0.4, 0.5, 0.6],
      })),
    });
  } else if (method === 'streamGenerateContent') {
    await sendSse(
      res,
      chunks(model).map((chunk) => ({ data: JSON.stringify(chunk) })),
    );
  } else {
    sendJson(res, 200, response(body));
  }
  return true;
};
