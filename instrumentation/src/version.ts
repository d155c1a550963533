import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** This package's version, for the instrumentation scope of every span. */
export const VERSION: string = (() => {
  try {
    const version: unknown = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
