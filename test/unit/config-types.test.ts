import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The config types the code reads and the JSON Schemas the loader validates against are
 * one contract (docs/architecture.md, "Config from one source"): every key of a schema is a
 * property of its type and back, a property the code treats as always there is required or
 * has a default, and the kinds agree (a `unit` is a number after loading, an enum is the
 * same union of literals). Adding a key to one and not the other fails here.
 */
const SRC = join(__dirname, '../../collector/src');

const PAIRS: { schema: string; file: string; type: string }[] = [
  { schema: 'receiver/otlp/config.schema.json', file: 'config/types.ts', type: 'OtlpReceiverConfig' },
  { schema: 'processor/normalize/config.schema.json', file: 'config/types.ts', type: 'NormalizeProcessorConfig' },
  { schema: 'processor/cost/config.schema.json', file: 'processor/cost/pricing.ts', type: 'ModelPriceOverrides' },
  { schema: 'processor/classify/config.schema.json', file: 'processor/classify/config.ts', type: 'ClassifyConfig' },
  { schema: 'processor/join/config.schema.json', file: 'config/types.ts', type: 'JoinProcessorConfig' },
  { schema: 'processor/protect/config.schema.json', file: 'config/types.ts', type: 'ProtectProcessorConfig' },
  { schema: 'exporter/clickhouse/config.schema.json', file: 'config/types.ts', type: 'ClickHouseExporterConfig' },
  { schema: 'extension/health_check/config.schema.json', file: 'config/types.ts', type: 'HealthCheckExtensionConfig' },
];

interface Schema {
  $ref?: string;
  $defs?: Record<string, Schema>;
  type?: string | string[];
  enum?: unknown[];
  unit?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  default?: unknown;
  items?: Schema;
  additionalProperties?: boolean | Schema;
}

const program = ts.createProgram(
  PAIRS.map((pair) => join(SRC, pair.file)),
  {
    strict: true,
    skipLibCheck: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
  },
);
const checker = program.getTypeChecker();

function exportedType(file: string, name: string): ts.Type {
  const source = program.getSourceFile(join(SRC, file));
  if (!source) throw new Error(`${file} not found`);
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).find((s) => s.name === name);
  if (!symbol) throw new Error(`${file} exports no ${name}`);
  return checker.getDeclaredTypeOfSymbol(symbol);
}

/** The TypeScript type without `undefined` (optional properties add it). */
function defined(type: ts.Type): ts.Type[] {
  return (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & ts.TypeFlags.Undefined));
}

function kindOf(types: ts.Type[]): string {
  if (types.every((t) => t.flags & ts.TypeFlags.StringLiteral))
    return `enum:${types
      .map((t) => (t as ts.StringLiteralType).value)
      .sort()
      .join('|')}`;
  if (types.every((t) => t.flags & ts.TypeFlags.BooleanLike)) return 'boolean';
  if (types.length !== 1) return `union:${types.map((t) => checker.typeToString(t)).join('|')}`;
  const [type] = types;
  if (type.flags & ts.TypeFlags.StringLike) return 'string';
  if (type.flags & ts.TypeFlags.NumberLike) return 'number';
  if (checker.isArrayType(type)) return 'array';
  if (checker.getIndexInfoOfType(type, ts.IndexKind.String)) return 'map';
  return 'object';
}

function schemaKind(schema: Schema): string {
  if (schema.enum) return `enum:${(schema.enum as string[]).slice().sort().join('|')}`;
  if (schema.unit) return 'number';
  const types = [schema.type ?? 'object'].flat();
  if (types.every((t) => t === 'integer' || t === 'number')) return 'number';
  if (
    types.length === 1 &&
    types[0] === 'object' &&
    !schema.properties &&
    typeof schema.additionalProperties === 'object'
  )
    return 'map';
  return types.length === 1 ? types[0] : `union:${types.join('|')}`;
}

/** Every disagreement between a schema and a type, as `<key path>: <what>`. */
function compare(schema: Schema, type: ts.Type[], path: string, root: Schema, out: string[]): void {
  if (schema.$ref) {
    compare(root.$defs![schema.$ref.replace('#/$defs/', '')], type, path, root, out);
    return;
  }
  const expected = schemaKind(schema);
  const actual = kindOf(type);
  // A string type may read an enum: it is wider than what the loader lets through.
  if (expected !== actual && !(expected.startsWith('enum:') && actual === 'string')) {
    out.push(`${path}: the schema says ${expected}, the type ${actual}`);
    return;
  }
  if (actual === 'array' && schema.items) {
    compare(schema.items, [checker.getTypeArguments(type[0] as ts.TypeReference)[0]], `${path}[]`, root, out);
  }
  if (actual === 'map' && typeof schema.additionalProperties === 'object') {
    compare(
      schema.additionalProperties,
      defined(checker.getIndexInfoOfType(type[0], ts.IndexKind.String)!.type),
      `${path}.*`,
      root,
      out,
    );
  }
  if (actual !== 'object') return;
  const properties = new Map(checker.getPropertiesOfType(type[0]).map((p) => [p.name, p]));
  const keys = Object.keys(schema.properties ?? {});
  for (const key of keys) if (!properties.has(key)) out.push(`${path}.${key}: in the schema, not in the type`);
  for (const name of properties.keys())
    if (!keys.includes(name)) out.push(`${path}.${name}: in the type, not in the schema`);
  for (const key of keys.filter((k) => properties.has(k))) {
    const property = properties.get(key)!;
    const sub = schema.properties![key];
    const guaranteed = schema.required?.includes(key) || sub.default !== undefined;
    if (!(property.flags & ts.SymbolFlags.Optional) && !guaranteed)
      out.push(`${path}.${key}: required by the type, but the schema neither requires it nor has a default`);
    compare(sub, defined(checker.getTypeOfSymbol(property)), `${path}.${key}`, root, out);
  }
}

describe('config types and JSON Schemas', () => {
  it.each(PAIRS)('$type matches $schema', ({ schema, file, type }) => {
    const root = JSON.parse(readFileSync(join(SRC, schema), 'utf8')) as Schema;
    const problems: string[] = [];
    compare(root, [exportedType(file, type)], type, root, problems);
    expect(problems).toEqual([]);
  });

  it('notices a key the type lacks', () => {
    const root: Schema = {
      type: 'object',
      properties: { path: { type: 'string', default: '/' }, extra: { type: 'boolean' } },
    };
    const problems: string[] = [];
    compare(root, [exportedType('config/types.ts', 'HealthCheckExtensionConfig')], 'X', root, problems);
    expect(problems).toEqual(['X.extra: in the schema, not in the type', 'X.endpoint: in the type, not in the schema']);
  });
});
