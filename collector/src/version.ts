/** The collector's version, from its package.json (compiled code runs from dist/, one level below it as src/ is). */
export function collectorVersion(): string {
  // Read at run time: package.json is outside rootDir, so it cannot be imported.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../package.json') as { version: string }).version;
}
