import type { NamedQuery, QueryParam } from './catalog';
import { InvalidInputError } from '../model/errors';

/**
 * Parameter values of the named queries: defaults and `--param k=v` text turned into the
 * values the engine binds (`query_params`). Times are resolved here, against one `now`, so
 * every query of a report covers the same period, and bound as Unix seconds: the engine
 * reads those the same way whatever its timezone. ISO times without a zone are UTC.
 */

/** A parameter value that is not what its query declared; the message is one line. */
export class QueryParamError extends InvalidInputError {}

const INTEGER = /^(U?)Int(8|16|32|64)$/;
const FLOAT = /^Float(32|64)$/;
const DATETIME64 = /^DateTime64\([0-9]\)$/;
const RELATIVE = /^([+-])(\d+)([smhdw])$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const TIME_FORMS = 'now, -7d, -24h, -30m, 2026-11-01, 2026-11-01T10:00:00Z';

/** Types a parameter may have: values the engine reads as data. (Not Identifier: it would splice names into the statement.) */
export function isParamType(type: string): boolean {
  return (
    type === 'String' ||
    INTEGER.test(type) ||
    FLOAT.test(type) ||
    type === 'Date' ||
    type === 'DateTime' ||
    DATETIME64.test(type)
  );
}

/** Why a declared default does not resolve, or undefined when it does. */
export function checkDefault(param: QueryParam): string | undefined {
  try {
    resolve(param, unquote(param.default), new Date());
    return undefined;
  } catch (error) {
    return `default of ${(error as Error).message}`;
  }
}

/**
 * The values to bind for `query`: each parameter from `given` (raw text, as after
 * `--param k=`) or its default, resolved against `now`. Throws QueryParamError on a name
 * the query does not declare or a value its type cannot take.
 */
export function bindParams(
  query: NamedQuery,
  given: Record<string, string>,
  now: Date = new Date(),
): Record<string, string | number> {
  for (const name of Object.keys(given)) {
    if (!query.params.some((param) => param.name === name)) {
      const known = query.params.map((param) => param.name).join(', ');
      throw new QueryParamError(
        `unknown parameter "${name.slice(0, 40)}" for query ${query.name} (${known ? `parameters: ${known}` : 'it takes none'})`,
      );
    }
  }
  return Object.fromEntries(
    query.params.map((param) => [
      param.name,
      resolve(param, Object.hasOwn(given, param.name) ? given[param.name] : unquote(param.default), now),
    ]),
  );
}

function resolve(param: QueryParam, text: string, now: Date): string | number {
  const { type } = param;
  const bad = (forms: string): never => {
    throw new QueryParamError(`parameter ${param.name}: "${text.slice(0, 40)}" is not a ${type} (${forms})`);
  };
  if (type === 'String') return text;
  if (INTEGER.test(type)) return integer(text, type) ?? bad(`a whole number in the range of ${type}`);
  if (FLOAT.test(type)) return NUMBER.test(text) ? Number(text) : bad('a number');
  const ms = parseTime(text, now) ?? bad(TIME_FORMS);
  if (type === 'Date') return new Date(ms).toISOString().slice(0, 10);
  if (type === 'DateTime') return Math.floor(ms / 1000);
  return (ms / 1000).toFixed(3);
}

function integer(text: string, type: string): number | string | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const [, unsigned, bits] = INTEGER.exec(type) as RegExpExecArray;
  const value = BigInt(text);
  const size = 2n ** BigInt(bits);
  const [min, max] = unsigned ? [0n, size - 1n] : [-size / 2n, size / 2n - 1n];
  if (value < min || value > max) return undefined;
  // A 64-bit value beyond 2^53 keeps its digits as text; the engine parses either.
  return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
}

/** Milliseconds since the epoch: now, now ± a duration, or an ISO date / timestamp (UTC unless it has a zone). */
function parseTime(text: string, now: Date): number | undefined {
  if (text === 'now') return now.getTime();
  const relative = RELATIVE.exec(text);
  if (relative) return now.getTime() + (relative[1] === '-' ? -1 : 1) * Number(relative[2]) * UNIT_MS[relative[3]];
  return parseIsoTime(text);
}

/** Milliseconds since the epoch of an ISO date or timestamp (UTC unless it has a zone); undefined for anything else or a day that does not exist. */
export function parseIsoTime(text: string): number | undefined {
  const iso = ISO.exec(text);
  if (!iso) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = iso;
  const utc = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Math.floor(Number(`0${fraction || '.0'}`) * 1000),
  );
  // Date.UTC rolls 2026-02-30 over into March: a date that does not exist is refused instead.
  const check = new Date(utc);
  if (
    check.getUTCDate() !== Number(d) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    return undefined;
  if (zone === 'Z') return utc;
  const [, sign, zh, zm] = /^([+-])(\d{2}):?(\d{2})$/.exec(zone) as RegExpExecArray;
  return utc - (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm)) * 60_000;
}

/** A header default as a value: `'text'` without its quotes (`\'` and `\\` unescaped), anything else as written. */
function unquote(text: string): string {
  return /^'.*'$/s.test(text) ? text.slice(1, -1).replace(/\\(.)/g, '$1') : text;
}
