/**
 * Every route fuzzed (docs/server-api.md "Errors"): the routes and methods come from the server's
 * own OpenAPI document (GET /openapi.json, plus the hidden ones), and fast-check sends each of them
 * garbage through `app.inject` — random and very long path parameters, malformed percent-encoding,
 * random querystrings, random JSON bodies, the route's own fields with wrong types, huge bodies,
 * bad and missing content types, wrong methods. No answer is a 5xx; every error answer is exactly
 * `{ error: { code, message } }` with a code of @openvse/protocol's ApiErrorCode; no answer (body
 * or header) carries back any part of the input: every generated value holds a marker that must
 * never come back. A 401/403 of the caller checks (auth/) in the same shape is an answer like any
 * other; nothing here uses credentials. Then the same on a real socket for what Node's HTTP parser
 * refuses before fastify sees a request (malformed request line or headers, headers too large).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiErrorCode } from '@openvse/protocol';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { MAX_PARAM_LENGTH } from '../src/http/error-handler.js';
import type { Json, TestServer } from './helpers/server.js';
import { testServer } from './helpers/server.js';
import { adapters, type TestDb } from './helpers/stores.js';

/** In every generated value: an answer that holds it echoed the request. */
const MARK = 'zEchOq';
const CODES = new Set<string>(Object.values(ApiErrorCode));
const BODY_LIMIT = 64 * 1024;
/** Routes the OpenAPI document hides (`hide: true`). */
const HIDDEN: [string, string][] = [
  ['/openapi.json', 'get'],
  ['/healthz', 'get'],
  ['/dashboard', 'get'],
  ['/dashboard/app.js', 'get'],
  ['/dashboard/app.css', 'get'],
  ['/dashboard/favicon.svg', 'get'],
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;
const RUNS = Number(process.env.OPENVSE_FUZZ_RUNS ?? 60);

interface Route {
  path: string;
  method: string;
  params: string[];
  query: string[];
  bodyFields: string[];
}

/** Percent-encodes every byte of `s` but the characters in `keep` (a lone surrogate → U+FFFD). */
function pct(s: string, keep = /[A-Za-z0-9._~-]/): string {
  let out = '';
  for (const ch of s)
    out += keep.test(ch)
      ? ch
      : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return out;
}

const noise = fc.string({ unit: 'binary', maxLength: 24 });
/** A value that carries the marker. */
const marked = noise.map((s) => `${MARK}${s}`);

/** A path parameter as it goes into the URL. */
const pathParam = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/).map((s) => `${MARK}${s}`),
  marked.map((s) => pct(s)),
  fc.integer({ min: 0, max: 3 * MAX_PARAM_LENGTH }).map((n) => `${MARK}${'a'.repeat(n)}`),
  fc.integer({ min: MAX_PARAM_LENGTH - 8, max: 20_000 }).map((n) => `${MARK}${'%3A'.repeat(n)}`),
  fc
    .tuple(
      marked,
      fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%2F', '%2e%2e', '%25', '%FF', '%u0041'),
    )
    .map(([s, bad]) => `${pct(s)}${bad}`),
  fc.constantFrom('', '.', '..', '%20', '%2F%2F'),
);

/** A querystring (without `?`), for a route whose declared parameters are `names`. */
const querystring = (names: string[]) =>
  fc.oneof(
    fc.constant(''),
    fc
      .array(fc.tuple(names.length ? fc.oneof(fc.constantFrom(...names), marked) : marked, marked), {
        maxLength: 4,
      })
      .map((kv) => kv.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')),
    marked.map((s) => pct(s, /[A-Za-z0-9%&=._~-]/)),
    fc
      .tuple(marked, fc.constantFrom('%', '%zz', '&&', '==', '%E0%A4%A', '[]', '[a]=1'))
      .map(([s, bad]) => `${pct(s)}${bad}`),
    fc.integer({ min: 1, max: 20_000 }).map((n) => `${MARK}=${'b'.repeat(n)}`),
  );

/** A JSON value whose strings and keys all carry the marker. */
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    marked,
    fc.array(tie('json'), { maxLength: 5 }),
    fc.dictionary(marked, tie('json'), { maxKeys: 5 }),
  ),
}));

/** The body: absent, JSON of any shape, the route's own fields with wrong values, huge, not JSON. */
const body = (fields: string[]) =>
  fc.oneof(
    fc.constant(undefined),
    json.map((v) => JSON.stringify(v)),
    fc
      .tuple(
        fc.subarray(fields),
        fc.array(json, { minLength: fields.length, maxLength: fields.length }),
        fc.option(fc.tuple(marked, json)),
      )
      .map(([keys, values, extra]) => {
        const o: Record<string, unknown> = {};
        keys.forEach((k, i) => {
          o[k] = values[i];
        });
        if (extra) o[extra[0]] = extra[1];
        return JSON.stringify(o);
      }),
    fc.integer({ min: BODY_LIMIT - 64, max: 4 * BODY_LIMIT }).map((n) => `"${MARK}${'x'.repeat(n)}"`),
    marked,
    fc.constantFrom(
      '{"__proto__":{"zEchOq":1}}',
      '{"constructor":{"prototype":{"zEchOq":1}}}',
      '['.repeat(10_000),
      '{"a":',
      '\u0000',
      '',
    ),
  );

/** The content-type header, or none. */
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'text/plain',
    'text/html',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=zEchOq',
    'application/xml',
    'application/octet-stream',
    '',
  ),
  fc.constant(undefined),
  fc.stringMatching(/^[!-~]{0,40}$/).map((s) => `${MARK}/${s}`),
  fc.stringMatching(/^[!-~]{0,40}$/).map((s) => `application/json; ${MARK}=${s}`),
);

/** One garbage request to `route`. */
const request = (route: Route) =>
  fc
    .record({
      method: fc.oneof(
        { arbitrary: fc.constant(route.method.toUpperCase()), weight: 4 },
        { arbitrary: fc.constantFrom(...METHODS), weight: 1 },
      ),
      params: fc.array(pathParam, { minLength: route.params.length, maxLength: route.params.length }),
      query: querystring(route.query),
      payload: body(route.bodyFields),
      contentType,
    })
    .map(({ method, params, query, payload, contentType: ct }) => {
      let i = 0;
      const path = route.path.replace(/\{[^}]+\}/g, () => params[i++]!);
      const opts: InjectOptions = {
        method,
        url: query ? `${path}?${query}` : path,
        ...(payload === undefined ? {} : { payload }),
        headers: ct === undefined ? {} : { 'content-type': ct },
      };
      return opts;
    });

/** Asserts the answer is no 5xx and, as an error, exactly the stable shape; never an echo. */
function checkAnswer(
  what: string,
  status: number,
  headers: Record<string, unknown>,
  text: string,
  method: string,
): void {
  assert.ok(status < 500, `${what}: ${status} ${text.slice(0, 300)}`);
  assert.ok(!text.includes(MARK), `${what}: the answer echoes the request: ${text.slice(0, 300)}`);
  for (const [k, v] of Object.entries(headers))
    assert.ok(!String(v).includes(MARK), `${what}: header ${k} echoes the request`);
  if (status < 400 || method === 'HEAD') return;
  assert.match(String(headers['content-type']), /^application\/json/, `${what}: ${status} content-type`);
  const b: Json = JSON.parse(text);
  assert.deepEqual(Object.keys(b), ['error'], `${what}: ${text}`);
  assert.deepEqual(Object.keys(b.error).sort(), ['code', 'message'], `${what}: ${text}`);
  assert.equal(typeof b.error.message, 'string');
  assert.ok(b.error.message.length <= 200, `${what}: message too long`);
  assert.ok(CODES.has(b.error.code), `${what}: ${b.error.code} is not a code of ApiErrorCode`);
}

const [sqlite] = await adapters();

describe('fuzz of every route: no 5xx, only the stable error shape, no echo', () => {
  let db: TestDb;
  let srv: TestServer;
  let routes: Route[];

  before(async () => {
    db = await sqlite!.open();
    srv = await testServer(db, { logger: false });
    const r = await srv.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(r.statusCode, 200, 'the OpenAPI document is public');
    const doc = r.json() as { paths: Record<string, Record<string, Json>> };
    routes = [];
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item)) {
        const ps = (op.parameters ?? []) as { in: string; name: string }[];
        const schema = op.requestBody?.content?.['application/json']?.schema;
        routes.push({
          path,
          method,
          params: ps.filter((p) => p.in === 'path').map((p) => p.name),
          query: ps.filter((p) => p.in === 'query').map((p) => p.name),
          bodyFields: Object.keys(schema?.properties ?? {}),
        });
      }
    assert.ok(routes.length >= 20, `${routes.length} routes in the OpenAPI document`);
    for (const [path, method] of HIDDEN) routes.push({ path, method, params: [], query: [], bodyFields: [] });
  });
  after(async () => {
    await srv?.close();
    await db?.cleanup();
  });

  const send = async (opts: InjectOptions) => {
    const r = await srv.app.inject(opts);
    const what = `${opts.method} ${String(opts.url).slice(0, 120)}`;
    checkAnswer(what, r.statusCode, r.headers, r.body, String(opts.method));
    return r;
  };

  it('every route and method: fastify-level garbage answered with stable codes', async () => {
    const seen = new Map<string, Set<string>>();
    for (const route of routes) {
      const path = route.path.replace(/\{[^}]+\}/g, 'x');
      const long = route.path.replace(/\{[^}]+\}/g, 'a'.repeat(MAX_PARAM_LENGTH + 1));
      const bad = route.path.replace(/\{[^}]+\}/g, '%E0%A4%A');
      const m = route.method.toUpperCase();
      const cases: [InjectOptions, number | undefined, string | undefined][] = [
        [{ method: m, url: `${path}?${MARK}=1` }, 400, ApiErrorCode.VALIDATION],
        [{ method: m, url: `${path}?%zz${MARK}` }, 400, undefined],
      ];
      if (route.params.length) {
        cases.push([{ method: m, url: long }, 414, ApiErrorCode.URI_TOO_LONG]);
        cases.push([{ method: m, url: bad }, 400, ApiErrorCode.BAD_REQUEST]);
        // a 256-character device id reaches the route's own checks
        const full = route.path.replace(/\{[^}]+\}/g, 'd'.repeat(MAX_PARAM_LENGTH));
        cases.push([{ method: m, url: full }, undefined, undefined]);
      }
      if (m === 'POST') {
        const json = { 'content-type': 'application/json' };
        cases.push(
          [{ method: m, url: path, payload: `{"${MARK}":`, headers: json }, 400, ApiErrorCode.INVALID_JSON],
          [
            { method: m, url: path, payload: MARK, headers: { 'content-type': 'text/plain' } },
            415,
            undefined,
          ],
          [{ method: m, url: path, payload: MARK, headers: { 'content-type': `${MARK}/x` } }, 415, undefined],
          [
            { method: m, url: path, payload: `"${'x'.repeat(BODY_LIMIT + 1)}${MARK}"`, headers: json },
            413,
            ApiErrorCode.BODY_TOO_LARGE,
          ],
        );
      }
      for (const other of ['PUT', 'DELETE', 'PATCH'])
        cases.push([{ method: other, url: path }, 404, undefined]);
      for (const [opts, status, code] of cases) {
        const r = await send(opts);
        const what = `${opts.method} ${String(opts.url).slice(0, 80)}`;
        // with caller checks configured, a 401/403 may come first; without them (here) it does not
        if (status !== undefined && r.statusCode !== 401 && r.statusCode !== 403)
          assert.equal(r.statusCode, status, `${what}: ${r.body}`);
        if (code !== undefined && r.statusCode === status) assert.equal(r.json().error.code, code, what);
        const codes = seen.get(route.path) ?? new Set<string>();
        codes.add(String(r.statusCode));
        seen.set(route.path, codes);
      }
    }
    assert.ok(seen.size >= routes.length - HIDDEN.length);
  });

  it('every route and method: random garbage (fast-check)', async () => {
    for (const route of routes)
      await fc.assert(
        fc.asyncProperty(request(route), async (opts) => {
          await send(opts);
        }),
        { numRuns: RUNS },
      );
  });

  it('random methods and paths anywhere', async () => {
    const segment = fc.oneof(
      fc.constantFrom('v1', 'cards', 'devices', 'dashboard', 'policy', 'authorizations', 'issuer', 'keys'),
      pathParam,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        querystring([]),
        async (method, segs, query) => {
          const url = `/${segs.join('/')}${query ? `?${query}` : ''}`;
          await send({ method, url });
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });
});

describe('fuzz on a real socket: what the HTTP parser refuses has the stable shape too', () => {
  let db: TestDb;
  let srv: TestServer;
  let port: number;

  before(async () => {
    db = await sqlite!.open();
    srv = await testServer(db, { logger: false });
    await srv.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = srv.app.server.address();
    assert.ok(addr && typeof addr !== 'string');
    port = addr.port;
  });
  after(async () => {
    await srv?.close();
    await db?.cleanup();
  });

  /** Writes `raw`, half-closes, reads until the server closes (or 3 s). */
  const exchange = (raw: Buffer | string) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.write(raw);
        s.end();
      });
      s.setTimeout(3000, () => s.destroy());
      s.on('data', (d) => chunks.push(d));
      s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
      s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    });

  /** Every HTTP answer in `text` (a pipelined exchange may hold several) checked. */
  const check = (what: string, text: string): number[] => {
    const statuses: number[] = [];
    let rest = text;
    while (rest.length > 0) {
      const m = /^HTTP\/1\.1 (\d{3}) [^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(rest);
      assert.ok(m, `${what}: not an HTTP answer: ${JSON.stringify(rest.slice(0, 200))}`);
      const headers: Record<string, string> = {};
      for (const line of m[2]!.split('\r\n')) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const len = Number(headers['content-length'] ?? 0);
      const start = m.index + m[0].length;
      const bodyText = Buffer.from(rest.slice(start, start + len), 'latin1').toString('utf8');
      const status = Number(m[1]);
      checkAnswer(what, status, headers, bodyText, 'GET');
      statuses.push(status);
      rest = rest.slice(start + len);
    }
    return statuses;
  };

  it('malformed requests, headers too large, bad URLs: stable codes on the wire', async () => {
    const cases: [string, string, number, string][] = [
      ['garbage request line', `${MARK} \x01\r\n\r\n`, 400, ApiErrorCode.BAD_REQUEST],
      [
        'bad header name',
        `GET /healthz HTTP/1.1\r\nHost: x\r\nBad ${MARK}: 1\r\n\r\n`,
        400,
        ApiErrorCode.BAD_REQUEST,
      ],
      [
        'content-length and chunked',
        `POST /v1/cards HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n${MARK}`,
        400,
        ApiErrorCode.BAD_REQUEST,
      ],
      [
        'bad chunk',
        `POST /v1/cards HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz${MARK}\r\n`,
        400,
        ApiErrorCode.BAD_REQUEST,
      ],
      [
        'headers too large',
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-${MARK}: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        ApiErrorCode.HEADERS_TOO_LARGE,
      ],
      [
        'URL too large',
        `GET /${MARK}${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        431,
        ApiErrorCode.HEADERS_TOO_LARGE,
      ],
      [
        'malformed percent-encoding',
        `GET /v1/devices/${MARK}%E0%A4%A/risk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        400,
        ApiErrorCode.BAD_REQUEST,
      ],
      [
        'path parameter too long',
        `GET /v1/devices/${MARK}${'a'.repeat(MAX_PARAM_LENGTH)}/risk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        414,
        ApiErrorCode.URI_TOO_LONG,
      ],
    ];
    for (const [what, raw, status, code] of cases) {
      const text = await exchange(raw);
      assert.deepEqual(check(what, text), [status], `${what}: ${text.slice(0, 200)}`);
      assert.equal(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code, code, what);
    }
  });

  it('random bytes after a request line: any answer has the stable shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('', 'GET /healthz HTTP/1.1\r\n', 'POST /v1/cards HTTP/1.1\r\nHost: x\r\n'),
        fc.uint8Array({ maxLength: 300 }),
        async (head, bytes) => {
          const text = await exchange(Buffer.concat([Buffer.from(head + MARK), Buffer.from(bytes)]));
          check(`${JSON.stringify(head)} + ${bytes.length} random bytes`, text);
        },
      ),
      { numRuns: 40 },
    );
  });
});
