'use strict';
// An application using @google/genai (2.x or 3.x). One JSON line per case; each case runs under
// withAuditContext({ feature: <case> }). FAKE_URL points at the fake Gemini API.
const { GoogleGenAI } = require('@google/genai');
const { runCases } = require('./shared/app-cases.cjs');

const ai = new GoogleGenAI({
  apiKey: 'fake-key',
  httpOptions: { baseUrl: process.env.FAKE_URL, headers: { 'x-test-run': process.env.RUN_ID ?? '' } },
});
const model = 'gemini-2.5-flash';
const tools = [
  {
    functionDeclarations: [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
      },
    ],
  },
];

function describeError(err) {
  return { name: err.constructor.name, status: err.status ?? null };
}

const cases = {
  async generate() {
    const response = await ai.models.generateContent({
      model,
      contents: 'Say hello.',
      config: {
        systemInstruction: 'You are terse.',
        temperature: 0.4,
        maxOutputTokens: 100,
        topP: 0.9,
        topK: 20,
        stopSequences: ['END'],
        seed: 3,
      },
    });
    return {
      ctor: response.constructor.name,
      text: response.text,
      usage: response.usageMetadata,
      id: response.responseId,
    };
  },
  async 'generate-stream'() {
    const stream = await ai.models.generateContentStream({
      model,
      contents: [{ role: 'user', parts: [{ text: 'Say hello.' }] }],
    });
    const texts = [];
    for await (const chunk of stream) texts.push(chunk.text);
    return { texts };
  },
  async 'stream-break'() {
    const stream = await ai.models.generateContentStream({ model: 'long-stream', contents: 'Say hello.' });
    let n = 0;
    for await (const _chunk of stream) if (++n === 2) break;
    return { n };
  },
  async tools() {
    const first = await ai.models.generateContent({ model, contents: 'Weather in Paris?', config: { tools } });
    const call = first.functionCalls[0];
    const second = await ai.models.generateContent({
      model,
      config: { tools },
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: call }] },
        { role: 'user', parts: [{ functionResponse: { name: call.name, response: { forecast: 'rainy, 12°C' } } }] },
      ],
    });
    return { call: { name: call.name, args: call.args }, answer: second.text };
  },
  async chat() {
    const chat = ai.chats.create({ model });
    const response = await chat.sendMessage({ message: 'Say hello.' });
    return { text: response.text, history: chat.getHistory().length };
  },
  async embed() {
    const response = await ai.models.embedContent({
      model: 'text-embedding-004',
      contents: ['first text', 'second text'],
    });
    return { n: response.embeddings.length, dims: response.embeddings[0].values.length };
  },
  async vertex() {
    // Vertex AI express mode (API key), so no Google credentials are needed.
    const vertex = new GoogleGenAI({
      vertexai: true,
      apiKey: 'fake-key',
      httpOptions: { baseUrl: process.env.FAKE_URL },
    });
    const response = await vertex.models.generateContent({ model, contents: 'Say hello.' });
    return { text: response.text };
  },
  async 'error-404'() {
    await ai.models.generateContent({ model: 'missing-model', contents: 'Say hello.' });
  },
};

async function main() {
  await runCases(cases, describeError);
}

main();
