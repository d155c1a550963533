'use strict';
// An application using LangChain.js (@langchain/core, @langchain/openai) and LangGraph. One JSON
// line per case; each case runs under withAuditContext({ feature: <case> }). FAKE_URL points at
// the fake OpenAI server. With ESM=1 it loads the packages with import().
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { runCases } = require('./shared/app-cases.cjs');

async function load() {
  const esm = process.env.ESM === '1';
  const get = (name) => (esm ? import(name) : Promise.resolve(require(name)));
  const [openai, messages, tools, testing, graph, prebuilt, zod] = await Promise.all([
    get('@langchain/openai'),
    get('@langchain/core/messages'),
    get('@langchain/core/tools'),
    get('@langchain/core/utils/testing'),
    get('@langchain/langgraph'),
    get('@langchain/langgraph/prebuilt'),
    get('zod'),
  ]);
  // The copy of the openai SDK that @langchain/openai itself uses (it has its own nested one):
  // for import, its ES module build, the very module @langchain/openai imports.
  const nestedOpenAI = require.resolve('openai', { paths: [path.dirname(require.resolve('@langchain/openai'))] });
  const OpenAI = esm
    ? (await import(pathToFileURL(path.join(path.dirname(nestedOpenAI), 'index.mjs')).href)).default
    : require(nestedOpenAI);
  return { ...openai, ...messages, ...tools, ...testing, ...graph, ...prebuilt, z: zod.z, OpenAI };
}

function describeError(err) {
  return { name: err.constructor.name, status: err.status ?? err.lc_error_code ?? null };
}

/** What a message says, without the ids LangChain makes up per run. */
function said(message) {
  return { type: message.type ?? message.getType(), content: message.content, tool_calls: message.tool_calls };
}

function cases(lc) {
  const baseURL = `${process.env.FAKE_URL}/v1`;
  const chatModel = (model, fields = {}) =>
    new lc.ChatOpenAI({ model, apiKey: 'fake-key', maxRetries: 0, configuration: { baseURL }, ...fields });
  const weather = lc.tool(async ({ city }) => `rainy, 12°C in ${city}`, {
    name: 'get_weather',
    description: 'Weather for a city',
    schema: lc.z.object({ city: lc.z.string() }),
  });
  const question = { role: 'user', content: 'Weather in Paris?' };
  const agent = () => lc.createReactAgent({ llm: chatModel('gpt-4o-mini'), tools: [weather], name: 'weather_agent' });

  return {
    async chat() {
      const model = chatModel('gpt-4o-mini', { temperature: 0.2, maxTokens: 64, topP: 0.9 });
      const reply = await model.invoke([new lc.SystemMessage('You are terse.'), new lc.HumanMessage('Say hello.')]);
      return { ...said(reply), usage: reply.usage_metadata };
    },
    // A chat model over no SDK the hook patches: LangChain's span is the only one either way.
    async 'no-sdk'() {
      const reply = await new lc.FakeListChatModel({ responses: ['pong'] }).invoke('ping');
      return { content: reply.content };
    },
    async 'chat-stream'() {
      const model = chatModel('gpt-4o-mini');
      let text = '';
      let usage;
      for await (const chunk of await model.stream('Say hello.')) {
        text += chunk.content;
        usage = chunk.usage_metadata ?? usage;
      }
      return { text, usage };
    },
    async 'stream-break'() {
      let n = 0;
      for await (const _chunk of await chatModel('long-stream').stream('Count.')) if (++n === 3) break;
      return { n };
    },
    async agent() {
      const result = await agent().invoke({ messages: [question] });
      return { messages: result.messages.map(said) };
    },
    async 'agent-stream'() {
      let text = '';
      const stream = await agent().stream({ messages: [question] }, { streamMode: 'messages' });
      for await (const [chunk, metadata] of stream) if (metadata.langgraph_node === 'agent') text += chunk.content;
      return { text };
    },
    async workflow() {
      const State = lc.Annotation.Root({
        ...lc.MessagesAnnotation.spec,
        summary: lc.Annotation(),
      });
      const workflow = new lc.StateGraph(State)
        .addNode('weather', agent())
        .addNode('summarize', (state) => ({ summary: `${state.messages.length} messages` }))
        .addEdge(lc.START, 'weather')
        .addEdge('weather', 'summarize')
        .addEdge('summarize', lc.END)
        .compile({ name: 'trip_planner' });
      const result = await workflow.invoke({ messages: [question] });
      return { summary: result.summary, last: said(result.messages[result.messages.length - 1]) };
    },
    // Paused for a human, then resumed: two runs, neither failed.
    async interrupt() {
      const State = lc.Annotation.Root({ answer: lc.Annotation() });
      const approval = new lc.StateGraph(State)
        .addNode('ask', () => ({ answer: lc.interrupt('Approve?') }))
        .addEdge(lc.START, 'ask')
        .addEdge('ask', lc.END)
        .compile({ name: 'approval', checkpointer: new lc.MemorySaver() });
      const config = { configurable: { thread_id: 'thread-1' } };
      const paused = await approval.invoke({}, config);
      const resumed = await approval.invoke(new lc.Command({ resume: 'yes' }), config);
      return { paused: Object.keys(paused), resumed };
    },
    async 'error-429'() {
      await chatModel('rate-limited-model').invoke('Say hello.');
    },
    async 'error-429-stream'() {
      for await (const _chunk of await chatModel('rate-limited-model').stream('Say hello.')) break;
    },
    async 'tool-error'() {
      const failing = lc.tool(
        async () => {
          throw new Error('weather service down');
        },
        { name: 'get_weather', description: 'Weather for a city', schema: lc.z.object({ city: lc.z.string() }) },
      );
      await failing.invoke({ id: 'call_direct_1', name: 'get_weather', args: { city: 'Oslo' }, type: 'tool_call' });
    },
    // The openai SDK that @langchain/openai uses, called directly: it is patched, so only the
    // suppression under LangChain's own spans keeps the cases above at one span per model call.
    async 'openai-direct'() {
      const client = new lc.OpenAI({ apiKey: 'fake-key', baseURL, maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Say hello.' }],
      });
      return { text: completion.choices[0].message.content };
    },
  };
}

async function main() {
  const lc = await load();
  await runCases(cases(lc), describeError);
}

main();
