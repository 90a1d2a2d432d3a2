'use strict';
// A minimal HTTP server over corm: node:http and pg, no framework.
//
//   GET  /authors/:id?load=books.reviews   corm_get's JSON, as PostgreSQL sent it
//   GET  /authors?load=books&limit=20&offset=0
//                                          corm_load's JSON array, ordered by id
//   POST /authors                          corm_save of the nested author in the
//                                          body; 201 with the saved graph
//
// `load` is corm's text load spec, or its jsonb spec when it starts with "{".
// Configuration comes from the environment: PG* variables as pg reads them
// (PGHOST may be a Unix socket directory), HOST (default 127.0.0.1), PORT
// (default 3000; 0 picks a free one), STATEMENT_TIMEOUT_MS (default 5000),
// CORM_ALLOW_SQL_OPTIONS=1 to accept where / order_by in load specs.
// Every value reaches PostgreSQL as a parameter ($1, $2, ...), never as text
// of a statement.

const http = require('node:http');
const { TextDecoder } = require('node:util');
const { Pool } = require('pg');

const HOST = process.env.HOST || '127.0.0.1';
const PORT = process.env.PORT === undefined || process.env.PORT === '' ? 3000 : Number(process.env.PORT);
const STATEMENT_TIMEOUT_MS = Number(process.env.STATEMENT_TIMEOUT_MS || 5000);
const ALLOW_SQL_OPTIONS = process.env.CORM_ALLOW_SQL_OPTIONS === '1';
const DEFAULT_LOAD = 'books';
const MAX_BODY = 1024 * 1024;         // bytes of a POST body
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const INT4_MAX = 2147483647;

const pool = new Pool({
  max: Number(process.env.PGPOOL_MAX || 10),
  statement_timeout: STATEMENT_TIMEOUT_MS,
  application_name: process.env.PGAPPNAME || 'corm-node-example',
});
// An idle client whose connection breaks must not bring the server down.
pool.on('error', (err) => console.error('idle PostgreSQL client:', err.message));

class HttpError extends Error {
  constructor(status, message, hint) {
    super(message);
    this.status = status;
    this.hint = hint;
  }
}

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res, status, message, hint, headers) {
  const body = { error: message };
  if (hint) body.hint = hint;
  send(res, status, body, headers);
}

// An integer in the range of the authors' int key, else a 400.
function parseId(text) {
  if (!/^-?[0-9]{1,10}$/.test(text) || Math.abs(Number(text)) > INT4_MAX) {
    throw new HttpError(400, `author id must be an integer, not "${text}"`);
  }
  return Number(text);
}

function parseCount(params, name, dflt, max) {
  const text = params.get(name);
  if (text === null || text === '') return dflt;
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > max) {
    throw new HttpError(400, `${name} must be an integer from 0 to ${max}, not "${text}"`);
  }
  return Number(text);
}

// Does a load spec use where or order_by, whose values are SQL expressions?
// Text spec: the option word followed by "=", outside quoted strings (an
// alias named where or order_by is refused too).  jsonb spec: either key at
// any depth.
function usesSqlOptions(load, isJson) {
  if (isJson) {
    let parsed;
    try {
      parsed = JSON.parse(load);
    } catch (e) {
      return false;                   // PostgreSQL reports the bad JSON
    }
    const walk = (v) => v !== null && typeof v === 'object' &&
      Object.entries(v).some(([k, c]) => k === 'where' || k === 'order_by' || walk(c));
    return walk(parsed);
  }
  const unquoted = load.replace(/'(?:[^']|'')*'/g, "''");
  return /(^|[^A-Za-z0-9_$])(where|order_by)\s*=/i.test(unquoted);
}

// The load parameter: [value, SQL type], or the default.
function loadParam(params) {
  let load = params.get('load');
  if (load === null) load = DEFAULT_LOAD;
  if (load.trim() === '') return [null, 'text'];
  const isJson = load.trimStart().startsWith('{');
  if (!ALLOW_SQL_OPTIONS && usesSqlOptions(load, isJson)) {
    throw new HttpError(400, 'where and order_by are not accepted in load specs here',
      'Their values are SQL expressions; start the server with CORM_ALLOW_SQL_OPTIONS=1 to allow them.');
  }
  return [load, isJson ? 'jsonb' : 'text'];
}

async function getAuthor(res, idText, params) {
  const id = parseId(idText);
  const [load, type] = loadParam(params);
  // ::text: pg would parse json into objects; the server sends corm's own text.
  const r = await pool.query(`SELECT corm_get('authors', $1::int, $2::${type})::text AS body`, [id, load]);
  const body = r.rows[0].body;
  if (body === null) return sendError(res, 404, `author ${id} not found`);
  send(res, 200, body);
}

async function listAuthors(res, params) {
  const [load, type] = loadParam(params);
  const limit = parseCount(params, 'limit', DEFAULT_LIMIT, MAX_LIMIT);
  const offset = parseCount(params, 'offset', 0, INT4_MAX);
  const r = await pool.query(
    `SELECT corm_load('authors', $1::${type}, "limit" => $2::bigint, "offset" => $3::bigint)::text AS body`,
    [load, limit, offset]);
  send(res, 200, r.rows[0].body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY) {
      reject(new HttpError(413, `request body larger than ${MAX_BODY} bytes`));
      return;
    }
    const chunks = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_BODY) {
        failed = true;
        reject(new HttpError(413, `request body larger than ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch (e) {
        reject(new HttpError(400, 'request body is not valid UTF-8'));
      }
    });
    req.on('error', reject);
  });
}

async function createAuthor(req, res) {
  const type = (req.headers['content-type'] || 'application/json').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, `request body must be application/json, not ${type}`);
  }
  const text = await readBody(req);
  let graph;
  try {
    graph = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `request body is not valid JSON: ${e.message}`);
  }
  if (graph === null || typeof graph !== 'object' || Array.isArray(graph)) {
    throw new HttpError(400, 'request body must be one JSON object: an author');
  }
  if (Object.prototype.hasOwnProperty.call(graph, 'id')) {
    throw new HttpError(400, 'a new author has no "id"', 'The database assigns it; nested objects may name existing rows by id.');
  }
  // One statement: corm_save writes the whole graph or nothing, and returns
  // it as corm_load renders it for the relationships given, keys included.
  // The body goes to PostgreSQL as the client sent it.
  const r = await pool.query(
    `SELECT g::text AS body, g->>'id' AS id FROM corm_save('authors', $1::json) AS g`, [text]);
  send(res, 201, r.rows[0].body, { Location: `/authors/${r.rows[0].id}` });
}

// PostgreSQL's errors: what the client asked for is wrong (a bad load spec,
// an unknown column, a value of the wrong type, a constraint) -> 400 with
// corm's message and hint; a duplicate key -> 409; a statement timeout ->
// 503; anything else -> 500, logged, with nothing of it sent.
function dbErrorStatus(err) {
  if (typeof err.code !== 'string' || err.code.length !== 5) return 500;
  if (err.code === '23505') return 409;
  if (err.code === '42501') return 500;            // the server's role lacks a privilege
  if (err.code === '57014') return 503;            // statement_timeout
  const cls = err.code.slice(0, 2);
  return ['22', '42', '0A', '21', '23'].includes(cls) ? 400 : 500;
}

async function route(req, res) {
  let url;
  try {
    url = new URL(req.url, 'http://localhost');
  } catch (e) {
    throw new HttpError(400, 'malformed request target');
  }
  const one = /^\/authors\/([^/]+)\/?$/.exec(url.pathname);
  if (one) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, 405, `${req.method} is not allowed on ${url.pathname}`, null, { Allow: 'GET, HEAD' });
    }
    return getAuthor(res, one[1], url.searchParams);
  }
  if (/^\/authors\/?$/.test(url.pathname)) {
    if (req.method === 'GET' || req.method === 'HEAD') return listAuthors(res, url.searchParams);
    if (req.method === 'POST') return createAuthor(req, res);
    return sendError(res, 405, `${req.method} is not allowed on ${url.pathname}`, null, { Allow: 'GET, HEAD, POST' });
  }
  sendError(res, 404, `no route for ${req.method} ${url.pathname}`);
}

const server = http.createServer((req, res) => {
  route(req, res).catch((err) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof HttpError) {
      // A body cut short leaves data unread: close the connection after answering.
      const headers = err.status === 413 ? { Connection: 'close' } : {};
      return sendError(res, err.status, err.message, err.hint, headers);
    }
    const status = dbErrorStatus(err);
    if (status === 500 || status === 503) {
      console.error(`${req.method} ${req.url}:`, err);
      return sendError(res, status, status === 503 ? 'the query took too long' : 'internal server error');
    }
    sendError(res, status, err.message, err.hint);
  });
});

server.listen(PORT, HOST, () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address.includes(':') ? `[${address}]` : address}:${port}`);
});

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing`);
  // Stop accepting, let requests in flight finish, then close the pool.
  server.close(() => {
    pool.end().then(() => process.exit(0), () => process.exit(1));
  });
  server.closeIdleConnections();
  setTimeout(() => {
    console.error('requests still open after 10 s; exiting');
    process.exit(1);
  }, 10000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
