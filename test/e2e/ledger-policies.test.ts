import { join } from 'node:path';
import { CollectorProcess, eventually, runCli, runOnStore } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';
import { chatSpan as span, verify } from '../helpers/ledger';

/**
 * Changes the ledger must explain rather than flag (docs/architecture.md, "Ledger"): content
 * cleared and records dropped by retention, erasure in each of its modes, KEK rotation, and
 * a collector killed mid-ingest. `ai-audit verify` passes each, naming what explains it.
 */

const DAY_MS = 86_400_000;
const LEDGER = '    ledger:\n      sign_interval: 1s';

async function ledgerLeaves(collector: CollectorProcess): Promise<number> {
  const [{ n }] = await collector.sql<{ n: number }>(
    "SELECT sum(size) AS n FROM ai_audit.ledger WHERE kind = 'records'",
  );
  return Number(n);
}

function erase(configPath: string, user: string, reason: string): ReturnType<typeof runCli> {
  return runCli(['erase', '--yes', '--tenant', 'default', '--user', user, '--reason', reason, '--config', configPath]);
}

describe('verify explains what policies change', () => {
  it('content and records retention: cleared content and dropped days are explained', async () => {
    const collector = await CollectorProcess.start({
      exporterYaml: `    retention:\n      records: 1d\n      content: 1h\n${LEDGER}`,
    });
    const now = Date.now();
    await exportSpans(
      createExporter('http-proto', collector),
      makeSpans([
        ...[0, 1].map((i) => span('old', i, new Date(now - 3 * DAY_MS))),
        ...[2, 3, 4].map((i) => span('older-content', i, new Date(now - 2 * 3_600_000))),
        ...[5, 6].map((i) => span('fresh', i)),
      ]),
    );
    await eventually(async () => (await ledgerLeaves(collector)) === 7);
    await collector.stop();
    // Retention runs in merges; here they are made to run now.
    await runOnStore(join(collector.dir, 'data/clickhouse'), [
      'ALTER TABLE ai_audit.records MATERIALIZE TTL SETTINGS mutations_sync = 2',
      'OPTIMIZE TABLE ai_audit.records FINAL',
    ]);
    const { code, report } = await verify(collector.dir);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.rows.records).toEqual({ verified: 2, content_expired: 3, expired: 2 });
  });

  it('an erasure (pseudonymize, then delete) and a KEK rotation are explained', async () => {
    const collector = await CollectorProcess.start({ exporterYaml: LEDGER });
    try {
      await exportSpans(
        createExporter('grpc', collector),
        makeSpans([span('gina', 0), span('gina', 1), span('hal', 2), span('ivy', 3)]),
      );
      await eventually(async () => (await ledgerLeaves(collector)) === 4);
      expect((await erase(collector.configPath, 'gina', 'GDPR request 2026-12')).code).toBe(0);
      expect((await runCli(['keys', 'rotate', '--config', collector.configPath])).code).toBe(0);
      // Through the running collector.
      const { code, report } = await verify(collector.dir);
      expect(report.problems).toEqual([]);
      expect(code).toBe(0);
      expect(report.rows.records).toEqual({ verified: 2, erased: 2 });
      expect(report.explained.filter((e) => e.status === 'erased')).toEqual([
        expect.objectContaining({ detail: expect.stringContaining('GDPR request 2026-12') }),
        expect.objectContaining({ detail: expect.stringContaining('GDPR request 2026-12') }),
      ]);
    } finally {
      await collector.stop();
    }
    // The same store, now erasing by deleting rows, with no collector running.
    const restarted = await CollectorProcess.start(
      { exporterYaml: LEDGER, processorsYaml: '  protect:\n    erasure:\n      metadata: delete' },
      collector.dir,
    );
    await restarted.stop();
    expect((await erase(collector.configPath, 'hal', 'GDPR request 2026-13')).code).toBe(0);
    const { code, report } = await verify(collector.dir);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.rows.records).toEqual({ verified: 1, erased: 3 });
  });

  it('a collector killed during ingest leaves no false alarm after its restart', async () => {
    const collector = await CollectorProcess.start({ exporterYaml: LEDGER });
    const exporter = createExporter('http-proto', collector);
    // Exports keep coming while the collector dies: some acknowledged, some cut off.
    let acknowledged = 0;
    let killed = false;
    const sending = (async () => {
      for (let i = 0; !killed; i++) {
        try {
          await exportSpans(exporter, makeSpans([0, 1, 2, 3, 4].map((j) => span(`k${j}`, i * 5 + j))));
          acknowledged++;
        } catch {
          return;
        }
      }
    })();
    await eventually(async () => acknowledged >= 3);
    await collector.stop('SIGKILL');
    killed = true;
    await sending;
    const restarted = await CollectorProcess.start({ exporterYaml: LEDGER }, collector.dir);
    try {
      await exportSpans(createExporter('grpc', restarted), makeSpans([span('after', 999)]));
      await eventually(async () => {
        const [{ stored, committed }] = await restarted.sql<{ stored: number; committed: number }>(
          "SELECT (SELECT count() FROM ai_audit.records) AS stored, (SELECT sum(size) FROM ai_audit.ledger WHERE kind = 'records') AS committed",
        );
        return Number(stored) >= acknowledged * 5 + 1 && Number(stored) === Number(committed);
      });
    } finally {
      await restarted.stop();
    }
    const { code, report } = await verify(collector.dir);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.chains).toHaveLength(1);
    expect(report.chains[0].signed_through).toBe(report.chains[0].last_seq);
  });
});
