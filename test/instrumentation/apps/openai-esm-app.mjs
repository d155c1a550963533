// An ES module application: `import` of openai and of the package's own API. Run with
// `node --import @ai-audit/instrumentation/register`. One JSON line per case.
import OpenAI from 'openai';
import { withAuditContext } from '@ai-audit/instrumentation';

const client = new OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 });
const messages = [{ role: 'user', content: 'Say hello.' }];

const cases = {
  async chat() {
    const result = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    return { text: result.choices[0].message.content };
  },
  async 'chat-stream'() {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    return { text, chunks };
  },
};

for (const [name, fn] of Object.entries(cases)) {
  const value = await withAuditContext({ userId: 'esm-user', feature: name }, fn);
  process.stdout.write(`${JSON.stringify({ case: name, ...value })}\n`);
}

// Which imports the ESM loader wraps, on stderr so that stdout stays the application's own.
const wrapped = (specifier) => import.meta.resolve(specifier).includes('iitm');
process.stderr.write(
  `loader: ${JSON.stringify({ openai: wrapped('openai'), protobufjs: wrapped('protobufjs'), fs: wrapped('node:fs') })}\n`,
);
