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

/** Parsed base URLs: a service has a few clients, each asking on every call. */
const SERVERS = new Map<string, ServerAddress | undefined>();
const MAX_SERVERS = 64;

/** server.address / server.port of a base URL, with the scheme's default port. */
export function serverOf(url: unknown): ServerAddress | undefined {
  if (typeof url !== 'string' && !(url instanceof URL)) return undefined;
  const key = String(url);
  if (SERVERS.has(key)) return SERVERS.get(key);
  let server: ServerAddress | undefined;
  try {
    const parsed = new URL(key);
    const port = parsed.port
      ? Number(parsed.port)
      : parsed.protocol === 'https:'
        ? 443
        : parsed.protocol === 'http:'
          ? 80
          : undefined;
    server = Object.freeze({ address: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port });
  } catch {
    server = undefined;
  }
  if (SERVERS.size >= MAX_SERVERS) SERVERS.clear();
  SERVERS.set(key, server);
  return server;
}

/** A provider's stop reason in semconv terms (unknown ones kept); none means the output was cut short. */
export function finishReasonOf(map: Readonly<Record<string, string>>, raw: string | undefined): string {
  return raw ? (map[raw] ?? raw) : FINISH_REASON_INCOMPLETE;
}
