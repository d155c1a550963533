import { createNormalizer } from '../../collector/src/processor/normalize';
import { Store } from '../../collector/src/store/client';
import { insertRecords } from '../helpers/records';
import type { ClickHouseServer } from '../helpers/clickhouse-server';
import { startServerStore } from '../helpers/server-store';
import { span, traceExport } from '../helpers/spans';

/**
 * The cost_by_day projection (collector/schemas/migrations/0004_cost_by_day.sql) on a real engine: a
 * per-day cost query is answered from it, gives what the records give, and follows an
 * erasure mutation.
 */
const COST_BY_DAY = `SELECT toDate(timestamp) AS day, request_model, count() AS calls, sum(cost_usd) AS cost
FROM ai_audit.records
WHERE tenant_id = 'acme' AND toDate(timestamp) >= today() - 89
GROUP BY day, request_model
ORDER BY day, request_model`;

describe('cost_by_day projection', () => {
  let server: ClickHouseServer;
  let store: Store;

  beforeAll(async () => {
    ({ server, store } = await startServerStore());
    const day = 86_400_000;
    const records = createNormalizer({ exclude_attributes: [], keep_attributes: [] })
      .spans(
        'acme',
        traceExport(
          Array.from({ length: 60 }, (_, i) => {
            const start = BigInt(Date.now() - (i % 3) * day) * 1_000_000n;
            return span(
              {
                'gen_ai.operation.name': 'chat',
                'gen_ai.provider.name': 'openai',
                'gen_ai.request.model': i % 2 ? 'gpt-4o' : 'gpt-4o-mini',
                'user.id': `u-${i % 4}`,
              },
              { startTimeUnixNano: start, endTimeUnixNano: start },
            );
          }),
        ),
      )
      .records.map((record, i) => ({ ...record, cost_usd: (i + 1) / 1000 }));
    // Two inserts, so the engine holds several parts each with its own projection part.
    await insertRecords(store, records.slice(0, 30));
    await insertRecords(store, records.slice(30));
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  const withoutProjection = (sql: string) =>
    server.query<{ day: string; request_model: string; calls: string; cost: string }>(
      `${sql} SETTINGS optimize_use_projections = 0`,
    );

  it('answers per-day cost from the projection, with the same figures as the records', async () => {
    const plan = await server.queryText(`EXPLAIN ${COST_BY_DAY}`);
    expect(plan).toContain('ReadFromMergeTree (cost_by_day)');
    const projected = await server.query(COST_BY_DAY);
    expect(projected).toHaveLength(6); // 3 days x 2 models
    expect(projected).toEqual(await withoutProjection(COST_BY_DAY));
    expect(projected.reduce((sum, row) => sum + Number(row.calls), 0)).toBe(60);
  });

  it('follows an erasure mutation', async () => {
    await store.command("ALTER TABLE ai_audit.records DELETE WHERE tenant_id = 'acme' AND user_id = 'u-1'", {
      mutations_sync: '2',
    });
    const projected = await server.query<{ calls: string }>(COST_BY_DAY);
    expect(projected.reduce((sum, row) => sum + Number(row.calls), 0)).toBe(45);
    expect(projected).toEqual(await withoutProjection(COST_BY_DAY));
    expect(await server.queryText(`EXPLAIN ${COST_BY_DAY}`)).toContain('ReadFromMergeTree (cost_by_day)');
  });
});
