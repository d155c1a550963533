import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { Components, ProcessorFactory } from '../../collector/src/component/component';
import { components } from '../../collector/src/components';
import { parseConfigText } from '../../collector/src/config';
import { buildPipelines } from '../../collector/src/service/pipelines';
import { silentLogger } from '../../collector/src/telemetry/logger';
import { MetricsRegistry } from '../../collector/src/telemetry/metrics';
import { span, traceExport } from '../helpers/spans';

/**
 * docs/architecture.md, "Adding a processor", taken at its word: the schema and the factory
 * are read from the document's code blocks, the factory is compiled as written, added to the
 * component list with one entry, and a config that names it runs it. Nothing else is told.
 */
const DOC = readFileSync(join(__dirname, '../../docs/architecture.md'), 'utf8');
const SECTION = DOC.slice(DOC.indexOf('### Adding a processor'), DOC.indexOf('### Adding a key provider'));
const block = (language: string): string => {
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(SECTION);
  if (!match) throw new Error(`no ${language} block under "Adding a processor"`);
  return match[1].replace(/^ {3}/gm, '');
};

function regionFactory(): ProcessorFactory {
  const schema = JSON.parse(block('json')) as object;
  const { outputText } = ts.transpileModule(block('ts'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true, target: ts.ScriptTarget.ES2022 },
  });
  const module = { exports: {} as Record<string, unknown> };
  const load = (spec: string): unknown => {
    if (spec === './config.schema.json') return { __esModule: true, default: schema };
    throw new Error(`the example imports ${spec}, which a new processor would not need at run time`);
  };
  new Function('require', 'exports', 'module', outputText)(load, module.exports, module);
  return module.exports.regionProcessorFactory as ProcessorFactory;
}

const CONFIG = `
receivers:
  otlp:
    protocols:
      grpc:
processors:
  normalize:
  region:
    name: ap-south-2
exporters:
  clickhouse:
    endpoint: chdb://./data
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [normalize, region]
      exporters: [clickhouse]
`;

describe('adding a processor, as docs/architecture.md shows it', () => {
  const withRegion: Components = { ...components, processors: { ...components.processors, region: regionFactory() } };

  it('is configured through its own schema, defaults included', () => {
    const config = parseConfigText(CONFIG, 'region.yaml', withRegion, {});
    expect(config.processors.region).toEqual({ name: 'ap-south-2' });
    expect(
      parseConfigText(CONFIG.replace('    name: ap-south-2\n', ''), 'region.yaml', withRegion, {}).processors.region,
    ).toEqual({ name: 'eu-west-1' });
    expect(() => parseConfigText(CONFIG.replace('name: ap-south-2', 'nmae: x'), 'region.yaml', withRegion, {})).toThrow(
      'processors.region.nmae: unknown key (did you mean "name"?)',
    );
    // Without its entry in the component list, the same config is refused.
    expect(() => parseConfigText(CONFIG, 'region.yaml', components, {})).toThrow(/processors\.region/);
  });

  it('runs in the pipeline the config declares', async () => {
    const loaded = {
      file: 'region.yaml',
      dir: '/nonexistent',
      config: parseConfigText(CONFIG, 'region.yaml', withRegion, {}),
    };
    const [pipeline] = buildPipelines(loaded, withRegion, silentLogger, new MetricsRegistry()).pipelines;
    const { records } = pipeline.entry.makeRecords('default', traceExport([span({ 'gen_ai.operation.name': 'chat' })]));
    const batch = { tenantId: 'default', records, dataKeys: [], afterDurable: [], afterFailure: [] };
    for (const processor of pipeline.processors) await processor.process(batch);
    expect(batch.records[0].attributes['cloud.region']).toBe('ap-south-2');
  });
});
