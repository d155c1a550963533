/**
 * Reading untyped SDK objects. Providers see request and response objects of many SDK
 * versions; these helpers turn "maybe" into a typed value or undefined, never a throw.
 */
import type { ServerAddress } from './call';
import { FINISH_REASON_INCOMPLETE } from './semconv';

export type Obj = Record<string, unknown>;

/** Objects and functions (classes, whose static members hold SDK resources) as property bags. */
export function obj(value: unknown): Obj | undefined {
  return (typeof value === 'object' && value !== null) || typeof value === 'function' ? (value as Obj) : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string or a list of strings, as a list (stop sequences come both ways). */
export function strings(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  const list = arr(value).filter((item): item is string => typeof item === 'string');
  return list.length > 0 ? list : undefined;
}

/** Sum of the counts that are present; undefined when none is. */
export function sum(...values: (number | undefined)[]): number | undefined {
  const present = values.filter((value): value is number => value !== undefined);
  return present.length > 0 ? present.reduce((a, b) => a + b, 0) : undefined;
}

/** Keys a memoized function remembers before it starts over. */
const MAX_MEMOIZED_KEYS = 64;

/**
 * `compute`, remembered per key: for what every call asks again about one of a handful of keys
 * (a service has a few clients, each with its base URL).
 */
export function memoized<V>(compute: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as V;
    const value = compute(key);
    if (cache.size >= MAX_MEMOIZED_KEYS) cache.clear();
    cache.set(key, value);
    return value;
  };
}

const parseServer = memoized((url): ServerAddress | undefined => {
  try {
    const parsed = new URL(url);
    const port = parsed.port
      ? Number(parsed.port)
      : parsed.protocol === 'https:'
        ? 443
        : parsed.protocol === 'http:'
          ? 80
          : undefined;
    return Object.freeze({ address: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port });
  } catch {
    return undefined;
  }
});

/** server.address / server.port of a base URL, with the scheme's default port. */
export function serverOf(url: unknown): ServerAddress | undefined {
  if (typeof url !== 'string' && !(url instanceof URL)) return undefined;
  return parseServer(String(url));
}

/** A provider's stop reason in semconv terms (unknown ones kept); none means the output was cut short. */
export function finishReasonOf(map: Readonly<Record<string, string>>, raw: string | undefined): string {
  return raw ? (map[raw] ?? raw) : FINISH_REASON_INCOMPLETE;
}
