'use strict';
/**
 * The sender of the ingest scenario, in its own process (forked with an IPC channel): replays
 * pre-encoded 512-span OTLP requests at full speed over OTLP/HTTP (protobuf) or OTLP/gRPC,
 * keeping `concurrency` requests in flight, the way several instrumented services would.
 *
 * Protocol with the parent: it sends { cmd: 'run', seconds } and gets back
 * { requests, spans, refused, failed, latenciesMs, elapsedMs } once every request started in
 * the window has been answered; { cmd: 'exit' } ends the process.
 *
 * Each worker owns copies of the requests and re-stamps them before each send (a fresh
 * sequence number in the trace ids, span times moved to now; nothing is allocated per
 * request), so every span is a new, current record.
 */
const http = require('node:http');
const grpc = require('@grpc/grpc-js');
const { loadRequests, replayable } = require('../lib/requests');

const { protocol, endpoint, concurrency, templates } = JSON.parse(process.argv[2]);
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** send(body) resolves 'ok', 'refused' (backpressure: 429 / RESOURCE_EXHAUSTED) or 'failed'. */
function httpSender() {
  const [host, port] = [
    endpoint.slice(0, endpoint.lastIndexOf(':')),
    Number(endpoint.slice(endpoint.lastIndexOf(':') + 1)),
  ];
  let agent;
  const send = (body) =>
    new Promise((resolve) => {
      const request = http.request(
        {
          host,
          port,
          path: '/v1/traces',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            resolve(
              response.statusCode === 200
                ? 'ok'
                : response.statusCode === 429 || response.statusCode === 503
                  ? 'refused'
                  : 'failed',
            ),
          );
        },
      );
      request.on('error', () => resolve('failed'));
      request.end(body);
    });
  // Fresh connections for each run: between runs the sender waits for the collector to store
  // its backlog, long enough for the server to close idle keep-alive sockets, and a request
  // racing that close would count as failed.
  send.newRun = () => {
    agent?.destroy();
    agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  };
  return send;
}

function grpcSender() {
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  const identity = (buffer) => buffer;
  return (body) =>
    new Promise((resolve) => {
      client.makeUnaryRequest(EXPORT_PATH, identity, identity, body, (error) => {
        if (!error) resolve('ok');
        else
          resolve(
            error.code === grpc.status.RESOURCE_EXHAUSTED || error.code === grpc.status.UNAVAILABLE
              ? 'refused'
              : 'failed',
          );
      });
    });
}

const send = protocol === 'grpc' ? grpcSender() : httpSender();
// One private copy of every request per worker: a buffer is only re-stamped while no send of it is in flight.
const requests = loadRequests(templates);
const copies = Array.from({ length: concurrency }, () => requests.map(replayable));
let sequence = 1;

async function run(seconds) {
  send.newRun?.();
  const result = { requests: 0, spans: 0, refused: 0, failed: 0, latenciesMs: [], elapsedMs: 0 };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async (mine) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const request = mine[i % mine.length];
      request.restamp(sequence++, Date.now());
      const t0 = performance.now();
      const outcome = await send(request.bytes);
      const latency = performance.now() - t0;
      if (outcome === 'ok') {
        result.requests++;
        result.spans += request.spans;
        result.latenciesMs.push(latency);
      } else {
        result[outcome]++;
        // Backpressure or an error: back off a little, as exporters do, instead of spinning.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  await Promise.all(copies.map(worker));
  result.elapsedMs = performance.now() - started;
  return result;
}

process.on('message', async (message) => {
  if (message.cmd === 'run') process.send(await run(message.seconds));
  if (message.cmd === 'exit') process.exit(0);
});
process.send({ ready: true });
