/** A string literal of ClickHouse SQL, for values of ours (paths, tokens, cluster names) spliced into DDL. */
export function sqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
