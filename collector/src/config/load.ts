import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { substituteEnv, type Environment } from './env';
import { ConfigError, joinPath } from './errors';
import { componentType, type CollectorConfig, type LoadedConfig } from './types';
import { parseDuration } from './units';
import { validateConfigTree } from './validate';

const COMPONENT_SECTIONS = ['receivers', 'processors', 'exporters', 'extensions'] as const;

/**
 * Reads, substitutes, validates and cross-checks a collector config file.
 * Throws ConfigError (one line, naming the key) on any problem.
 */
export function loadConfig(file: string, env: Environment = process.env): LoadedConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('', `cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const config = parseConfigText(text, path, env);
  return { file: path, dir: dirname(path), config };
}

/** The same as loadConfig for text already in memory; `origin` names it in errors. */
export function parseConfigText(text: string, origin: string, env: Environment = process.env): CollectorConfig {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const problem = document.errors[0];
  if (problem) {
    // The YAML library's messages quote the offending line; config files may hold
    // passwords, so report the position and the kind of error only.
    const [line, col] = problem.linePos?.[0] ? [problem.linePos[0].line, problem.linePos[0].col] : [0, 0];
    throw new ConfigError('', `${origin}:${line}:${col}: invalid YAML (${problem.code})`);
  }
  const raw = document.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('', `${origin}: the top level must be a mapping`);
  const tree = substituteEnv(emptyComponentsToObjects(raw as Record<string, unknown>), env) as Record<string, unknown>;
  validateConfigTree(tree);
  const config = tree as unknown as CollectorConfig;
  checkReferences(config);
  checkRetention(config);
  return config;
}

/**
 * `grpc:` or `health_check:` with nothing after it means "enabled, with defaults" in
 * OTel configs; YAML reads that as null, so turn component entries that are null into {}.
 */
function emptyComponentsToObjects(raw: Record<string, unknown>): Record<string, unknown> {
  const out = { ...raw };
  for (const section of COMPONENT_SECTIONS) {
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

function checkReferences(config: CollectorConfig): void {
  const sections = { receivers: config.receivers, processors: config.processors, exporters: config.exporters };
  for (const [pipelineId, pipeline] of Object.entries(config.service.pipelines)) {
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      pipeline[kind].forEach((id, index) => {
        if (!(id in sections[kind])) {
          throw new ConfigError(joinPath(joinPath(`service.pipelines.${pipelineId}`, kind), index), `"${id}" is not defined under ${kind}`);
        }
      });
    }
    if (componentType(pipeline.processors[0] ?? '') !== 'normalize') {
      throw new ConfigError(`service.pipelines.${pipelineId}.processors`, 'must start with a normalize processor (it turns spans into records)');
    }
    const protect = pipeline.processors.findIndex((id) => componentType(id) === 'protect');
    if (protect !== -1 && protect !== pipeline.processors.length - 1) {
      throw new ConfigError(`service.pipelines.${pipelineId}.processors`, 'protect must be the last processor (nothing may see content after it is sealed)');
    }
  }
  config.service.extensions.forEach((id, index) => {
    if (!(id in config.extensions)) throw new ConfigError(joinPath('service.extensions', index), `"${id}" is not defined under extensions`);
  });
}

function checkRetention(config: CollectorConfig): void {
  for (const [id, exporter] of Object.entries(config.exporters)) {
    if (componentType(id) !== 'clickhouse') continue;
    const { records, content } = (exporter as { retention: { records: string; content: string } }).retention;
    if ((parseDuration(content) as number) > (parseDuration(records) as number)) {
      throw new ConfigError(`exporters.${id}.retention.content`, `"${content}" is longer than retention.records "${records}"`);
    }
  }
}

/** A path from the config, resolved against the config file's directory. */
export function resolveConfigPath(loaded: Pick<LoadedConfig, 'dir'>, path: string): string {
  return isAbsolute(path) ? path : resolve(loaded.dir, path);
}
