import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ClickHouseServer } from '../helpers/clickhouse-server';
import { collectorConfig, CollectorProcess, eventually, runSql, type CollectorOptions } from '../helpers/collector';
import { freePort, LoadSender } from '../helpers/load';
import { makeSpans } from '../helpers/otel';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function config(grpcPort: number, httpPort: number, options: CollectorOptions = {}): string {
  return collectorConfig({
    protocolsYaml: `      grpc:\n        endpoint: 127.0.0.1:${grpcPort}\n      http:\n        endpoint: 127.0.0.1:${httpPort}`,
    processors: ['normalize'],
    maxRows: 2000,
    flushInterval: '200ms',
    exporterYaml: '    retry:\n      initial_interval: 100ms\n      max_interval: 1s',
    ...options,
  });
}

function exporters(grpcPort: number, httpPort: number) {
  const options = { timeoutMillis: 5000 };
  return [
    new GrpcExporter({ url: `http://127.0.0.1:${grpcPort}`, ...options }),
    new GrpcExporter({ url: `http://127.0.0.1:${grpcPort}`, ...options }),
    new HttpProtoExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces`, ...options }),
    new HttpProtoExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces`, ...options }),
  ];
}

/** Every acknowledged span is stored, and no span is stored twice. */
function expectExactlyOnce(acked: Set<string>, stored: { span_id: string; n: number }[], atLeast = 500): void {
  const counts = new Map(stored.map((row) => [row.span_id, Number(row.n)]));
  const missing = [...acked].filter((id) => !counts.has(id));
  const duplicated = stored.filter((row) => Number(row.n) > 1);
  expect({ missing: missing.length, duplicated: duplicated.length }).toEqual({ missing: 0, duplicated: 0 });
  expect(acked.size).toBeGreaterThanOrEqual(atLeast);
}

jest.setTimeout(240_000);

describe('durability: nothing acknowledged is lost, nothing is stored twice', () => {
  it('survives SIGKILL mid-stream several times under sustained load from the official exporters', async () => {
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const text = config(grpcPort, httpPort);
    const dir = CollectorProcess.newDir();
    let collector = await CollectorProcess.start({ configText: text }, dir);
    const load = new LoadSender(exporters(grpcPort, httpPort));
    for (let kill = 0; kill < 3; kill++) {
      await sleep(2000);
      await collector.stop('SIGKILL');
      await sleep(300);
      collector = await CollectorProcess.start({ configText: text }, dir);
    }
    await sleep(1500);
    await load.stop();
    expect(await collector.stop('SIGTERM')).toBe(0);
    const stored = await runSql<{ span_id: string; n: number }>(
      collector.configPath,
      'SELECT span_id, count() AS n FROM ai_audit.records GROUP BY span_id',
    );
    expectExactlyOnce(load.acked, stored);
  });

  it('rides out a store outage under load: backpressure while the WAL is full, zero loss, zero duplicates', async () => {
    const server = await ClickHouseServer.start();
    const [grpcPort, httpPort, healthPort, metricsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const text = config(grpcPort, httpPort, {
      storeYaml: `    endpoint: ${server.url}\n    timeout: 2s\n    wal:\n      max_size: 256KiB`,
      exporterYaml: '    retry:\n      initial_interval: 100ms\n      max_interval: 1s',
      healthEndpoint: `127.0.0.1:${healthPort}`,
      metricsAddress: `127.0.0.1:${metricsPort}`,
    });
    const metric = async (series: string): Promise<number> => {
      const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const line = body.split('\n').find((l) => l.startsWith(series));
      return line ? Number(line.slice(series.length).trim()) : 0;
    };
    const collector = await CollectorProcess.start({ configText: text });
    let load: LoadSender | undefined;
    try {
      load = new LoadSender(exporters(grpcPort, httpPort));
      await sleep(1500);
      await server.setMode('refuse');
      // While the store is down the WAL fills; then senders are told to back off.
      await eventually(
        async () => (await metric('ai_audit_receiver_requests_total{outcome="exhausted",protocol="http"}')) > 0,
      );
      // The log sits at its limit while the load keeps it there: a probe may still fit in
      // the last bytes a refused request left, but one that does not fit is told to back off.
      const probe = await eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: ProtobufTraceSerializer.serializeRequest(
            makeSpans(Array.from({ length: 200 }, () => ({ attributes: { 'gen_ai.operation.name': 'chat' } }))),
          ) as Uint8Array,
        });
        await response.arrayBuffer();
        return response.status === 429 && response;
      });
      expect(probe.status).toBe(429);
      expect(probe.headers.get('retry-after')).toMatch(/^\d+$/);
      // Appends still waiting for their fsync count against the room too: the bytes the log
      // reports catch up once they land.
      await eventually(async () => (await metric('ai_audit_wal_bytes')) > 128 * 1024, 10_000);
      // The WAL can fill before the writer's in-flight insert has failed; readiness reports
      // the store as failing once it has.
      await eventually(async () => {
        const health = await fetch(`http://127.0.0.1:${healthPort}/health`);
        const body = (await health.json()) as { exporters: { clickhouse: { store: string } } };
        return health.status === 503 && body.exporters.clickhouse.store === 'failing';
      }, 10_000);
      await server.setMode('error');
      await sleep(1500);
      await server.setMode('ok');
      await sleep(2000);
      await load.stop();
      await eventually(async () => (await fetch(`http://127.0.0.1:${healthPort}/health`)).status === 200, 30_000);
      expect(await collector.stop('SIGTERM')).toBe(0);
      const stored = await server.query<{ span_id: string; n: number }>(
        'SELECT span_id, count() AS n FROM ai_audit.records GROUP BY span_id',
      );
      expectExactlyOnce(load.acked, stored);
      expect((await server.stats()).faulted).toBeGreaterThan(0);
    } finally {
      await load?.stop();
      await collector.stop();
      await server.stop();
    }
  });

  it('stops within its shutdown deadline while the store is down, exits 0, and stores the rest on the next start', async () => {
    const server = await ClickHouseServer.start();
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const options = {
      configText: config(grpcPort, httpPort, { storeYaml: `    endpoint: ${server.url}\n    timeout: 2s` }),
      args: ['--shutdown-timeout', '2s'],
    };
    const dir = CollectorProcess.newDir();
    let collector = await CollectorProcess.start(options, dir);
    try {
      await server.setMode('refuse');
      const load = new LoadSender(exporters(grpcPort, httpPort).slice(0, 1));
      await sleep(1500);
      await load.stop();
      expect(load.acked.size).toBeGreaterThan(0);
      const stopping = Date.now();
      expect(await collector.stop('SIGTERM')).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(15_000);
      expect(
        collector.logs.some((line) => line.includes('shutdown deadline reached; records stay in the write-ahead log')),
      ).toBe(true);
      await server.setMode('ok');
      collector = await CollectorProcess.start(options, dir);
      expect(collector.logs.some((line) => line.includes('replaying records not yet stored'))).toBe(true);
      const stored = await eventually(async () => {
        const rows = await server.query<{ span_id: string; n: number }>(
          'SELECT span_id, count() AS n FROM ai_audit.records GROUP BY span_id',
        );
        return rows.length >= load.acked.size && rows;
      });
      expectExactlyOnce(load.acked, stored, 1);
    } finally {
      await collector.stop();
      await server.stop();
    }
  });
});
