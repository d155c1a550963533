import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeCost, loadPricing } from '../../collector/src/processor/cost';
import { CollectorProcess, eventually, filesContaining, runCli, runOnStore, runSql } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans, type ExporterKind } from '../helpers/otel';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';

const CANARY = 'CANARY-7f3a9e-PROMPT-TEXT';
const START = new Date('2026-11-20T10:00:00.000Z');
const END = new Date('2026-11-20T10:00:01.500Z');
const RECENT_NS = BigInt(Date.now() - 3_600_000) * 1_000_000n;

function chatSpan(user: string, model: string, input: number, output: number) {
  return {
    start: START,
    end: END,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': model,
      'gen_ai.response.model': model,
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.output_tokens': output,
      'user.id': user,
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: `${CANARY} for ${user}` }] },
      ]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: CANARY }] }]),
    },
  };
}

describe('collector spine: OTLP in, audit records out, on the embedded store', () => {
  let collector: CollectorProcess;

  beforeAll(async () => {
    collector = await CollectorProcess.start();
  });

  afterAll(async () => {
    await collector?.stop();
  });

  const kinds: ExporterKind[] = ['grpc', 'http-json', 'http-proto'];

  it('stores what the official gRPC, HTTP/JSON and HTTP/protobuf exporters send, column by column', async () => {
    for (const [i, kind] of kinds.entries()) {
      const spans = makeSpans(
        [
          chatSpan(`user-${kind}`, 'gpt-4o', 1000 + i, 200 + i),
          { name: 'GET /health', attributes: { 'http.method': 'GET' } },
        ],
        {
          'service.name': `svc-${kind}`,
          'deployment.environment.name': 'prod',
          'service.version': '1.2.3',
        },
      );
      await exportSpans(createExporter(kind, collector), spans);
    }
    const rows = await eventually(async () => {
      const r = await collector.sql<Record<string, unknown>>(
        "SELECT user_id, service_name, service_version, environment, request_model, input_tokens, output_tokens, cost_usd, latency_ms, operation, provider, status, toString(timestamp) AS ts FROM ai_audit.records WHERE user_id LIKE 'user-%' ORDER BY user_id",
      );
      return r.length === 3 && r;
    });
    const table = loadPricing();
    for (const [i, kind] of kinds.entries()) {
      const row = rows.find((r) => r.user_id === `user-${kind}`) as Record<string, unknown>;
      const expectedCost = computeCost(table, {
        provider: 'openai',
        requestModel: 'gpt-4o',
        responseModel: 'gpt-4o',
        inputTokens: 1000 + i,
        outputTokens: 200 + i,
        cacheReadTokens: null,
        cacheWriteTokens: null,
      });
      expect(expectedCost).not.toBeNull();
      expect(row).toMatchObject({
        service_name: `svc-${kind}`,
        service_version: '1.2.3',
        environment: 'prod',
        request_model: 'gpt-4o',
        input_tokens: 1000 + i,
        output_tokens: 200 + i,
        latency_ms: 1500,
        operation: 'chat',
        provider: 'openai',
        status: 'ok',
        ts: '2026-11-20 10:00:00.000000000',
      });
      expect(Number(row.cost_usd)).toBeCloseTo(expectedCost as number, 9);
    }
    const dropped = await collector.sql("SELECT count() AS n FROM ai_audit.records WHERE span_name = 'GET /health'");
    expect(dropped).toEqual([{ n: 0 }]);
  });

  it('accepts a raw OTLP/JSON body (gzip too) and reports refused spans as partial success', async () => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw-json' } }] },
          scopeSpans: [
            {
              scope: { name: 'manual' },
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'chat claude-sonnet-4-5',
                  kind: 3,
                  startTimeUnixNano: `${RECENT_NS}`,
                  endTimeUnixNano: `${RECENT_NS + 750_000_000n}`,
                  attributes: [
                    { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                    { key: 'gen_ai.provider.name', value: { stringValue: 'anthropic' } },
                    { key: 'gen_ai.request.model', value: { stringValue: 'claude-sonnet-4-5' } },
                    { key: 'gen_ai.usage.input_tokens', value: { intValue: '321' } },
                    { key: 'gen_ai.usage.output_tokens', value: { intValue: 45 } },
                    { key: 'user.id', value: { stringValue: 'raw-user' } },
                  ],
                },
                {
                  traceId: '00000000000000000000000000000000',
                  spanId: 'eee19b7ec3c1b175',
                  name: 'chat x',
                  attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const response = await fetch(collector.otlpHttpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(body)),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      partialSuccess: { rejectedSpans: '1', errorMessage: 'span with an invalid trace_id' },
    });
    const rows = await eventually(async () => {
      const r = await collector.sql(
        "SELECT service_name, provider, request_model, input_tokens, output_tokens, latency_ms FROM ai_audit.records WHERE user_id = 'raw-user'",
      );
      return r.length === 1 && r;
    });
    expect(rows[0]).toEqual({
      service_name: 'raw-json',
      provider: 'anthropic',
      request_model: 'claude-sonnet-4-5',
      input_tokens: 321,
      output_tokens: 45,
      latency_ms: 750,
    });
  });

  it('answers malformed requests with 400 / INVALID_ARGUMENT and keeps serving', async () => {
    const bad = await fetch(collector.otlpHttpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]),
    });
    expect(bad.status).toBe(400);
    const badJson = await fetch(collector.otlpHttpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"resourceSpans": [${CANARY}`,
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.text()).not.toContain(CANARY);
    expect(
      (await fetch(collector.otlpHttpUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }))
        .status,
    ).toBe(415);
    expect(
      (await fetch(collector.otlpHttpUrl.replace('/v1/traces', '/v1/metrics'), { method: 'POST', body: 'x' })).status,
    ).toBe(404);

    const client = new grpc.Client(collector.grpcEndpoint, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0x05, 0x0a]),
        (error) => resolve(error),
      ),
    );
    client.close();
    expect(status?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status?.details).toMatch(/at byte \d+/);

    await exportSpans(createExporter('grpc', collector), makeSpans([chatSpan('after-garbage', 'gpt-4o', 1, 1)]));
    await eventually(
      async () => (await collector.sql("SELECT 1 FROM ai_audit.records WHERE user_id = 'after-garbage'")).length === 1,
    );
  });

  it('takes gzip-compressed exports on both protocols', async () => {
    const options = { compression: 'gzip' } as ConstructorParameters<typeof GrpcExporter>[0];
    await exportSpans(
      new GrpcExporter({ url: `http://${collector.grpcEndpoint}`, ...options }),
      makeSpans([chatSpan('gzip-grpc', 'gpt-4o', 1, 1)]),
    );
    await exportSpans(
      new HttpProtoExporter({ url: collector.otlpHttpUrl, ...options }),
      makeSpans([chatSpan('gzip-http', 'gpt-4o', 1, 1)]),
    );
    await eventually(
      async () =>
        (await collector.sql("SELECT 1 FROM ai_audit.records WHERE user_id IN ('gzip-grpc', 'gzip-http')")).length ===
        2,
    );
  });

  it('prints query results as a table, a JSON array of rows, CSV, or a FORMAT of the query', async () => {
    const query = "SELECT user_id, input_tokens FROM ai_audit.records WHERE user_id LIKE 'user-%' ORDER BY user_id";
    const table = await runCli(['sql', '--config', collector.configPath, query]);
    expect(table.stdout.split('\n').slice(0, 4)).toEqual([
      '┌─────────────────┬──────────────┐',
      '│ user_id         │ input_tokens │',
      '├─────────────────┼──────────────┤',
      '│ user-grpc       │         1000 │',
    ]);
    expect(table.stdout).toMatch(/└─+┴─+┘\n3 rows\n$/);
    const json = JSON.parse((await runCli(['sql', '--config', collector.configPath, '-f', 'json', query])).stdout);
    expect(json[0]).toEqual({ user_id: 'user-grpc', input_tokens: 1000 });
    const csv = await runCli(['sql', '--config', collector.configPath, '--format', 'csv', query]);
    expect(csv.stdout.split('\n')[0]).toBe('"user_id","input_tokens"');
    const tsv = await runCli(['sql', '--config', collector.configPath, `${query} FORMAT TSV`]);
    expect(tsv.stdout.split('\n')[0]).toBe('user-grpc\t1000');
    const bad = await runCli(['sql', '--config', collector.configPath, '--format', 'xml', query]);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      'ai-audit sql: --format must be one of table, json, csv (got "xml") (see ai-audit sql --help)\n',
    ]);
  });

  it('refuses writes through ai-audit sql', async () => {
    const result = await runCli(['sql', '--config', collector.configPath, 'DROP TABLE ai_audit.records']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ai-audit sql: refused: ai-audit sql is read-only (no writes or DDL)\n');
  });

  it('never writes span content to disk', async () => {
    await eventually(
      async () =>
        (await collector.sql("SELECT count() AS n FROM ai_audit.records WHERE user_id LIKE 'user-%'"))[0]?.n === 3,
    );
    expect(filesContaining(collector.dir, CANARY)).toEqual([]);
  });
});

describe('collector spine: retention is TTL, lifecycle', () => {
  it('creates the TTLs from config, applies a changed retention on restart, and drops expired rows', async () => {
    const dir = CollectorProcess.newDir();
    let collector = await CollectorProcess.start(
      { exporterYaml: '    retention:\n      records: 365d\n      content: 7d' },
      dir,
    );
    const old = new Date(Date.now() - 200 * 86_400_000);
    await exportSpans(
      createExporter('http-proto', collector),
      makeSpans([
        { ...chatSpan('old-user', 'gpt-4o', 1, 1), start: old, end: new Date(old.getTime() + 10) },
        { ...chatSpan('new-user', 'gpt-4o', 1, 1), start: new Date(), end: new Date() },
      ]),
    );
    await eventually(async () => (await collector.sql('SELECT count() AS n FROM ai_audit.records'))[0]?.n === 2);
    let statement = (await collector.sql<{ statement: string }>('SHOW CREATE TABLE ai_audit.records'))[0].statement;
    expect(statement).toContain('TTL toDateTime(timestamp) + toIntervalDay(365)\n');
    expect(statement).toMatch(/`input_sealed` String CODEC\(NONE\) TTL toDateTime\(timestamp\) \+ toIntervalDay\(7\)/);
    expect(await collector.stop('SIGINT')).toBe(0);

    writeFileSync(
      collector.configPath,
      readFileSync(collector.configPath, 'utf8')
        .replace('records: 365d', 'records: 90d')
        .replace('content: 7d', 'content: 12h'),
    );
    collector = await CollectorProcess.start({ configText: readFileSync(collector.configPath, 'utf8') }, dir);
    statement = (await collector.sql<{ statement: string }>('SHOW CREATE TABLE ai_audit.records'))[0].statement;
    expect(statement).toContain('TTL toDateTime(timestamp) + toIntervalDay(90)\n');
    expect(statement).toMatch(
      /`output_sealed` String CODEC\(NONE\) TTL toDateTime\(timestamp\) \+ toIntervalHour\(12\)/,
    );
    expect(collector.logs.some((line) => line.includes('retention changed'))).toBe(true);
    expect(await collector.stop('SIGTERM')).toBe(0);

    const [, rows] = await runOnStore(join(dir, 'data/clickhouse'), [
      'OPTIMIZE TABLE ai_audit.records FINAL',
      'SELECT user_id FROM ai_audit.records ORDER BY user_id',
    ]);
    expect(rows).toEqual([{ user_id: 'new-user' }]);
  });

  it('flushes on Ctrl-C, exits 0, and the data is queryable with the collector stopped', async () => {
    const collector = await CollectorProcess.start({ maxRows: 100_000, flushInterval: '1h' });
    await exportSpans(
      createExporter('grpc', collector),
      makeSpans(Array.from({ length: 20 }, (_, i) => chatSpan(`flush-${i}`, 'gpt-4o-mini', 10, 5))),
    );
    expect(await collector.stop('SIGINT')).toBe(0);
    expect(collector.logs.join('\n')).toContain('collector stopped');
    const rows = await runSql(
      collector.configPath,
      "SELECT count() AS n FROM ai_audit.records WHERE user_id LIKE 'flush-%'",
    );
    expect(rows).toEqual([{ n: 20 }]);
  });
});
