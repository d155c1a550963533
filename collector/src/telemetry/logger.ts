/**
 * The collector's structured logs, on stderr: one JSON object per line for machines, or
 * readable lines for people at a terminal. Callers pass explicit fields; nothing here
 * inspects records, so content and secrets reach a log only if a caller puts them there
 * (and none does: log ids, counts and error codes, never values).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogEncoding = 'json' | 'console' | 'auto';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  encoding?: LogEncoding;
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const encoding =
    options.encoding === 'auto' || options.encoding === undefined
      ? process.stderr.isTTY
        ? 'console'
        : 'json'
      : options.encoding;
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (RANK[level] < threshold) return;
    const all = { ...bound, ...fields };
    if (encoding === 'json') {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...all })}\n`);
      return;
    }
    const extras = Object.entries(all)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : value}`)
      .join(' ');
    write(`${level === 'info' ? '' : `${level.toUpperCase()} `}${message}${extras ? `  ${extras}` : ''}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = createLogger({ write: () => undefined });

/** An error's message for logs: first line only (stack traces stay out of structured logs). */
export function errorMessage(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n', 1)[0];
}
