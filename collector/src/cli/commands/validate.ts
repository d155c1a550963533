import { formatDuration } from '../../config/units';
import { componentType, type ClickHouseExporterConfig, type LoadedConfig } from '../../config/types';
import { describeTarget, parseStoreEndpoint } from '../../store/endpoint';
import { UsageError, type Command } from '../command';
import { loadCommandConfig } from '../config';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check a configuration without starting anything, and print the effective pipelines.',
  description:
    'Loads the file as `start` would: ${env:...} substituted, every section checked against its schema, defaults filled in, the pipelines checked. Exit 0 and the effective pipelines when it is valid; exit 2 and the key and the reason when not. Nothing is opened, created or bound (like `otelcol validate`).',
  options: {
    format: {
      type: 'string',
      value: '<text|json>',
      description: 'text (the pipelines) or json (the whole effective configuration, passwords left out)',
      default: 'text',
    },
  },
  positionals: [],
  examples: [
    'ai-audit validate --config otel-config.yaml',
    'ai-audit validate --config otel-config.yaml --format json',
  ],
  async run(args, context) {
    const format = args.options.format as string;
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}"`);
    const loaded = loadCommandConfig(args, context);
    if (format === 'json') context.stdout.write(`${JSON.stringify(effective(loaded), redact, 2)}\n`);
    else context.stdout.write(describe(loaded));
    return 0;
  },
};

/** Keys whose values are secrets: shown as "<set>". */
const SECRET = /password|token|secret|sha256/i;

function redact(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (SECRET.test(key)) return '<set>';
  // A URL may carry a password (http://user:password@host): it is not shown either.
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value)) return value.replace(/:[^/@:\s]*@/, ':<set>@');
  return value;
}

function effective(loaded: LoadedConfig): object {
  return { file: loaded.file, ...loaded.config };
}

function describe(loaded: LoadedConfig): string {
  const { config } = loaded;
  const lines = [`${loaded.file}: valid`];
  for (const [id, pipeline] of Object.entries(config.service.pipelines)) {
    lines.push(
      `pipeline ${id}: ${pipeline.receivers.join(', ')} -> ${pipeline.processors.join(' -> ')} -> ${pipeline.exporters.join(', ')}`,
    );
  }
  for (const [id, section] of Object.entries(config.exporters)) {
    if (componentType(id) !== 'clickhouse') continue;
    const exporter = section as ClickHouseExporterConfig;
    const target = describeTarget(parseStoreEndpoint(exporter.endpoint, loaded.dir));
    const { records, content } = exporter.retention;
    lines.push(
      `exporter ${id}: ${target}, database ${exporter.database}, retention records ${formatDuration(records)}, content ${formatDuration(content)}`,
    );
  }
  if (config.service.extensions.length > 0) lines.push(`extensions: ${config.service.extensions.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
