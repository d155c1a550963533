import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { DataValidationCxt, SchemaValidateFunction } from 'ajv/dist/types';
import { schemasDir } from '../paths';
import { ConfigError, joinPath } from './errors';
import { isIdentifier } from './identifier';
import { parseDuration, parseSize } from './units';

/**
 * Validation against collector/schemas/config.schema.json, with each component section checked by its
 * component's own schema (`configSchema` of its factory, listed in components.ts): defaults
 * are filled in, env-substituted strings are coerced to the numbers and booleans the schema
 * expects, and durations and sizes (`"unit": "duration" | "size"`) become milliseconds and
 * bytes, once, here. Errors become one line: `<key path>: <reason>`.
 */

const BASE_ID = 'https://schemas.ai-audit.dev/';

/** What the loader needs of a component type: its config schema and checks the schema cannot make. */
export interface ComponentSpec {
  /** The JSON Schema (draft 2020-12) of the component's config section, defaults included. */
  configSchema: object;
  /** Where a processor must sit in a pipeline: first (it makes records from spans) or last (it seals them). */
  position?: 'first' | 'last';
  /** Processor types that must be in the same pipeline (join: protect, whose keys seal its journal). */
  requires?: readonly string[];
  /** One instance serves one pipeline only (join: what it holds goes on through that pipeline). */
  singlePipeline?: boolean;
  /** Checks beyond the schema, on the validated section; throws ConfigError naming `path`. */
  validate?(config: unknown, path: string): void;
}

export type ComponentKind = 'receivers' | 'processors' | 'exporters' | 'extensions';

/** Every component type a config may use, by kind and type name. */
export type ConfigCatalog = Record<ComponentKind, Record<string, ComponentSpec>>;

export const COMPONENT_KINDS: readonly ComponentKind[] = ['receivers', 'processors', 'exporters', 'extensions'];

const FORMATS: Record<string, { label: string; test: (value: string) => boolean }> = {
  duration: { label: 'a duration (e.g. 30d, 12h, 1h30m, 500ms)', test: (v) => parseDuration(v) !== null },
  size: { label: 'a size (bytes, or e.g. 512KiB, 16MiB)', test: (v) => parseSize(v) !== null },
  endpoint: { label: 'a host:port endpoint', test: isHostPort },
  identifier: { label: 'an identifier (letters, digits and _)', test: isIdentifier },
  'store-endpoint': {
    label: 'a store endpoint (chdb://<path> or http[s]://host:port)',
    test: (v) => /^chdb:\/\/.+/.test(v) || /^https?:\/\/[^/\s]+/.test(v),
  },
};

/** Units the `unit` keyword turns into numbers: milliseconds and bytes. */
const UNITS: Record<string, (value: string | number) => number | null> = {
  duration: (value) => (typeof value === 'string' ? parseDuration(value) : null),
  size: parseSize,
};

/** The `unit` keyword: replaces a duration or size, as written, by its number (or fails like a format). */
const normalizeUnit: SchemaValidateFunction = function (
  unit: string,
  value: string | number,
  _schema?: unknown,
  context?: DataValidationCxt,
): boolean {
  const parsed = UNITS[unit]?.(value) ?? null;
  if (parsed === null) {
    normalizeUnit.errors = [{ keyword: 'format', message: `must be ${unit}`, params: { format: unit } }];
    return false;
  }
  if (context) (context.parentData as Record<string | number, unknown>)[context.parentDataProperty] = parsed;
  return true;
};

function isHostPort(value: string): boolean {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]*):(\d{1,5})$/.exec(value);
  return match !== null && Number(match[2]) <= 65535;
}

const compiled = new WeakMap<ConfigCatalog, ValidateFunction>();

function validator(catalog: ConfigCatalog): ValidateFunction {
  const cached = compiled.get(catalog);
  if (cached) return cached;
  const ajv = new Ajv2020({
    allErrors: false,
    useDefaults: true,
    coerceTypes: true,
    strict: true,
    allowUnionTypes: true,
    verbose: true,
  });
  for (const [name, format] of Object.entries(FORMATS)) ajv.addFormat(name, format.test);
  ajv.addKeyword({
    keyword: 'unit',
    type: ['string', 'number'],
    schemaType: 'string',
    modifying: true,
    validate: normalizeUnit,
  });
  const root = JSON.parse(readFileSync(join(schemasDir(), 'config.schema.json'), 'utf8')) as {
    properties: Record<string, { patternProperties?: object }>;
  };
  for (const kind of COMPONENT_KINDS) {
    const patterns: Record<string, object> = {};
    for (const [type, spec] of Object.entries(catalog[kind])) {
      const id = `${BASE_ID}components/${kind}/${type}`;
      ajv.addSchema(spec.configSchema, id);
      patterns[`^${type}(/[A-Za-z0-9_.-]+)?$`] = { $ref: id };
    }
    root.properties[kind].patternProperties = patterns;
  }
  const validate = ajv.compile(root);
  compiled.set(catalog, validate);
  return validate;
}

/** Validates in place (defaults written, units normalized) and throws ConfigError on the first problem. */
export function validateConfigTree(tree: unknown, catalog: ConfigCatalog): void {
  const validate = validator(catalog);
  if (!validate(tree)) throw toConfigError((validate.errors ?? [])[0], tree);
}

function toConfigError(error: ErrorObject | undefined, tree: unknown): ConfigError {
  if (!error) return new ConfigError('', 'invalid configuration');
  const path = keyPath(error.instancePath, tree);
  const secret = error.parentSchema?.writeOnly === true;
  const shown = secret ? 'the value' : JSON.stringify(error.data);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'format': {
      const format = FORMATS[String(params.format)];
      return new ConfigError(path, `${shown} is not ${format ? format.label : `a valid ${String(params.format)}`}`);
    }
    case 'additionalProperties':
      return new ConfigError(
        joinPath(path, String(params.additionalProperty)),
        `unknown key${suggestion(error, String(params.additionalProperty))}`,
      );
    case 'required':
      return new ConfigError(joinPath(path, String(params.missingProperty)), 'is required');
    case 'type':
      return new ConfigError(path, `${shown} must be ${article(String(params.type))}`);
    case 'enum':
      return new ConfigError(
        path,
        `${shown} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
    case 'minProperties':
      return new ConfigError(path, 'must not be empty');
    default:
      return new ConfigError(path, error.message ?? 'is invalid');
  }
}

function article(types: string): string {
  return types
    .split(',')
    .map((t) => (t === 'integer' || t === 'object' || t === 'array' ? `an ${t}` : `a ${t}`))
    .join(' or ');
}

/** JSON-pointer instance path → the dotted form users see, with [n] for array items. */
function keyPath(instancePath: string, tree: unknown): string {
  let path = '';
  let node = tree;
  for (const raw of instancePath.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(node) ? Number(part) : part;
    path = joinPath(path, key);
    node = (node as Record<string | number, unknown> | undefined)?.[key];
  }
  return path;
}

/** " (did you mean \"retention\"?)" when a known key is one or two edits away. */
function suggestion(error: ErrorObject, unknown: string): string {
  const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
  const close = known.find((key) => editDistance(key, unknown) <= 2);
  return close ? ` (did you mean "${close}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
