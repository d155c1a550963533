import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { CollectorProcess, eventually } from '../helpers/collector';
import { freePort } from '../helpers/load';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

/**
 * The collector's /metrics, as a real collector serves it after ingesting spans, passes
 * `promtool check metrics` (the exposition format and Prometheus' naming conventions), which
 * the "Collector health" dashboard and deploy/prometheus rely on. promtool comes from the
 * Debian package `prometheus` (.ci/run installs it); without it the test says so and skips.
 */
function promtoolPath(): string | undefined {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return 'promtool';
  } catch {
    return undefined;
  }
}

const PROMTOOL = promtoolPath();
const maybe = PROMTOOL ? describe : describe.skip;
if (!PROMTOOL)
  console.warn('metrics-promtool.test.ts: skipped, `promtool` is not installed (apt-get install -y prometheus)');

maybe('collector /metrics', () => {
  let collector: CollectorProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    collector = await CollectorProcess.start({ metricsAddress: `127.0.0.1:${port}` });
    const exporter = createExporter('http-proto', collector);
    try {
      await exportSpans(
        exporter,
        makeSpans([
          {
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'gpt-4o',
              'gen_ai.usage.input_tokens': 10,
              'gen_ai.usage.output_tokens': 5,
            },
          },
          {
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'anthropic',
              'gen_ai.request.model': 'claude-sonnet-4',
            },
            error: true,
          },
          { name: 'GET /', attributes: { 'http.method': 'GET' } },
        ]),
      );
    } finally {
      await exporter.shutdown();
    }
  });

  afterAll(async () => {
    await collector?.stop();
    if (collector) rmSync(collector.dir, { recursive: true, force: true });
  });

  it('passes promtool check metrics, with the series the dashboards read', async () => {
    const body = await eventually(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /^ai_audit_store_inserted_rows_total [1-9]/m.test(text) && text;
    });
    const checked = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(PROMTOOL as string, ['check', 'metrics'], (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
      );
      child.stdin?.end(body);
    });
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
    for (const name of [
      'ai_audit_receiver_spans_total',
      'ai_audit_receiver_requests_total',
      'ai_audit_wal_bytes',
      'ai_audit_wal_oldest_age_seconds',
      'ai_audit_store_insert_duration_seconds_bucket',
      'ai_audit_store_dead_letters_total',
      'ai_audit_store_insert_retries_total',
    ]) {
      expect(body).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    }
  });
});
