import { ConfigError } from '../config/errors';
import type { ClickHouseExporterConfig, LoadedConfig, ProtectProcessorConfig } from '../config/types';
import { pipelineSection } from '../config/pipeline-section';

/**
 * The parts of a collector config that commands work with: the store and the keys of the
 * first traces pipeline, the ones its collector writes with.
 */
function firstPipelineSection(
  loaded: LoadedConfig,
  kind: 'processors' | 'exporters',
  type: string,
  missing: string,
): unknown {
  const found = pipelineSection(loaded, kind, type);
  if (found.config === undefined) throw new ConfigError(`service.pipelines.${found.pipelineId}.${kind}`, missing);
  return found.config;
}

/** The clickhouse exporter of the first traces pipeline: the store commands read and administer. */
export function storeExporterConfig(loaded: LoadedConfig): ClickHouseExporterConfig {
  return firstPipelineSection(
    loaded,
    'exporters',
    'clickhouse',
    'has no clickhouse exporter, so there is no store to use',
  ) as ClickHouseExporterConfig;
}

/** The protect processor of the first traces pipeline: its keys are the ones to use. */
export function protectConfig(loaded: LoadedConfig): ProtectProcessorConfig {
  return firstPipelineSection(
    loaded,
    'processors',
    'protect',
    'has no protect processor, so there are no keys to use',
  ) as ProtectProcessorConfig;
}
