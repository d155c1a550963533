/**
 * secret:connection_string — URLs of databases, caches, brokers and mail/file servers that
 * carry a password: `scheme://user:password@host[:port]`, also behind `jdbc:`. The finding
 * covers scheme to host and port.
 *
 * Anchored on "://": the scheme is read backwards (at most 32 characters) and the userinfo
 * forwards (at most 256, stopping at '/', '@' or whitespace), so neither scan can run into the
 * next URL's "://".
 *
 * Deliberately not caught: http(s) URLs with credentials (basic auth in web URLs is a different
 * kind of leak and common in docs), key=value forms ("Server=...;Password=..."), passwords in
 * query strings (?password=), templated passwords (${DB_PASSWORD}, {{pw}}, <password>, ****).
 */
import type { Detector, Emit } from '../types';
import { Literals, forEachLiteral } from '../literals';
import { isAlnum, runEnd, runStart } from '../scan';

const SCHEMES = new Set([
  'postgres',
  'postgresql',
  'mysql',
  'mysqlx',
  'mariadb',
  'mongodb',
  'mongodb+srv',
  'redis',
  'rediss',
  'amqp',
  'amqps',
  'mssql',
  'sqlserver',
  'oracle',
  'cockroachdb',
  'clickhouse',
  'couchdb',
  'cassandra',
  'neo4j',
  'neo4j+s',
  'bolt',
  'nats',
  'kafka',
  'memcached',
  'ldap',
  'ldaps',
  'ftp',
  'ftps',
  'sftp',
  'smtp',
  'smtps',
  'imap',
  'imaps',
  'mqtt',
  'mqtts',
  'snowflake',
  'db2',
  'sqlite',
  'cockroach',
]);
const SEPARATOR = new Literals(['://']);
const MAX_SCHEME = 32;
const MAX_USERINFO = 256;

const isSchemeChar = (c: number): boolean => isAlnum(c) || c === 43 /* + */ || c === 45 || c === 46;
/** Userinfo runs until '/', '?', '#', '@', whitespace, quotes, '<', '>' or a backslash (JSON escape). */
const isUserinfoChar = (c: number): boolean =>
  c > 32 &&
  c !== 47 &&
  c !== 63 &&
  c !== 35 &&
  c !== 64 &&
  c !== 34 &&
  c !== 39 &&
  c !== 96 &&
  c !== 60 &&
  c !== 62 &&
  c !== 92;
const isHostChar = (c: number): boolean => isAlnum(c) || c === 46 || c === 45 || c === 95;

/** Password values that are templates or masks, not secrets. Anchored, on <= 256 characters. */
const PLACEHOLDER =
  /^(?:\$\{.*\}|\$\(.*\)|\{\{.*\}\}|<[^<>]*>|%[A-Za-z_]+%|\$[A-Za-z_][A-Za-z0-9_]*|\*+|x+|X+|\.\.\.)$/;

export const connectionString: Detector = {
  kind: 'secret:connection_string',
  scan(text: string, emit: Emit): void {
    forEachLiteral(text, SEPARATOR, (at) => {
      const schemeStart = runStart(text, at, isSchemeChar, at - MAX_SCHEME);
      if (!SCHEMES.has(text.slice(schemeStart, at).toLowerCase())) return at + 3;
      const infoStart = at + 3;
      const infoEnd = runEnd(text, infoStart, isUserinfoChar, infoStart + MAX_USERINFO);
      if (text.charCodeAt(infoEnd) !== 64 /* @ */) return infoEnd;
      const info = text.slice(infoStart, infoEnd); // bounded: at most MAX_USERINFO characters
      const colon = info.indexOf(':');
      if (colon < 0 || colon === info.length - 1) return infoEnd; // no password, or an empty one
      if (PLACEHOLDER.test(info.slice(colon + 1))) return infoEnd;

      const hostStart = infoEnd + 1;
      let end = runEnd(text, hostStart, isHostChar, hostStart + 255);
      if (end === hostStart) return hostStart;
      if (text.charCodeAt(end) === 58) {
        const portEnd = runEnd(text, end + 1, (c) => c >= 48 && c <= 57, end + 6);
        if (portEnd > end + 1) end = portEnd;
      }
      emit(schemeStart, end);
      return end;
    });
  },
};
