import { ConfigError } from '../config/errors';
import type { ClickHouseExporterConfig, LoadedConfig, ProtectProcessorConfig } from '../config/types';
import { componentType } from '../config/types';

/**
 * The parts of a collector config that commands work with: the store and the keys of the
 * first traces pipeline, the ones its collector writes with.
 */
function firstPipeline(loaded: LoadedConfig): { id: string; processors: string[]; exporters: string[] } {
  const [id, pipeline] = Object.entries(loaded.config.service.pipelines)[0];
  return { id, ...pipeline };
}

/** The clickhouse exporter of the first traces pipeline: the store commands read and administer. */
export function storeExporterConfig(loaded: LoadedConfig): ClickHouseExporterConfig {
  const pipeline = firstPipeline(loaded);
  const id = pipeline.exporters.find((exporter) => componentType(exporter) === 'clickhouse');
  if (!id)
    throw new ConfigError(
      `service.pipelines.${pipeline.id}.exporters`,
      'has no clickhouse exporter, so there is no store to use',
    );
  return loaded.config.exporters[id] as ClickHouseExporterConfig;
}

/** The protect processor of the first traces pipeline: its keys are the ones to use. */
export function protectConfig(loaded: LoadedConfig): ProtectProcessorConfig {
  const pipeline = firstPipeline(loaded);
  const id = pipeline.processors.find((processor) => componentType(processor) === 'protect');
  if (!id)
    throw new ConfigError(
      `service.pipelines.${pipeline.id}.processors`,
      'has no protect processor, so there are no keys to use',
    );
  return loaded.config.processors[id] as ProtectProcessorConfig;
}
