import { components } from '../../collector/src/components';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  formatDuration,
  loadConfig,
  parseConfigText,
  parseDuration,
  parseSize,
} from '../../collector/src/config';

const DEFAULT_CONFIG = readFileSync(join(__dirname, '../../otel-config.yaml'), 'utf8');

function errorOf(text: string, env: Record<string, string> = {}): string {
  try {
    parseConfigText(text, 'test.yaml', components, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('config loading', () => {
  it('loads the shipped otel-config.yaml with defaults filled in', () => {
    const config = parseConfigText(DEFAULT_CONFIG, 'otel-config.yaml', components, {});
    const otlp = config.receivers.otlp as {
      protocols: { grpc: { endpoint: string; max_recv_msg_size_mib: number }; http: { max_request_body_size: number } };
    };
    expect(otlp.protocols.grpc).toEqual({ endpoint: '127.0.0.1:4317', max_recv_msg_size_mib: 16, insecure: false });
    expect(otlp.protocols.http.max_request_body_size).toBe(16 * 1024 * 1024);
    const clickhouse = config.exporters.clickhouse as {
      endpoint: string;
      database: string;
      retention: object;
      wal: { directory: string };
    };
    expect(clickhouse.endpoint).toBe('chdb://./data/clickhouse');
    expect(clickhouse.database).toBe('ai_audit');
    // Durations and sizes arrive as numbers: milliseconds and bytes.
    expect(clickhouse.retention).toEqual({ records: 365 * 86_400_000, content: 30 * 86_400_000 });
    expect(clickhouse.wal.directory).toBe('./data/wal');
    expect(config.service.pipelines.traces.processors).toEqual(['normalize', 'join', 'cost', 'classify', 'protect']);
    expect(config.processors.join).toEqual({
      wait: 30_000,
      span_wait: 5_000,
      max_held: 100_000,
      directory: './data/join',
      max_size: 256 * 1024 * 1024,
    });
  });

  it('refuses one join processor in two pipelines, and a join without protect', () => {
    const twoPipelines = DEFAULT_CONFIG.replace(
      '  pipelines:\n',
      '  pipelines:\n    traces/copy:\n      receivers: [otlp]\n      processors: [normalize, join, protect]\n      exporters: [clickhouse]\n',
    );
    expect(errorOf(twoPipelines)).toMatch(
      /service\.pipelines\.\S+\.processors: join is also in pipeline \S+: it serves one pipeline/,
    );
    expect(
      errorOf(DEFAULT_CONFIG.replace('[normalize, join, cost, classify, protect]', '[normalize, join, cost]')),
    ).toBe('service.pipelines.traces.processors: join needs a protect processor in the same pipeline');
  });

  it('substitutes ${env:NAME} and ${env:NAME:-default}, coercing to the type the schema wants', () => {
    const config = parseConfigText(
      DEFAULT_CONFIG.replace('max_rows: 10000', 'max_rows: ${env:ROWS}'),
      't.yaml',
      components,
      {
        AI_AUDIT_GRPC_ENDPOINT: '0.0.0.0:5317',
        AI_AUDIT_RETENTION_CONTENT: '7d',
        ROWS: '250',
      },
    );
    expect((config.receivers.otlp as { protocols: { grpc: { endpoint: string } } }).protocols.grpc.endpoint).toBe(
      '0.0.0.0:5317',
    );
    const clickhouse = config.exporters.clickhouse as { retention: { content: string }; batch: { max_rows: number } };
    expect(clickhouse.retention.content).toBe(7 * 86_400_000);
    expect(clickhouse.batch.max_rows).toBe(250);
  });

  it('keeps "$$" as a literal dollar and never turns a value into YAML structure', () => {
    expect(errorOf(DEFAULT_CONFIG.replace('database: ai_audit', 'database: ${env:DB}'), { DB: 'a: b' })).toBe(
      'exporters.clickhouse.database: "a: b" is not an identifier (letters, digits and _)',
    );
    expect(errorOf(DEFAULT_CONFIG.replace('database: ai_audit', 'database: ab$$c'))).toMatch(
      /^exporters\.clickhouse\.database: "ab\$c"/,
    );
  });

  it.each([
    [
      'records: ${env:AI_AUDIT_RETENTION_RECORDS:-365d}',
      'records: 40x',
      'exporters.clickhouse.retention.records: "40x" is not a duration (e.g. 30d, 12h, 1h30m, 500ms)',
    ],
    ['database: ai_audit', 'databse: ai_audit', 'exporters.clickhouse.databse: unknown key (did you mean "database"?)'],
    ['max_rows: 10000', 'max_rows: lots', 'exporters.clickhouse.batch.max_rows: "lots" must be an integer'],
    [
      'endpoint: ${env:AI_AUDIT_GRPC_ENDPOINT:-127.0.0.1:4317}',
      'endpoint: ${env:NOT_SET}',
      'receivers.otlp.protocols.grpc.endpoint: environment variable NOT_SET is not set',
    ],
    [
      'endpoint: ${env:AI_AUDIT_GRPC_ENDPOINT:-127.0.0.1:4317}',
      'endpoint: localhost',
      'receivers.otlp.protocols.grpc.endpoint: "localhost" is not a host:port endpoint',
    ],
    [
      'processors: [normalize, join, cost, classify, protect]',
      'processors: [normalize, clasify]',
      'service.pipelines.traces.processors[1]: "clasify" is not defined under processors',
    ],
    [
      'processors: [normalize, join, cost, classify, protect]',
      'processors: [cost]',
      'service.pipelines.traces.processors: must start with a normalize processor',
    ],
    [
      'processors: [normalize, join, cost, classify, protect]',
      'processors: [normalize, protect, classify]',
      'service.pipelines.traces.processors: protect must be the last processor',
    ],
    [
      'content: ${env:AI_AUDIT_RETENTION_CONTENT:-30d}',
      'content: 400d',
      'exporters.clickhouse.retention.content: "400d" is longer than retention.records "365d"',
    ],
  ])('names the key and the reason: %s -> %s', (find, replace, message) => {
    expect(errorOf(DEFAULT_CONFIG.replace(find, replace))).toContain(message);
  });

  it('reports YAML syntax errors by position, without quoting the file (it may hold secrets)', () => {
    const message = errorOf('exporters:\n  clickhouse:\n    password: "hunter2\n  x: [');
    expect(message).toMatch(/^test\.yaml:\d+:\d+: invalid YAML \(/);
    expect(message).not.toContain('hunter2');
  });

  it('never prints the value of a secret field', () => {
    const message = errorOf(
      DEFAULT_CONFIG.replace('database: ai_audit', 'database: ai_audit\n    password: [hunter2]'),
    );
    expect(message).toBe('exporters.clickhouse.password: the value must be a string');
  });

  it('accepts a component key with no value as "enabled with defaults"', () => {
    const config = parseConfigText(
      DEFAULT_CONFIG.replace(/grpc:\n\s+endpoint: .*\n/, 'grpc:\n'),
      't.yaml',
      components,
      {},
    );
    expect((config.receivers.otlp as { protocols: { grpc: { endpoint: string } } }).protocols.grpc.endpoint).toBe(
      '127.0.0.1:4317',
    );
  });

  it('names an unreadable file', () => {
    expect(() => loadConfig('/nonexistent/otel-config.yaml', components, {})).toThrow(
      'cannot read config file /nonexistent/otel-config.yaml: ENOENT',
    );
  });

  it('resolves nothing relative to the working directory: the file knows its own directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'c.yaml'), DEFAULT_CONFIG);
    expect(loadConfig(join(dir, 'c.yaml'), components, {}).dir).toBe(dir);
  });
});

describe('units', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2w', 14 * 86_400_000],
    ['1.5s', 1500],
  ])('parses duration %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '40x', 'd', '1 d', '-1d', '1h-3m'])('refuses duration %j', (text) =>
    expect(parseDuration(text)).toBeNull(),
  );

  it.each([
    [1024, 1024],
    ['16MiB', 16 * 1024 * 1024],
    ['512 KB', 512_000],
    ['1GiB', 1024 ** 3],
  ])('parses size %s', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each(['lots', '-5', '1.5.5MB'])('refuses size %j', (text) => expect(parseSize(text)).toBeNull());

  it.each([
    [30 * 86_400_000, '30d'],
    [5_400_000, '1h30m'],
    [1500, '1s500ms'],
    [0, '0s'],
  ])('writes %d ms as %s, which parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
