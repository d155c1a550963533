'use strict';
// An MCP server (McpServer from the SDK) over stdio, started by mcp-client-app.cjs as its child
// process with the client's node flags (the hook, when the client runs with it) and environment.
// Tools: get_weather answers, fail_soft answers with isError, explode throws (the SDK turns that
// into an isError result); a static resource (config://app) and a prompt (greeting). With ESM=1
// (the client's environment) it loads the SDK with import(): McpServer then reaches the low-level
// Server through a relative ESM import. With MCP_TRANSPORT=http it serves Streamable HTTP (one
// session) on a free port of 127.0.0.1, which it prints on stdout.
const { randomUUID } = require('node:crypto');
const http = require('node:http');
const { z } = require('zod');

function load(specifier) {
  return process.env.ESM === '1' ? import(specifier) : Promise.resolve(require(specifier));
}

async function main() {
  const { McpServer } = await load('@modelcontextprotocol/sdk/server/mcp.js');
  const { StdioServerTransport } = await load('@modelcontextprotocol/sdk/server/stdio.js');
  const server = new McpServer({ name: 'weather-server', version: '1.0.0' });
  server.registerTool(
    'get_weather',
    { description: 'Weather for a city', inputSchema: { city: z.string() } },
    async ({ city }) => ({ content: [{ type: 'text', text: `rainy, 12°C in ${city}` }] }),
  );
  server.registerTool(
    'fail_soft',
    { description: 'A tool that reports its failure in the result', inputSchema: { city: z.string() } },
    async ({ city }) => ({ content: [{ type: 'text', text: `no station in ${city}` }], isError: true }),
  );
  server.registerTool('explode', { description: 'A tool that throws' }, async () => {
    throw new Error('sensor offline');
  });
  server.registerResource('config', 'config://app', { mimeType: 'application/json' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: '{"units":"metric"}' }],
  }));
  server.registerPrompt('greeting', { argsSchema: { name: z.string() } }, ({ name }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}.` } }],
  }));

  if (process.env.MCP_TRANSPORT !== 'http') {
    await server.connect(new StdioServerTransport());
    // The client closing stdin ends the session: exit on our own, as a server in a service does.
    process.stdin.once('end', () => server.close());
    return;
  }
  const { StreamableHTTPServerTransport } = await load('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
  await server.connect(transport);
  const listener = http.createServer((req, res) => transport.handleRequest(req, res));
  listener.listen(0, '127.0.0.1', () => process.stdout.write(`${listener.address().port}\n`));
}

main();
