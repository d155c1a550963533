/**
 * The hook's own voice: one line per message on stderr, prefixed so it is easy to grep and
 * never mistaken for the application's output (stdout is left alone).
 */
const PREFIX = 'ai-audit:';

export function info(message: string): void {
  process.stderr.write(`${PREFIX} ${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${PREFIX} warning: ${message}\n`);
}
