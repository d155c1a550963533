import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Imports run one way (docs/architecture.md, "Layers"): a module may import from its own
 * folder and from folders on a lower floor, never from a higher one. Top-level files are
 * placed explicitly. A new folder must be given a floor here before anything can import it.
 */
const FLOORS: Record<string, number> = {
  // Ground floor: data shapes, logging and metrics, where the package's files are.
  model: 0,
  telemetry: 0,
  'paths.ts': 0,
  'version.ts': 0,
  config: 1,
  component: 2,
  wal: 3,
  store: 4,
  keys: 5,
  query: 6,
  ledger: 6,
  admin: 6,
  // The components: each one job, knowing the floors below and the component interfaces only.
  receiver: 7,
  processor: 7,
  exporter: 7,
  extension: 7,
  // The runtime that wires whatever components it is given.
  service: 8,
  // Composition: the list of every component type.
  'components.ts': 9,
  // What CLI commands and reports use to reach a running collector or the store.
  access: 10,
  report: 11,
  cli: 12,
};

const SRC = resolve(__dirname, '../../collector/src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The folder (or top-level file) a source file belongs to. */
const unit = (file: string): string => relative(SRC, file).split('/')[0];

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:from|import|require)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return found.map((spec) => resolve(dirname(file), spec));
}

describe('the collector’s import graph', () => {
  const files = sources(SRC);

  it('places every folder and top-level file on a floor', () => {
    expect([...new Set(files.map(unit))].filter((name) => !(name in FLOORS))).toEqual([]);
  });

  it('has no import from a lower floor to a higher one', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = unit(file);
      for (const target of imports(file)) {
        const to = unit(target) in FLOORS ? unit(target) : `${unit(target)}.ts`;
        if (from !== to && FLOORS[to] > FLOORS[from]) upward.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import between components of different kinds or types', () => {
    // A processor does not reach into a receiver or another processor: what they share
    // lives on a lower floor (model/, component/), so each can be added or removed alone.
    const sideways: string[] = [];
    for (const file of files) {
      const [kind, type] = relative(SRC, file).split('/');
      if (FLOORS[kind] !== FLOORS.processor) continue;
      for (const target of imports(file)) {
        const [toKind, toType] = relative(SRC, target).split('/');
        if (FLOORS[toKind] === FLOORS.processor && (toKind !== kind || toType !== type))
          sideways.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
    expect(sideways).toEqual([]);
  });
});
