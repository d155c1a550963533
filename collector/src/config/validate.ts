import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { schemasDir } from '../paths';
import { ConfigError, joinPath } from './errors';
import { isIdentifier } from './identifier';
import { parseDuration, parseSize } from './units';

/**
 * Validation against schemas/config.schema.json (+ one schema file per component under
 * schemas/config/), with defaults filled in and env-substituted strings coerced to the
 * numbers/booleans the schema expects. Errors become one line: `<key path>: <reason>`.
 */

const BASE_ID = 'https://schemas.ai-audit.dev/';

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

function isHostPort(value: string): boolean {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]*):(\d{1,5})$/.exec(value);
  return match !== null && Number(match[2]) <= 65535;
}

let compiled: { validate: ValidateFunction; ajv: Ajv2020 } | undefined;

function validator(): { validate: ValidateFunction; ajv: Ajv2020 } {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: false, useDefaults: true, coerceTypes: true, strict: true, allowUnionTypes: true, verbose: true });
  for (const [name, format] of Object.entries(FORMATS)) ajv.addFormat(name, format.test);
  const root = schemasDir();
  const componentsDir = join(root, 'config');
  for (const file of listSchemaFiles(componentsDir)) {
    const id = `${BASE_ID}config/${relative(componentsDir, file).split(sep).join('/')}`;
    ajv.addSchema(JSON.parse(readFileSync(file, 'utf8')), id);
  }
  const validate = ajv.compile(JSON.parse(readFileSync(join(root, 'config.schema.json'), 'utf8')));
  compiled = { validate, ajv };
  return compiled;
}

function listSchemaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSchemaFiles(path);
    return entry.name.endsWith('.schema.json') ? [path] : [];
  });
}

/** Validates in place (defaults are written into `tree`) and throws ConfigError on the first problem. */
export function validateConfigTree(tree: unknown): void {
  const { validate } = validator();
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
      return new ConfigError(joinPath(path, String(params.additionalProperty)), `unknown key${suggestion(error, String(params.additionalProperty))}`);
    case 'required':
      return new ConfigError(joinPath(path, String(params.missingProperty)), 'is required');
    case 'type':
      return new ConfigError(path, `${shown} must be ${article(String(params.type))}`);
    case 'enum':
      return new ConfigError(path, `${shown} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
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
