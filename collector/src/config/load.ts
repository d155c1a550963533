import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { substituteEnv, type Environment } from './env';
import { ConfigError, joinPath } from './errors';
import { componentType, type CollectorConfig, type LoadedConfig } from './types';
import { COMPONENT_KINDS, validateConfigTree, type ConfigCatalog } from './validate';

/**
 * Reads, substitutes, validates and cross-checks a collector config file against the
 * component types in `catalog` (components.ts). Throws ConfigError (one line, naming the
 * key) on any problem.
 */
export function loadConfig(file: string, catalog: ConfigCatalog, env: Environment = process.env): LoadedConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      '',
      `cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }
  const config = parseConfigText(text, path, catalog, env);
  return { file: path, dir: dirname(path), config };
}

/** The same as loadConfig for text already in memory; `origin` names it in errors. */
export function parseConfigText(
  text: string,
  origin: string,
  catalog: ConfigCatalog,
  env: Environment = process.env,
): CollectorConfig {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const problem = document.errors[0];
  if (problem) {
    // The YAML library's messages quote the offending line; config files may hold
    // passwords, so report the position and the kind of error only.
    const [line, col] = problem.linePos?.[0] ? [problem.linePos[0].line, problem.linePos[0].col] : [0, 0];
    throw new ConfigError('', `${origin}:${line}:${col}: invalid YAML (${problem.code})`);
  }
  const raw = document.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError('', `${origin}: the top level must be a mapping`);
  const tree = substituteEnv(emptyComponentsToObjects(raw as Record<string, unknown>), env) as Record<string, unknown>;
  validateConfigTree(tree, catalog);
  const config = tree as unknown as CollectorConfig;
  checkReferences(config, catalog);
  for (const kind of COMPONENT_KINDS) {
    for (const [id, section] of Object.entries(config[kind]))
      catalog[kind][componentType(id)].validate?.(section, `${kind}.${id}`);
  }
  return config;
}

/**
 * `grpc:` or `health_check:` with nothing after it means "enabled, with defaults" in
 * OTel configs; YAML reads that as null, so turn component entries that are null into {}.
 */
function emptyComponentsToObjects(raw: Record<string, unknown>): Record<string, unknown> {
  const out = { ...raw };
  for (const section of COMPONENT_KINDS) {
    const components = out[section];
    if (components === null) {
      out[section] = {};
      continue;
    }
    if (typeof components !== 'object' || Array.isArray(components)) continue;
    const fixed: Record<string, unknown> = {};
    for (const [id, value] of Object.entries(components as Record<string, unknown>)) fixed[id] = value ?? {};
    out[section] = fixed;
  }
  const otlpProtocols = Object.values((out.receivers as Record<string, { protocols?: Record<string, unknown> }>) ?? {});
  for (const receiver of otlpProtocols) {
    const protocols = receiver?.protocols;
    if (!protocols || typeof protocols !== 'object') continue;
    for (const key of Object.keys(protocols)) protocols[key] = protocols[key] ?? {};
  }
  return out;
}

function checkReferences(config: CollectorConfig, catalog: ConfigCatalog): void {
  const sections = { receivers: config.receivers, processors: config.processors, exporters: config.exporters };
  for (const [pipelineId, pipeline] of Object.entries(config.service.pipelines)) {
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      pipeline[kind].forEach((id, index) => {
        if (!(id in sections[kind])) {
          throw new ConfigError(
            joinPath(joinPath(`service.pipelines.${pipelineId}`, kind), index),
            `"${id}" is not defined under ${kind}`,
          );
        }
      });
    }
    // The pipeline's shape (docs/architecture.md, "Components"): the processor that makes
    // records from spans comes first, the one that seals them last.
    const positions = pipeline.processors.map((id) => catalog.processors[componentType(id)].position);
    const first = Object.keys(catalog.processors).filter((type) => catalog.processors[type].position === 'first');
    if (positions[0] !== 'first') {
      throw new ConfigError(
        `service.pipelines.${pipelineId}.processors`,
        `must start with a ${first.join(' or ')} processor (it turns spans into records)`,
      );
    }
    positions.forEach((position, index) => {
      if (position === 'first' && index !== 0)
        throw new ConfigError(
          `service.pipelines.${pipelineId}.processors`,
          `${pipeline.processors[index]} must be the first processor`,
        );
      if (position === 'last' && index !== positions.length - 1) {
        throw new ConfigError(
          `service.pipelines.${pipelineId}.processors`,
          `${pipeline.processors[index]} must be the last processor (nothing may see content after it is sealed)`,
        );
      }
    });
    for (const id of pipeline.processors) {
      const elsewhere = Object.entries(config.service.pipelines).find(
        ([other, p]) => other !== pipelineId && p.processors.includes(id),
      );
      if (elsewhere && catalog.processors[componentType(id)].singlePipeline)
        throw new ConfigError(
          `service.pipelines.${pipelineId}.processors`,
          `${id} is also in pipeline ${elsewhere[0]}: it serves one pipeline (declare another, e.g. ${componentType(id)}/${elsewhere[0]})`,
        );
    }
    const types = new Set(pipeline.processors.map(componentType));
    for (const id of pipeline.processors) {
      const missing = catalog.processors[componentType(id)].requires?.find((type) => !types.has(type));
      if (missing)
        throw new ConfigError(
          `service.pipelines.${pipelineId}.processors`,
          `${id} needs a ${missing} processor in the same pipeline`,
        );
    }
  }
  config.service.extensions.forEach((id, index) => {
    if (!(id in config.extensions))
      throw new ConfigError(joinPath('service.extensions', index), `"${id}" is not defined under extensions`);
  });
}

/** A path from the config, resolved against the config file's directory. */
export function resolveConfigPath(loaded: Pick<LoadedConfig, 'dir'>, path: string): string {
  return isAbsolute(path) ? path : resolve(loaded.dir, path);
}
