'use strict';
/**
 * The two servers of the overhead scenario, in one process of their own (forked with IPC):
 *
 *  - a fake OpenAI API that answers POST /v1/chat/completions at once with a recorded-shape
 *    chat completion (a ~1 KB reply from bench/spans.js, token usage);
 *  - an OTLP/gRPC sink (TraceService, MetricsService and LogsService Export on @grpc/grpc-js
 *    with raw buffers) where every variant's SDK exports its spans, so export runs for real
 *    in the application process. The sink decodes trace requests with the collector's
 *    decoder only to count spans (and those carrying message content) for the report.
 *
 * IPC: sends { openaiUrl, otlpEndpoint } once listening; answers { cmd: 'counts' } with the
 * counts since the last { cmd: 'reset' }.
 */
const http = require('node:http');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { rng, reply } = require('../spans');

const { decodeTraceExportProtobuf } = require(path.resolve(__dirname, '../../collector/dist/receiver/otlp/decode'));

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench0001',
  object: 'chat.completion',
  created: 1_764_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: reply(rng(7)), refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 612,
    completion_tokens: 241,
    total_tokens: 853,
    prompt_tokens_details: { cached_tokens: 256, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_bench0001',
});

const counts = { calls: 0, exports: 0, spans: 0, spansWithContent: 0 };

const openai = http.createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  request.resume();
  request.on('end', () => {
    counts.calls++;
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(COMPLETION),
      'x-request-id': 'req_bench',
    });
    response.end(COMPLETION);
  });
});

const LIMITS = {
  maxSpans: 1e6,
  maxAttributesPerSpan: 1e4,
  maxEventsPerSpan: 1e4,
  maxAttributeValueLength: 1e8,
  maxValueDepth: 64,
};
const CONTENT = /^(gen_ai\.input\.messages|gen_ai\.prompt\.|gen_ai\.content\.prompt|gen_ai\.user\.message)/;

function countSpans(buffer) {
  counts.exports++;
  const decoded = decodeTraceExportProtobuf(buffer, LIMITS).export;
  for (const rs of decoded.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        counts.spans++;
        const carries =
          Object.keys(span.attributes).some((key) => CONTENT.test(key)) ||
          span.events.some((e) => CONTENT.test(e.name));
        if (carries) counts.spansWithContent++;
      }
    }
  }
}

function rawExport(service, onRequest) {
  const identity = (buffer) => buffer;
  return [
    {
      Export: {
        path: `/opentelemetry.proto.collector.${service}/Export`,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Export: (call, callback) => {
        onRequest(call.request);
        callback(null, Buffer.alloc(0));
      },
    },
  ];
}

const sink = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
sink.addService(...rawExport('trace.v1.TraceService', countSpans));
sink.addService(...rawExport('metrics.v1.MetricsService', () => undefined));
sink.addService(...rawExport('logs.v1.LogsService', () => undefined));

openai.listen(0, '127.0.0.1', () => {
  sink.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    process.send({
      openaiUrl: `http://127.0.0.1:${openai.address().port}/v1`,
      otlpEndpoint: `http://127.0.0.1:${port}`,
    });
  });
});

process.on('message', (message) => {
  if (message.cmd === 'counts') process.send({ counts: { ...counts } });
  if (message.cmd === 'reset') for (const key of Object.keys(counts)) counts[key] = 0;
  if (message.cmd === 'exit') process.exit(0);
});
