/**
 * `ai-audit validate`: a configuration is loaded and checked as `start` would, without
 * starting, creating or binding anything, and the effective pipelines are printed.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CollectorProcess, collectorConfig, REPO, runCli } from '../helpers/collector';

function configIn(text: string): { dir: string; file: string } {
  const dir = CollectorProcess.newDir();
  const file = join(dir, 'otel-config.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

describe('ai-audit validate', () => {
  it('prints the effective pipelines, store and retention of a valid config, and touches nothing', async () => {
    const { dir, file } = configIn(readFileSync(join(REPO, 'otel-config.yaml'), 'utf8'));
    const { stdout, stderr, code } = await runCli(['validate', '--config', file], {
      env: { AI_AUDIT_RETENTION_RECORDS: '400d' },
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('pipeline traces: otlp -> normalize -> join -> cost -> classify -> protect -> clickhouse');
    expect(stdout).toContain('retention records 400d, content 30d');
    // No keyring, no store, no write-ahead log: only the config file.
    expect(readdirSync(dir)).toEqual(['otel-config.yaml']);
  });

  it('gives the whole effective config as JSON, durations in milliseconds and secrets hidden', async () => {
    const { file } = configIn(
      collectorConfig({ storeYaml: '    endpoint: http://reader:s3cret@clickhouse:8123\n    password: s3cret' }),
    );
    const { stdout, code } = await runCli(['validate', '--config', file, '--format', 'json']);
    expect(code).toBe(0);
    const config = JSON.parse(stdout);
    expect(config.exporters.clickhouse.retention).toEqual({ records: 365 * 86_400_000, content: 30 * 86_400_000 });
    expect(config.exporters.clickhouse.password).toBe('<set>');
    // Nor is the password inside the endpoint URL.
    expect(stdout).not.toContain('s3cret');
    expect(config.exporters.clickhouse.endpoint).toBe('http://reader:<set>@clickhouse:8123');
    expect(config.processors.join.wait).toBe(30_000);
  });

  it.each([
    [
      'an unknown key',
      collectorConfig().replace('  join:', '  join:\n    wiat: 1s'),
      'processors.join.wiat: unknown key',
    ],
    [
      'a join without protect',
      collectorConfig({ processors: ['normalize', 'join', 'cost'] }),
      'service.pipelines.traces.processors: join needs a protect processor in the same pipeline',
    ],
    [
      'a cluster on the embedded engine',
      collectorConfig({ exporterYaml: '    cluster: ai-audit' }),
      'exporters.clickhouse.cluster: needs a server endpoint',
    ],
  ])('refuses %s with exit 2, the key and the reason', async (_name, text, message) => {
    const { dir, file } = configIn(text);
    const { stdout, stderr, code } = await runCli(['validate', '--config', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['otel-config.yaml']);
  });
});
