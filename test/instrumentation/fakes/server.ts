/**
 * One local HTTP server that answers like the LLM providers (see the sibling modules), with a
 * log of what each request carried so tests can check what the hook changed on the wire.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or undefined. */
  body: any;
  raw: Buffer;
}

export type FakeResponse = http.ServerResponse | http2.Http2ServerResponse;

/** A route answers or returns false to let the next one try. */
export type Route = (request: FakeRequest, response: FakeResponse) => boolean | Promise<boolean>;

/** The client went away (a stream it stopped reading). */
export function gone(response: FakeResponse): boolean {
  return 'stream' in response ? response.stream.destroyed : response.destroyed;
}

export interface FakeServer {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

/** Both response kinds have the same writeHead and write; TypeScript cannot call them on their union. */
export function writeHead(response: FakeResponse, status: number, headers: http.OutgoingHttpHeaders): void {
  (response as http.ServerResponse).writeHead(status, headers);
}

export function write(response: FakeResponse, chunk: string | Buffer): void {
  (response as http.ServerResponse).write(chunk);
}

export function sendJson(
  response: FakeResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  writeHead(response, status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Server-sent events, each written as its own chunk like a real streaming API. */
export async function sendSse(
  response: FakeResponse,
  events: { event?: string; data: string }[],
  headers: http.OutgoingHttpHeaders = {},
): Promise<void> {
  writeHead(response, 200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    ...headers,
  });
  for (const { event, data } of events) {
    if (gone(response)) return;
    write(response, `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.end();
}

/** Newline-delimited JSON (Ollama's streams), each line written as its own chunk. */
export async function sendNdjson(response: FakeResponse, lines: unknown[]): Promise<void> {
  writeHead(response, 200, { 'content-type': 'application/x-ndjson' });
  for (const line of lines) {
    if (gone(response)) return;
    write(response, `${JSON.stringify(line)}\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.end();
}

/** HTTP/1.1, or cleartext HTTP/2 (prior knowledge) for clients that speak only that (AWS SDK v3). */
export async function startFakeServer(routes: Route[], options: { http2?: boolean } = {}): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const handle = (req: http.IncomingMessage | http2.Http2ServerRequest, res: FakeResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://fake');
      let body: unknown;
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = undefined;
      }
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        raw,
      };
      requests.push(request);
      try {
        for (const route of routes) if (await route(request, res)) return;
        sendJson(res, 404, { error: { message: `no fake for ${request.method} ${request.path}` } });
      } catch (err) {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String(err) } });
        else res.end();
      }
    });
  };
  const sessions = new Set<http2.ServerHttp2Session>();
  let server: http.Server | http2.Http2Server;
  if (options.http2) {
    const h2 = http2.createServer(handle);
    h2.on('session', (session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
      // Like a real endpoint, drop idle sessions. Not too soon: a session closed just as a
      // slow (loaded) client sends its first request refuses it (NGHTTP2_REFUSED_STREAM).
      // Apps destroy their clients when done, so they do not wait for this.
      session.setTimeout(10_000, () => session.close());
    });
    server = h2;
  } else {
    const h1 = http.createServer(handle);
    // Idle keep-alive connections are closed soon, so client processes can exit when done.
    h1.keepAliveTimeout = 200;
    server = h1;
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        if (server instanceof http.Server) server.closeAllConnections();
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
