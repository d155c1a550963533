/**
 * Two collectors in front of one ClickHouse server (over its HTTP interface, as collectors
 * scaled out behind a load balancer run): a sender that lost the first collector's
 * acknowledgement and re-sends the same span to the other one does not create a second
 * record (docs/scaling.md, "Exactly once across collectors").
 */
import { ClickHouseServer } from '../helpers/clickhouse-server';
import { CollectorProcess, eventually } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

let server: ClickHouseServer;
let first: CollectorProcess;
let second: CollectorProcess;

beforeAll(async () => {
  server = await ClickHouseServer.start();
  const options = { storeYaml: `    endpoint: ${server.url}` };
  // One after the other: the first prepares the schema, the second finds it done.
  first = await CollectorProcess.start(options);
  second = await CollectorProcess.start(options);
}, 120_000);

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await server?.stop();
});

async function count(spanId: string): Promise<number> {
  const [row] = await first.sql<{ n: string }>(`SELECT count() AS n FROM ai_audit.records WHERE span_id = '${spanId}'`);
  return Number(row.n);
}

it('stores a span re-sent to the other collector once', async () => {
  const spans = makeSpans([
    { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'user.id': 'u-resend' } },
  ]);
  const spanId = spans[0].spanContext().spanId;
  await exportSpans(createExporter('http-proto', first), spans);
  await eventually(async () => (await count(spanId)) === 1);
  // The acknowledgement was lost on the way back: the sender tries the other collector.
  await exportSpans(createExporter('grpc', second), spans);
  // Both collectors have written everything they accepted.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(await count(spanId)).toBe(1);
  expect(await second.sql(`SELECT 1 FROM ai_audit.records WHERE span_id = '${spanId}'`)).toHaveLength(1);
}, 60_000);
