import type { LoadedConfig } from './types';
import { componentType } from './types';

/**
 * The config of the first `kind` component of `type` in a pipeline: the first pipeline, or
 * the first one that lists `besideId` (a component that works with it, e.g. the join
 * processor sealing its journal with the protect processor's keys). `config` is undefined
 * when that pipeline has none; `pipelineId` says which pipeline was searched.
 */
export function pipelineSection(
  loaded: LoadedConfig,
  kind: 'processors' | 'exporters',
  type: string,
  besideId?: string,
): { pipelineId: string; config: unknown } {
  const pipelines = Object.entries(loaded.config.service.pipelines);
  const [pipelineId, pipeline] =
    (besideId === undefined
      ? undefined
      : pipelines.find(([, p]) => [...p.processors, ...p.exporters, ...p.receivers].includes(besideId))) ??
    pipelines[0];
  const id = pipeline[kind].find((candidate) => componentType(candidate) === type);
  return { pipelineId, config: id === undefined ? undefined : loaded.config[kind][id] };
}
