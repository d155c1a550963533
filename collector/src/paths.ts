import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository's `schemas/` directory (DDL, JSON Schemas, pricing). Compiled code runs
 * from collector/dist/** and tests from collector/src/**, at varying depths, so walk up
 * from this module until the folder appears instead of hard-coding a relative path.
 */
export function schemasDir(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, 'config.schema.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`schemas/ directory not found above ${__dirname}`);
  }
}
