'use strict';
// An application using an MCP client (@modelcontextprotocol/sdk Client over stdio). It starts
// mcp-server.cjs with its own node flags (so the server runs with the hook exactly when the
// client does) and environment, the server's OTEL_SERVICE_NAME being SERVER_SERVICE_NAME.
// One JSON line per case; each case runs under withAuditContext({ feature: <case> }). With
// ESM=1 it loads the SDK with import(). With MCP_TRANSPORT=http it talks Streamable HTTP to the
// server, which it starts the same way and stops with SIGTERM at the end.
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const path = require('node:path');
const { runCases } = require('./shared/app-cases.cjs');

function describeError(err) {
  return { name: err.constructor.name, code: err.code ?? null, message: err.message };
}

function cases(client) {
  return {
    async tool() {
      return { result: await client.callTool({ name: 'get_weather', arguments: { city: 'Paris' } }) };
    },
    async 'tool-error'() {
      return { result: await client.callTool({ name: 'fail_soft', arguments: { city: 'Atlantis' } }) };
    },
    async 'tool-throws'() {
      return { result: await client.callTool({ name: 'explode', arguments: {} }) };
    },
    async resource() {
      return { result: await client.readResource({ uri: 'config://app' }) };
    },
    async 'resource-missing'() {
      await client.readResource({ uri: 'config://missing' });
    },
    async prompt() {
      return { result: await client.getPrompt({ name: 'greeting', arguments: { name: 'Ada' } }) };
    },
    async 'params-untouched'() {
      // Frozen: writing trace context into the caller's own object would throw here.
      const meta = Object.freeze({ 'com.example/origin': 'app' });
      const params = Object.freeze({ name: 'get_weather', arguments: Object.freeze({ city: 'Oslo' }), _meta: meta });
      const result = await client.callTool(params);
      return { params, text: result.content[0].text };
    },
    // With FRAMEWORK_TOOL=1: an MCP tool called through a LangChain tool (as
    // @langchain/mcp-adapters does), which records the tool call itself.
    ...(process.env.FRAMEWORK_TOOL === '1' && {
      async 'framework-tool'() {
        const { tool } = require('@langchain/core/tools');
        const { z } = require('zod');
        const weather = tool(
          async ({ city }) => (await client.callTool({ name: 'get_weather', arguments: { city } })).content[0].text,
          { name: 'get_weather', description: 'Weather for a city', schema: z.object({ city: z.string() }) },
        );
        return { text: await weather.invoke({ city: 'Paris' }) };
      },
    }),
  };
}

function load(specifier) {
  return process.env.ESM === '1' ? import(specifier) : Promise.resolve(require(specifier));
}

const SERVER = {
  command: process.execPath,
  args: [...process.execArgv, path.join(__dirname, 'mcp-server.cjs')],
  env: { ...process.env, OTEL_SERVICE_NAME: process.env.SERVER_SERVICE_NAME },
};

/** The transport to the server, and how to stop the server once the client closed. */
async function connectServer() {
  if (process.env.MCP_TRANSPORT !== 'http') {
    const { StdioClientTransport } = await load('@modelcontextprotocol/sdk/client/stdio.js');
    return { transport: new StdioClientTransport(SERVER), stop: async () => undefined };
  }
  const { StreamableHTTPClientTransport } = await load('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const child = spawn(SERVER.command, SERVER.args, { env: SERVER.env, stdio: ['ignore', 'pipe', 'inherit'] });
  const [port] = await once(child.stdout, 'data');
  const url = new URL(`http://127.0.0.1:${String(port).trim()}/mcp`);
  const stop = async () => {
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
  return { transport: new StreamableHTTPClientTransport(url), stop };
}

async function main() {
  const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
  const { transport, stop } = await connectServer();
  const client = new Client({ name: 'weather-app', version: '1.0.0' });
  await client.connect(transport);
  await runCases(cases(client), describeError);
  await client.close();
  await stop();
}

main();
