'use strict';
/**
 * A ClickHouse-compatible HTTP server backed by the real embedded engine (chdb), for tests
 * that need the collector's server path, and store outages, on a machine without a
 * ClickHouse server. Every answer comes from the engine; this file only speaks the HTTP
 * interface (https://clickhouse.com/docs/interfaces/http) the way clickhouse-server does,
 * for the subset `@clickhouse/client` uses, and can be told to fail on purpose.
 *
 * Runs as a child process (test/helpers/clickhouse-server.ts starts it): the engine binds
 * one data directory per process and must stay out of jest workers.
 *
 *   node server.js --data-dir DIR [--port 0] [--host 127.0.0.1] [--user default] [--password '']
 *
 * Under a parent (fork with IPC) it reports {type:'ready', port, version} and takes commands:
 * {id, cmd:'mode', mode}, {id, cmd:'query', sql, format}, {id, cmd:'stats'}, {id, cmd:'stop'};
 * each is answered with {id, ok, result | error}.
 *
 * Per-request settings. The engine keeps SET state per connection (chdb "session"), and a
 * connection is cheap to open on a data directory that is already bound (~4 ms). So each
 * HTTP request gets a connection of its own, closed after it: `USE db`; a SET putting back
 * the ClickHouse defaults the embedded engine changes; `SET readonly = 2` for GET; then one
 * `SET k = 'v', ..., param_x = '...'` carrying the URL settings and query parameters; then
 * the statement. Nothing can leak into the next request, and that one SET has the server's
 * semantics: all changes are checked against the settings as they were before the request,
 * then applied (so `readonly=2` next to other settings works, and a `SET readonly` inside a
 * read-only request fails as on a server). A reused connection "reset" after each request
 * could not offer that: readonly cannot be lowered again once set.
 */
const http = require('node:http');
const zlib = require('node:zlib');
const { isUtf8 } = require('node:buffer');
const { randomUUID } = require('node:crypto');
const { parseArgs, promisify } = require('node:util');
const { Session, drainPending } = require('chdb');
const { rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    user: { type: 'string', default: 'default' },
    password: { type: 'string', default: '' },
  },
});
if (!args['data-dir']) {
  console.error('usage: node server.js --data-dir DIR [--port N] [--host H] [--user U] [--password P]');
  process.exit(2);
}
const DATA_DIR = args['data-dir'];
const HOST = args.host;
let port = Number(args.port);

/** Fault modes: how the server misbehaves, switchable at run time. */
const MODES = new Set(['ok', 'refuse', 'error', 'hang', 'reset', 'reject-inserts']);
let mode = 'ok';
const stats = { requests: 0, inserts: 0, failed: 0, faulted: 0 };

/** Facts about the engine, read once at start (see main()). */
const engine = { session: undefined, version: '', timezone: 'UTC', httpCompression: false, serverDefaults: '' };

// ---------------------------------------------------------------------------------------
// Errors, shaped as clickhouse-server sends them.

/** An error answered as ClickHouse does: `Code: N. DB::Exception: msg. (NAME) (version V)`. */
class ClickHouseException extends Error {
  constructor(code, text) {
    super(text);
    this.code = code;
  }

  static of(code, name, message) {
    return new ClickHouseException(
      code,
      `Code: ${code}. DB::Exception: ${message}. (${name}) (version ${engine.version})`,
    );
  }

  /**
   * An engine error, kept as the engine worded it. The embedded client wraps some errors
   * in its own "Code: N. DB::Exception: ..." layers and repeats the suffix; a server sends
   * one layer and one suffix, so that is what is kept.
   */
  static fromEngine(error) {
    if (error instanceof ClickHouseException) return error;
    const code = error && error.clickhouseCode;
    const message = String((error && error.message) || error);
    if (typeof code !== 'number') return ClickHouseException.of(1001, 'STD_EXCEPTION', message);
    const text = message.replace(/^(Code: \d+\. DB::Exception: )+/, `Code: ${code}. DB::Exception: `);
    const suffix = /\([A-Z0-9_]{3,}\) \(version [^()]*(\([^()]*\))?\)/.exec(text);
    return new ClickHouseException(
      code,
      suffix ? text.slice(0, suffix.index + suffix[0].length) : `${text} (version ${engine.version})`,
    );
  }
}

/** HTTP status per exception code: src/Server/HTTP/exceptionCodeToHTTPStatus.cpp. */
const HTTP_STATUS = new Map([
  [401, [194]],
  [403, [192, 193, 516, 512, 497]],
  [400, [36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223, 62, 117, 53, 321]],
  [404, [60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511]],
  [413, [229]],
  [501, [48]],
  [503, [209, 76, 439]],
  [411, [381]],
  [408, [159]],
  [415, [779]],
]);
function httpStatus(code) {
  for (const [status, codes] of HTTP_STATUS) if (codes.includes(code)) return status;
  return 500;
}

const notImplemented = (what) =>
  ClickHouseException.of(
    48,
    'NOT_IMPLEMENTED',
    `${what} is not implemented by the ClickHouse test server (test/helpers/clickhouse-server)`,
  );

// ---------------------------------------------------------------------------------------
// Authentication: src/Server/HTTP/authenticateUserByHTTP.cpp, one configured user.

function authenticate(req, params) {
  const mixed = (a, b) =>
    ClickHouseException.of(
      516,
      'AUTHENTICATION_FAILED',
      `Invalid authentication: it is not allowed to use ${a} and ${b} simultaneously`,
    );
  const headerUser = req.headers['x-clickhouse-user'] ?? '';
  const headerKey = req.headers['x-clickhouse-key'] ?? '';
  const authorization = req.headers.authorization;
  const inParams = params.has('user') || params.has('password');
  let user;
  let password;
  if (headerUser || headerKey) {
    if (authorization) throw mixed('X-ClickHouse HTTP headers', 'Authorization HTTP header');
    if (inParams) throw mixed('X-ClickHouse HTTP headers', 'authentication via parameters');
    [user, password] = [headerUser, headerKey];
  } else if (authorization) {
    if (inParams) throw mixed('Authorization HTTP header', 'authentication via parameters');
    const [scheme, info = ''] = authorization.split(' ', 2);
    if (scheme.toLowerCase() !== 'basic') {
      throw ClickHouseException.of(
        516,
        'AUTHENTICATION_FAILED',
        `Invalid authentication: '${scheme}' HTTP Authorization scheme is not supported`,
      );
    }
    const decoded = Buffer.from(info, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    [user, password] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  } else {
    [user, password] = [params.get('user') ?? 'default', params.get('password') ?? ''];
  }
  if (user !== args.user || password !== args.password) {
    // The server's wording, double period included.
    throw ClickHouseException.of(
      516,
      'AUTHENTICATION_FAILED',
      `${user}: Authentication failed: password is incorrect, or there is no user with such name.`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// Compression (HTTP Content-Encoding / Accept-Encoding; ClickHouse's own `compress` /
// `decompress` block format is not implemented).

const zstd = typeof zlib.zstdDecompress === 'function';
const DECODERS = {
  gzip: promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
  ...(zstd ? { zstd: promisify(zlib.zstdDecompress) } : {}),
};
const ENCODERS = {
  gzip: promisify(zlib.gzip),
  deflate: promisify(zlib.deflate),
  br: promisify(zlib.brotliCompress),
  ...(zstd ? { zstd: promisify(zlib.zstdCompress) } : {}),
};

async function decodeBody(req, raw) {
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'none' || encoding === 'identity') return raw;
  const decode = DECODERS[encoding];
  if (!decode) {
    if (['xz', 'lz4', 'bz2', 'snappy', 'zstd'].includes(encoding))
      throw notImplemented(`Content-Encoding: ${encoding}`);
    throw ClickHouseException.of(36, 'BAD_ARGUMENTS', `Unknown compression method '${encoding}'`);
  }
  try {
    return await decode(raw);
  } catch (error) {
    throw ClickHouseException.of(354, 'ZLIB_INFLATE_FAILED', `inflate failed: ${error.message}`);
  }
}

/** The server compresses only with enable_http_compression (URL or default) and an accepted method, preferring zstd, br, gzip, deflate. */
function responseEncoding(req, params) {
  const setting = params.get('enable_http_compression');
  const enabled = setting === null ? engine.httpCompression : setting === '1' || setting.toLowerCase() === 'true';
  const accepted = req.headers['accept-encoding'] ?? '';
  return enabled ? ['zstd', 'br', 'gzip', 'deflate'].find((m) => accepted.includes(m) && ENCODERS[m]) : undefined;
}

// ---------------------------------------------------------------------------------------
// Requests.

/**
 * URL parameters that are not settings (HTTPHandler.cpp's reserved names, plus the ones it
 * reads itself). `param_*` are query parameters; every other parameter is a setting.
 */
const RESERVED = new Set([
  'query',
  'database',
  'default_format',
  'user',
  'password',
  'quota_key',
  'query_id',
  'buffer_size',
  'wait_end_of_query',
  'stacktrace',
  'client_protocol_version',
]);
/** Parameters whose feature this server lacks: refused loudly rather than silently ignored. */
const UNSUPPORTED = [
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'role',
  'compress',
  'decompress',
];

const running = new Set();
const sockets = new Set();

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error('unexpected failure', error);
    res.destroy();
  });
});
// ClickHouse's keep_alive_timeout; clickhouse-js keeps idle sockets 2.5 s, well below it.
server.keepAliveTimeout = 10_000;
// A hung request must stay hung until the client gives up, not until Node's default timeout.
server.requestTimeout = 0;
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

async function handle(req, res) {
  stats.requests += 1;
  if (mode === 'hang') {
    stats.faulted += 1;
    return; // Accepted, never answered: the client's request_timeout has to fire.
  }
  if (mode === 'reset') {
    stats.faulted += 1;
    req.socket.resetAndDestroy(); // TCP RST mid-request: the client sees ECONNRESET.
    return;
  }
  const url = new URL(req.url, 'http://localhost');
  const headers = { 'X-ClickHouse-Server-Display-Name': 'chdb-test-server' };
  // The body is always read first: with keep-alive, an unread body would be parsed as
  // the next request (the server does `ignoreAll()` before answering an error, too).
  const raw = await readAll(req);

  // Health checks answer without running a query, so an overloaded server ("error")
  // still says Ok.; only refuse / hang / reset make them fail.
  if (
    (req.method === 'GET' || req.method === 'HEAD') &&
    (url.pathname === '/ping' || url.pathname === '/replicas_status' || req.url === '/')
  ) {
    return reply(res, 200, { ...headers, 'Content-Type': 'text/html; charset=UTF-8' }, 'Ok.\n');
  }
  if (!['GET', 'POST', 'HEAD'].includes(req.method)) {
    return reply(
      res,
      404,
      { ...headers, 'Content-Type': 'text/plain; charset=UTF-8' },
      `There is no handle ${url.pathname}\n\nUse / or /ping for health checks.\nSend queries from your program with POST method or GET /?query=...\n`,
    );
  }

  let encoding; // negotiated after authentication, as the server does
  try {
    authenticate(req, url.searchParams);
    encoding = responseEncoding(req, url.searchParams);
    const result = await runQuery(req, url.searchParams, await decodeBody(req, raw));
    Object.assign(headers, result.headers);
    if (encoding) headers['Content-Encoding'] = encoding;
    return reply(res, 200, headers, encoding ? await ENCODERS[encoding](result.body) : result.body);
  } catch (error) {
    const exception = ClickHouseException.fromEngine(error);
    stats.failed += 1;
    Object.assign(headers, {
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Exception-Code': String(exception.code),
    });
    const body = Buffer.from(`${exception.message}\n`);
    if (encoding) headers['Content-Encoding'] = encoding;
    return reply(res, httpStatus(exception.code), headers, encoding ? await ENCODERS[encoding](body) : body);
  }
}

/**
 * `INSERT INTO t [(a, b)] FORMAT F`, data in the body, F a text format the engine's raw
 * insert takes (format names are case-sensitive): run as a raw insert, which passes the
 * body as bytes and reports the rows written. RowBinary, which the raw insert does not
 * take, is written to a file the engine reads (`file()`), as a server reads the body. Other
 * INSERTs run as statements.
 */
const INSERT_WITH_DATA =
  /^\s*INSERT\s+INTO\s+(?:TABLE\s+)?([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)?)\s*(?:\(\s*([A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)\s*\))?\s*FORMAT\s+([A-Za-z]+)\s*$/i;
const RAW_INSERT_FORMATS = new Set([
  'JSONEachRow',
  'JSONCompactEachRow',
  'CSV',
  'CSVWithNames',
  'TSV',
  'TabSeparated',
  'TSVWithNames',
  'TabSeparatedWithNames',
]);

async function runQuery(req, params, body) {
  for (const name of UNSUPPORTED) if (params.has(name)) throw notImplemented(`The '${name}' URL parameter`);
  if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data'))
    throw notImplemented('multipart/form-data (external tables, multipart query parameters)');

  // The statement: the `query` parameter, a line feed, then the body (HTTPHandler.cpp).
  const urlQuery = params.get('query') ?? '';
  const match = INSERT_WITH_DATA.exec(urlQuery);
  const insert = match && (RAW_INSERT_FORMATS.has(match[3]) || match[3] === 'RowBinary') ? match : undefined;
  // Other statements reach the engine as text: binary data (RowBinary, Native, Parquet...)
  // would not survive that, so it is refused rather than corrupted.
  if (!insert && !isUtf8(body))
    throw notImplemented('Binary data in the request body (only the text formats of INSERT ... FORMAT are)');
  const sql = insert ? urlQuery : urlQuery ? `${urlQuery}\n${body.toString('utf8')}` : body.toString('utf8');
  if (sql.trim() === '') throw ClickHouseException.of(62, 'SYNTAX_ERROR', 'Empty query');
  const keyword = firstKeyword(sql);

  if (mode === 'error') {
    stats.faulted += 1;
    throw ClickHouseException.of(202, 'TOO_MANY_SIMULTANEOUS_QUERIES', 'Too many simultaneous queries. Maximum: 100');
  }
  if (mode === 'reject-inserts' && keyword === 'INSERT') {
    stats.faulted += 1;
    const table = insert ? insert[1] : 'unknown';
    throw ClickHouseException.of(
      242,
      'TABLE_IS_READ_ONLY',
      `Table is in readonly mode (replica path: /clickhouse/tables/01/${table}/replicas/replica_1)`,
    );
  }

  const queryId = params.get('query_id') || req.headers['x-clickhouse-query-id'] || randomUUID();
  if (running.has(queryId))
    throw ClickHouseException.of(
      216,
      'QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING',
      `Query with id = ${queryId} is already running`,
    );
  const database = req.headers['x-clickhouse-database'] || params.get('database') || '';
  const defaultFormat = req.headers['x-clickhouse-format'] || params.get('default_format') || 'TabSeparated';
  const assignments = [];
  for (const [key, value] of params) {
    if (key === '' || RESERVED.has(key)) continue;
    // `param_x` goes to the engine as the session query parameter it is, verbatim: the
    // client already escaped it for the server's Escaped parsing (a bound-parameter API
    // would escape it a second time).
    assignments.push(`${identifier(key)} = ${stringLiteral(value)}`);
  }

  running.add(queryId);
  const session = new Session(DATA_DIR); // this request's own connection: see the header comment
  try {
    if (database) await session.queryAsync(`USE ${identifier(database)}`);
    if (engine.serverDefaults) await session.queryAsync(engine.serverDefaults);
    // GET requests are read-only (readonly=2), set before the URL settings are checked.
    if (req.method !== 'POST') await session.queryAsync('SET readonly = 2');
    if (assignments.length > 0) await session.queryAsync(`SET ${assignments.join(', ')}`);
    if (sql.includes(';')) await refuseMultiStatements(session, sql);

    const result = {
      headers: {
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Timezone': engine.timezone,
      },
      body: Buffer.alloc(0),
    };
    const started = process.hrtime.bigint();
    let summary;
    if (insert && insert[3] === 'RowBinary') {
      const [, table, columns] = insert;
      const spool = join(DATA_DIR, `..`, `rowbinary-${queryId}.bin`);
      writeFileSync(spool, body);
      try {
        await session.queryAsync(
          `INSERT INTO ${table}${columns ? ` (${columns})` : ''} SELECT * FROM file(${stringLiteral(spool)}, 'RowBinary')`,
        );
      } finally {
        rmSync(spool, { force: true });
      }
      summary = { written_rows: 0, written_bytes: body.length };
    } else if (insert) {
      const [, table, columns, format] = insert;
      const written = await session.insert({
        table,
        columns: columns ? columns.split(',').map((c) => c.trim()) : undefined,
        values: body,
        format,
      });
      // A plain INSERT reads what it writes; the server's summary says so, too.
      summary = {
        read_rows: written.rowsWritten,
        read_bytes: written.bytesWritten,
        written_rows: written.rowsWritten,
        written_bytes: written.bytesWritten,
      };
    } else {
      const output = await session.queryAsync(sql, { format: defaultFormat });
      result.body = Buffer.from(output.bytes());
      // The engine reports the result's rows, not the rows it read from tables.
      summary = { result_rows: output.rowsRead, result_bytes: output.bytesRead };
      if (OUTPUT_KEYWORDS.has(keyword)) {
        const format = lastFormatClause(sql) || defaultFormat;
        Object.assign(result.headers, { 'X-ClickHouse-Format': format, 'Content-Type': contentType(format) });
      }
    }
    if (keyword === 'INSERT') stats.inserts += 1;
    result.headers['X-ClickHouse-Summary'] = JSON.stringify(summaryOf(summary, process.hrtime.bigint() - started));
    return result;
  } finally {
    running.delete(queryId);
    session.close();
  }
}

/**
 * The server parses one statement per request ("Multi-statements are not allowed"); the
 * engine would run them all. Its own parser tells, via formatQuery(); other syntax errors
 * are left to the real execution, which reports them in its own words.
 */
async function refuseMultiStatements(session, sql) {
  try {
    await session.queryAsync(`SELECT formatQuery(${stringLiteral(sql)})`);
  } catch (error) {
    const message = String(error.message);
    const start = message.indexOf('Syntax error (Multi-statements are not allowed)');
    if (start < 0) return;
    throw ClickHouseException.of(
      62,
      'SYNTAX_ERROR',
      message.slice(start, message.indexOf(': In scope', start)).replace(/[\s.]+$/, ''),
    );
  }
}

function summaryOf(counts, elapsedNs) {
  const fields = [
    'read_rows',
    'read_bytes',
    'written_rows',
    'written_bytes',
    'total_rows_to_read',
    'result_rows',
    'result_bytes',
  ];
  const summary = Object.fromEntries(fields.map((f) => [f, String(counts[f] ?? 0)]));
  return { ...summary, elapsed_ns: String(elapsedNs) };
}

/** Statements with a result (the server's "pulling" pipelines): they get X-ClickHouse-Format and a format Content-Type. */
const OUTPUT_KEYWORDS = new Set(['SELECT', 'WITH', 'SHOW', 'DESC', 'DESCRIBE', 'EXPLAIN', 'EXISTS', 'CHECK', '(']);

/** The statement's first keyword, past whitespace and comments. */
function firstKeyword(sql) {
  const rest = sql.replace(/^(\s|--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/)*/, '');
  return rest.startsWith('(') ? '(' : (/^[A-Za-z]+/.exec(rest)?.[0] ?? '').toUpperCase();
}

/** The output format named by a trailing FORMAT clause (for the X-ClickHouse-Format header only). */
function lastFormatClause(sql) {
  const matches = [...sql.matchAll(/\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)/gi)];
  return matches.length > 0 ? matches[matches.length - 1][1] : undefined;
}

function contentType(format) {
  const f = format.toLowerCase();
  if (f.startsWith('json') || f === 'ndjson' || f === 'jsonl') return 'application/json; charset=UTF-8';
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('csv')) return `text/csv; charset=UTF-8; header=${f.includes('withnames') ? 'present' : 'absent'}`;
  if (/^(native|rowbinary|parquet|arrow|orc|avro|protobuf|msgpack)/.test(f)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

/** A ClickHouse string literal: backslash and quote escaped, everything else verbatim. */
function stringLiteral(value) {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A back-quoted identifier, so any name reaches the engine, which judges it (UNKNOWN_SETTING, ...). */
function identifier(name) {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

function readAll(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function reply(res, status, headers, body) {
  res.writeHead(status, headers);
  res.end(body);
}

// ---------------------------------------------------------------------------------------
// Listening, fault modes, control.

function listen() {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      port = server.address().port; // the same port again after a refuse / ok cycle
      resolve();
    });
  });
}

/** Stops listening and drops every open connection, idle keep-alive ones included: the server is gone. */
function unlisten() {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}

async function setMode(next) {
  if (!MODES.has(next))
    throw new Error(`unknown mode ${JSON.stringify(next)}; expected one of ${[...MODES].join(', ')}`);
  if (next === 'refuse') await unlisten();
  else if (!server.listening) await listen();
  mode = next;
}

/** A query for the test's own assertions: straight to the engine, whatever the mode. */
async function directQuery(sql, format = 'TabSeparated') {
  const session = new Session(DATA_DIR);
  try {
    return (await session.queryAsync(sql, { format })).text();
  } catch (error) {
    throw ClickHouseException.fromEngine(error);
  } finally {
    session.close();
  }
}

let stopping;
function stop() {
  stopping ??= (async () => {
    await unlisten();
    await drainPending();
    engine.session?.close();
  })();
  return stopping;
}

const COMMANDS = {
  mode: (message) => setMode(message.mode),
  query: (message) => directQuery(message.sql, message.format),
  stats: () => ({ ...stats, mode }),
  stop: () => stop(),
};

process.on('message', async (message) => {
  const command = COMMANDS[message.cmd];
  try {
    if (!command) throw new Error(`unknown command ${JSON.stringify(message.cmd)}`);
    const result = await command(message);
    // After `stop`, the channel closes once the answer is out; 'disconnect' then exits.
    process.send({ id: message.id, ok: true, result }, () => message.cmd === 'stop' && process.disconnect());
  } catch (error) {
    process.send({ id: message.id, ok: false, error: { message: error.message, code: error.code } });
  }
});
// The parent went away (test ended, jest worker died): do not outlive it.
process.on('disconnect', () => stop().then(() => process.exit(0)));

async function main() {
  // Held for the life of the process: it binds the engine to the data directory, and the
  // per-request connections then open in milliseconds.
  engine.session = new Session(DATA_DIR);
  const facts = (
    await engine.session.queryAsync("SELECT version(), timezone(), getSetting('enable_http_compression')", {
      format: 'JSONCompactEachRow',
    })
  ).json();
  [engine.version, engine.timezone, engine.httpCompression] = [facts[0], facts[1], facts[2] === true || facts[2] === 1];
  // The embedded engine changes a few defaults for its own use (implicit_select, ...); a
  // server runs with ClickHouse's. Each request's connection puts those back first.
  const changed = (
    await engine.session.queryAsync('SELECT name, default FROM system.settings WHERE changed AND value != default', {
      format: 'JSONCompactEachRow',
    })
  ).text();
  const resets = changed
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .map(([name, value]) => `${identifier(name)} = ${stringLiteral(value)}`);
  engine.serverDefaults = resets.length > 0 ? `SET ${resets.join(', ')}` : '';
  await listen();
  if (process.send) process.send({ type: 'ready', port, version: engine.version });
  else console.log(`ClickHouse test server (engine ${engine.version}) on http://${HOST}:${port}, data in ${DATA_DIR}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
