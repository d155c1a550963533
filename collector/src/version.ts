/** The collector's version, from its package.json (compiled code runs from dist/, one level below it as src/ is). */
export function collectorVersion(): string {
  return (require('../package.json') as { version: string }).version;
}
