// The seeded generator of hostile requests for the api's fuzz test (fuzz.test.ts). Test-only: the
// Worker never imports it. Every choice is drawn from one mulberry32 stream, so a seed names the
// exact sequence of requests and a failure can be replayed (FUZZ_SEED, see fuzz.test.ts).
//
// Requests that could store something are invalid by construction, so that "nothing stored
// changed" is exact: they go to the rejecting aggregator and carry at least one definite fault
// (a bad videoId or eventId, a field out of bounds, broken JSON), or a valid body with a fault
// outside it (wrong method, content type, size or path). The few meant to be stored go to a
// separate accepting aggregator, each with its own video, and are accounted one point each.
import {
  addNoiseKeys,
  appFields,
  badId,
  malformedJson,
  nestedJson,
  poisonedAppBody,
  poisonedV1Body,
  viewEvent,
} from './fuzz-bodies.ts';
import { Draw, mulberry32, toJson } from './fuzz-draw.ts';
import { MAX_BODY_BYTES } from './request-body.ts';
import { PUBLIC_ROUTES } from './routes/fallback.ts';

export const FAMILIES = [
  'query',
  'path',
  'method',
  'ingest-v1',
  'ingest-app',
  'malformed-json',
  'nested-json',
  'content-type',
  'oversized',
  'headers',
  'admin',
  'accepted',
] as const;
export type Family = (typeof FAMILIES)[number];

/** How many of every 100 requests each family makes. */
const FAMILY_WEIGHTS: Readonly<Record<Family, number>> = {
  query: 18,
  path: 10,
  method: 10,
  'ingest-v1': 18,
  'ingest-app': 12,
  'malformed-json': 8,
  'nested-json': 4,
  'content-type': 5,
  oversized: 3,
  headers: 5,
  admin: 4,
  accepted: 3,
};

export interface FuzzRequest {
  /** Position in the seed's sequence: with the seed, it names the request. */
  index: number;
  family: Family;
  method: string;
  /** Path and query, after the origin. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Sent as a stream of chunks of this size, without a declared length. */
  streamChunkBytes?: number;
  /** The rejecting aggregator must store nothing; the accepting one exactly what `accepted` says. */
  target: 'rejecting' | 'accepting';
  /** The only statuses this request may get, when its construction decides them. */
  expectStatus?: readonly number[];
  /** Accepting requests: the answer they must get and the video they add exactly one point to. */
  accepted?: { status: 200 | 202; videoId: string };
}

export interface FuzzPlan {
  /** Videos seeded in the rejecting aggregator beforehand; valid parts of bodies name them. */
  poolVideoIds: string[];
  requests: Iterable<FuzzRequest>;
}

/** Every path the Worker answers and its methods: the public routes and the dashboard's assets. */
const ROUTES: Readonly<Record<string, readonly string[]>> = {
  ...PUBLIC_ROUTES,
  '/dashboard/app.js': ['GET'],
  '/dashboard/uplot.iife.min.js': ['GET'],
  '/dashboard/uplot.min.css': ['GET'],
};
const ALL_PATHS = Object.keys(ROUTES);
const ADMIN_PATHS = ALL_PATHS.filter((p) => p.startsWith('/v1/admin/'));
const INGEST_V1 = '/v1/events/views';
const INGEST_APP = '/analytics/view';
const INGEST_PATHS = [INGEST_V1, INGEST_APP];
const QUERY_PATHS = [
  '/v1/trending/videos',
  '/analytics/trending/vines',
  '/analytics/trending/hashtags',
  '/analytics/trending/creators',
  '/v1/metrics',
  '/v1/health',
  '/analytics/health',
  '/v1/openapi.json',
  '/dashboard',
];

/** Every method workerd lets a Request carry (it refuses CONNECT, TRACK and unknown tokens). */
const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'PURGE',
  'QUERY',
  'REPORT',
  'SEARCH',
  'MERGE',
  'NOTIFY',
  'SUBSCRIBE',
  'ACL',
  'get',
  'pOsT',
  'patch',
  'delete',
  'options',
  'head',
] as const;

/** Fetch's method normalization: these six are matched case-insensitively and uppercased. */
export function effectiveMethod(method: string): string {
  const upper = method.toUpperCase();
  return ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'].includes(upper) ? upper : method;
}

/** Content types readJsonBody refuses whatever the body (415). */
const REFUSED_TYPES = [
  'text/plain',
  'text/plain;charset=UTF-8',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----fuzz',
  'application/xml',
  'application/jsonp',
  'application/x-json',
  'application/json5',
  'application/ json',
  'application/json, text/plain',
  ',application/json',
  '*/*',
  'application/*',
  'json',
  'application',
  'x'.repeat(300),
];
/** Odd spellings readJsonBody accepts as JSON: sent only with bodies invalid on their own. */
const ODD_JSON_TYPES = [
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'application/json;;;',
  'application/json; charset="latin1"; boundary=x',
  'application/vnd.api+json',
  'application/json-patch+json',
  'Application/Json ; q=0.1',
];
const JSON_TYPE = 'application/json';

/** An ingest body refused for its content: 400, or 413 when a hostile one is also too large, or
 * 429 when the limiter answers first (it runs before the body is read). */
const REFUSED_BODY = [400, 413, 429] as const;

const QUERY_VALUES = [
  '',
  ' ',
  '0',
  '-1',
  '1',
  '20',
  '100',
  '101',
  '1e2',
  '0x10',
  '1.5',
  '01',
  '+5',
  ' 10 ',
  'NaN',
  'Infinity',
  '-Infinity',
  '99999999999999999999',
  '１０',
  '10abc',
  '1,2',
  '[]',
  '{}',
  'null',
  'true',
  '1h',
  '24h',
  '7d',
  '1H',
  '2h',
  '1d',
  'all',
  '__proto__',
  'constructor',
  'toString',
  'prometheus',
  'PROMETHEUS',
  'json',
];
const QUERY_NAMES = [
  'window',
  'limit',
  'WINDOW',
  'Limit',
  'format',
  'callback',
  'cachebuster',
  '_',
  '__proto__',
  'constructor',
  'toString',
  'window[]',
  'limit[0]',
  '',
  'x-test-aggregator',
];

/** Percent-encoded, raw (the URL parser encodes what it must), or with broken escapes. */
function queryPart(draw: Draw, text: string): string {
  return draw.of([
    () => encodeURIComponent(text.toWellFormed()),
    () => text.replace(/[#&=%+\s]/g, encodeURIComponent),
    () =>
      `${encodeURIComponent(text.toWellFormed())}%${draw.one(['', 'f', 'zz', 'ff', 'c0%80', 'ed%a0%80', '00'])}`,
  ]);
}

function junkQuery(draw: Draw): string {
  const params: string[] = [];
  for (let i = draw.int(0, 6); i > 0; i--) {
    const name = draw.chance(0.8) ? draw.one(QUERY_NAMES) : draw.text(30, 1);
    const value = draw.of([
      () => draw.one(QUERY_VALUES),
      () => draw.text(60),
      () => '9'.repeat(draw.int(20, 20_000)),
      () => `-${'9'.repeat(draw.int(1, 400))}`,
    ]);
    params.push(
      draw.chance(0.05) ? queryPart(draw, name) : `${queryPart(draw, name)}=${queryPart(draw, value)}`,
    );
  }
  if (draw.chance(0.03)) params.push(...Array.from({ length: draw.int(100, 3000) }, (_, i) => `p${i}=${i}`));
  const joiner = draw.chance(0.9) ? '&' : draw.one(['&&', ';', '&=&']);
  return params.length === 0 ? draw.one(['', '?', '?&', '?=', '??']) : `?${params.join(joiner)}`;
}

/** A path that is not quite the route: double slashes, encoded slashes, dot segments, junk. */
function trickPath(draw: Draw, route: string): string {
  const slashes = [...route.matchAll(/\//g)].map((m) => m.index ?? 0);
  const at = draw.one(slashes);
  const insert = (piece: string) => `${route.slice(0, at)}${piece}${route.slice(at)}`;
  return draw.of([
    () => `/${route}`,
    () => insert('/'),
    () => `${route}/`,
    () => `${route}//`,
    () => `/${route.slice(1).replaceAll('/', draw.one(['%2F', '%2f', '%252F']))}`,
    () => insert('/.'),
    () => insert('/x/..'),
    () => insert('/%2e%2e'),
    () => insert('/%2E'),
    () => `${route}/..`,
    () => `${route}/.`,
    () => `${route};x=1`,
    () => `${route}%00`,
    () => `${route}%20`,
    () => `${route}.json`,
    () => `${route}~`,
    () => `${route}\\`,
    () => route.toUpperCase(),
    () => route.replace('v', '%76'),
    () => `${route}/${'a'.repeat(draw.int(1_000, 60_000))}`,
    () => `/${'a/'.repeat(draw.int(100, 5_000))}${route.slice(1)}`,
    () => `${route}%2F..%2F..%2Fetc%2Fpasswd`,
    () => `${route}/..%2f..%2f`,
    () => `${route}/%ff%fe`,
    () => `${route}/${encodeURIComponent(draw.text(40, 1).toWellFormed())}`,
    () => `${route}/${draw.text(20, 1)}`,
    () => `${route}#${draw.ascii(30)}`,
    () => `${route}${junkQuery(draw)}`,
  ]);
}

/** Realistic client addresses: the ingest limiter counts per address (see ingest-limit.ts). */
function addressPool(draw: Draw): string[] {
  const v4 = Array.from(
    { length: 256 },
    () => `${draw.int(1, 223)}.${draw.int(0, 255)}.${draw.int(0, 255)}.${draw.int(1, 254)}`,
  );
  const v6 = Array.from(
    { length: 256 },
    () => `2a0${draw.int(0, 9)}:${draw.hex(4)}:${draw.hex(4)}:${draw.hex(2)}::${draw.hex(3)}`,
  );
  return [...v4, ...v6];
}

const BAD_ADDRESSES = ['', 'unknown', 'not-an-ip', '999.999.999.999', '::::', '1.2.3.4, 5.6.7.8', '-'];

export interface FuzzOptions {
  seed: number;
  count: number;
  /** The ADMIN_TOKEN under test: admin requests send near misses of it, or it with bad input. */
  adminToken: string;
}

/** The seed's plan: its pool of seeded videos and its sequence of requests (built lazily). */
export function fuzzPlan({ seed, count, adminToken }: FuzzOptions): FuzzPlan {
  const draw = new Draw(mulberry32(seed));
  const poolVideoIds = Array.from({ length: 6 }, () => draw.hex(64));
  const addresses = addressPool(draw);
  const families = FAMILIES.flatMap((family) => Array<Family>(FAMILY_WEIGHTS[family]).fill(family));

  function* requests(): Generator<FuzzRequest> {
    for (let index = 0; index < count; index++) {
      const family = draw.one(families);
      const request = build(family, index);
      if (request.target === 'accepting' && byteLength(request.body) > MAX_BODY_BYTES) {
        throw new Error(`fuzz generator: accepted request ${index} is over the body limit`);
      }
      yield request;
    }
  }

  function build(family: Family, index: number): FuzzRequest {
    const ip = draw.one(addresses);
    const base = { index, family, target: 'rejecting' as const };
    const post = (path: string, body: string | Uint8Array, type: string | null = JSON_TYPE) => ({
      ...base,
      method: 'POST',
      path,
      headers: { 'cf-connecting-ip': ip, ...(type === null ? {} : { 'content-type': type }) },
      body,
    });
    const poisoned = (route: string) =>
      toJson(route === INGEST_APP ? poisonedAppBody(draw) : poisonedV1Body(draw, poolVideoIds));
    const valid = (route: string) =>
      toJson(
        route === INGEST_APP
          ? { eventId: draw.one(poolVideoIds), eventType: 'view_end', userId: draw.text(40, 1) }
          : {
              events: Array.from({ length: draw.int(1, 20) }, () => viewEvent(draw, draw.one(poolVideoIds))),
            },
      );
    switch (family) {
      case 'query':
        return {
          ...base,
          method: draw.one(['GET', 'GET', 'GET', 'HEAD']),
          path: `${draw.one(QUERY_PATHS)}${junkQuery(draw)}`,
          headers: {},
        };
      case 'path': {
        const route = draw.one(ALL_PATHS);
        const methods = ROUTES[route] ?? ['GET'];
        const method = draw.one([...methods, 'GET']);
        const path = trickPath(draw, route);
        return method === 'GET'
          ? { ...base, method, path, headers: { 'cf-connecting-ip': ip } }
          : post(path, poisoned(route));
      }
      case 'method': {
        const route = draw.one(ALL_PATHS);
        const method = draw.one(METHODS);
        const effective = effectiveMethod(method);
        const allowed = [...(ROUTES[route] ?? [])];
        if (allowed.includes('GET')) allowed.push('HEAD');
        allowed.push('OPTIONS');
        // A valid body only where the method cannot be the route's POST: its fault is the method.
        const body =
          effective === 'GET' || effective === 'HEAD'
            ? undefined
            : effective !== 'POST' && INGEST_PATHS.includes(route) && draw.chance(0.5)
              ? valid(route)
              : draw.chance(0.7)
                ? poisoned(draw.one(INGEST_PATHS))
                : undefined;
        const known = route in PUBLIC_ROUTES;
        return {
          ...base,
          method,
          path: route,
          headers: { 'cf-connecting-ip': ip, ...(body === undefined ? {} : { 'content-type': JSON_TYPE }) },
          ...(body === undefined ? {} : { body }),
          ...(known && !allowed.includes(effective) ? { expectStatus: [405] } : {}),
          ...(known && effective === 'OPTIONS' ? { expectStatus: [204] } : {}),
        };
      }
      case 'ingest-v1':
        return { ...post(INGEST_V1, poisoned(INGEST_V1)), expectStatus: REFUSED_BODY };
      case 'ingest-app':
        return { ...post(INGEST_APP, poisoned(INGEST_APP)), expectStatus: REFUSED_BODY };
      case 'malformed-json': {
        const route = draw.one(INGEST_PATHS);
        return { ...post(route, malformedJson(draw, poisoned(route))), expectStatus: REFUSED_BODY };
      }
      case 'nested-json': {
        const route = draw.one(INGEST_PATHS);
        return {
          ...post(route, nestedJson(draw, route === INGEST_APP ? 'eventId' : 'videoId')),
          expectStatus: REFUSED_BODY,
        };
      }
      case 'content-type': {
        const route = draw.one(INGEST_PATHS);
        if (draw.chance(0.5)) {
          // A valid body that must still be refused: its fault is the content type (or its absence).
          const text = valid(route);
          return draw.chance(0.2)
            ? { ...post(route, new TextEncoder().encode(text), null), expectStatus: [415, 429] }
            : { ...post(route, text, draw.one(REFUSED_TYPES)), expectStatus: [415, 429] };
        }
        return { ...post(route, poisoned(route), draw.one(ODD_JSON_TYPES)), expectStatus: REFUSED_BODY };
      }
      case 'oversized': {
        const route = draw.one([...INGEST_PATHS, '/v1/admin/seed', '/v1/admin/invalidate']);
        // Some streamed without a declared length, so that the limit is counted as the body
        // arrives; few, because workerd logs each body the api stops reading.
        const stream = draw.chance(0.05);
        const size = stream
          ? draw.int(300_000, 1_000_000)
          : draw.chance(0.05)
            ? draw.int(1_000_000, 4_000_000)
            : draw.int(MAX_BODY_BYTES + 1, 200_000);
        // Valid content padded with an unknown field: refused only for its size.
        const head =
          route === INGEST_APP || route.startsWith('/v1/admin/') ? valid(INGEST_APP) : valid(INGEST_V1);
        const body = `${head.slice(0, -1)},"padding":"${'p'.repeat(Math.max(0, size - head.length))}"}`;
        const admin = route.startsWith('/v1/admin/');
        const request = post(route, body);
        return {
          ...request,
          // The real token on admin routes: refused for the size, not the token.
          headers: admin ? { ...request.headers, authorization: `Bearer ${adminToken}` } : request.headers,
          expectStatus: admin ? [413] : [413, 429],
          ...(stream ? { streamChunkBytes: draw.int(512, 8_192) } : {}),
        };
      }
      case 'headers':
        return headerJunk(draw, base, ip);
      case 'admin':
        return adminRequest(draw, base);
      case 'accepted':
        return acceptedRequest(draw, index);
    }
  }

  function headerJunk(
    draw: Draw,
    base: Pick<FuzzRequest, 'index' | 'family' | 'target'>,
    ip: string,
  ): FuzzRequest {
    const headers: Record<string, string> = {};
    const junk = () =>
      draw.of([
        () => '*',
        () => '""',
        () => 'W/',
        () => 'W/"x", "y", *',
        () => ',,,,',
        () => draw.ascii(200),
        () => 'x'.repeat(draw.int(1_000, 16_000)),
        () => `"${draw.hex(16)}"`,
      ]);
    const names = [
      'if-none-match',
      'if-none-match',
      'if-match',
      'if-modified-since',
      'range',
      'accept',
      'accept-encoding',
      'origin',
      'cookie',
      'authorization',
      'user-agent',
      'x-forwarded-for',
      'forwarded',
      'x-http-method-override',
      'content-encoding',
      'access-control-request-method',
      'access-control-request-headers',
    ];
    for (let i = draw.int(1, 4); i > 0; i--) headers[draw.one(names)] = junk();
    if (draw.chance(0.5)) {
      const route = draw.one(QUERY_PATHS);
      return { ...base, method: draw.one(['GET', 'HEAD', 'OPTIONS']), path: route, headers };
    }
    const route = draw.one(INGEST_PATHS);
    headers['content-type'] = JSON_TYPE;
    if (draw.chance(0.3)) {
      const bad = draw.one(BAD_ADDRESSES);
      if (bad !== '') headers['cf-connecting-ip'] = bad;
    } else {
      headers['cf-connecting-ip'] = ip;
    }
    const body = toJson(route === INGEST_APP ? poisonedAppBody(draw) : poisonedV1Body(draw, poolVideoIds));
    return { ...base, method: 'POST', path: route, headers, body, expectStatus: REFUSED_BODY };
  }

  /** Near misses of the token: 401 before anything is read. */
  function badAuthorization(draw: Draw): string | undefined {
    return draw.one([
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Basic ${btoa(`admin:${adminToken}`)}`,
      `Bearer ${adminToken.slice(0, -1)}`,
      `Bearer ${adminToken}x`,
      `Bearer x${adminToken}`,
      `Bearer ${adminToken.toUpperCase()}`,
      `Bearer "${adminToken}"`,
      `Token ${adminToken}`,
      `Bearer=${adminToken}`,
      adminToken,
      `Bearer ${adminToken.replaceAll('-', ' ')}`,
      `Bearer ${adminToken}, Bearer ${adminToken}`,
      `Bearer ${'a'.repeat(10_000)}`,
      `Bearer ${draw.ascii(64)}`,
    ]);
  }

  function adminRequest(draw: Draw, base: Pick<FuzzRequest, 'index' | 'family' | 'target'>): FuzzRequest {
    const path = draw.one(ADMIN_PATHS);
    const method = ROUTES[path]?.[0] ?? 'GET';
    if (draw.chance(0.7)) {
      // Bodies the route would act on, and the admin's own: refused for the token alone.
      const body = draw.one([
        '',
        '{}',
        '{"all":true}',
        '{"window":"1h"}',
        `{"videoId":"${draw.one(poolVideoIds)}"}`,
        '{"windows":["1h","24h","7d"]}',
        '{"events":1000,"videos":20}',
      ]);
      const auth = badAuthorization(draw);
      const headers: Record<string, string> = auth === undefined ? {} : { authorization: auth };
      const query = method === 'GET' && draw.chance(0.5) ? junkQuery(draw) : '';
      if (method === 'GET') return { ...base, method, path: `${path}${query}`, headers, expectStatus: [401] };
      return {
        ...base,
        method,
        path,
        headers: { ...headers, 'content-type': JSON_TYPE },
        body,
        expectStatus: [401],
      };
    }
    // The real token with input each route refuses: bad queries and bodies reach validation.
    const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` };
    if (method === 'GET') {
      if (path !== '/v1/admin/record-check') {
        return { ...base, method: draw.one(['PUT', 'DELETE', 'PATCH']), path, headers, expectStatus: [405] };
      }
      // The first window parameter decides, so it is the bad one (canonicalParams).
      const bad = draw.one([
        '2h',
        '1d',
        'all',
        '',
        ' ',
        '24',
        'week',
        '７d',
        '1h2',
        '1h;',
        '1h,24h',
        '__proto__',
        'NaN',
      ]);
      return {
        ...base,
        method,
        path: `${path}?window=${queryPart(draw, bad)}${junkQuery(draw).replace('?', '&')}`,
        headers,
        expectStatus: [400],
      };
    }
    const body = draw.of<unknown>([
      () => ({ window: draw.one(['2h', '', '1H ', null, 1, ['1h']]) }),
      () => ({ videoId: badId(draw) }),
      () => ({ all: draw.one<unknown>([false, 'true', 1, null]) }),
      () => ({ windows: [draw.one(['2h', '', 'all'])] }),
      () => ({ windows: draw.one<unknown>(['1h', null, {}, 5]) }),
      () => ({ events: draw.one<unknown>([999, 50_001, 1.5, '24000', -1, null]) }),
      () => ({ videos: draw.one<unknown>([19, 2_001, 0.5, 'many']) }),
      () => ({ seed: draw.one<unknown>([-1, 2 ** 31 + 1, 'seed', 0.5]) }),
      () => ({ offset: draw.one<unknown>([-1, 'x', 1.5]) }),
      () => ({ now: draw.one<unknown>([-1, 'now', 0.5]) }),
      // Not `[]`: the admin schemas are valibot objects, which take an array for an empty object.
      () => draw.one<unknown>([null, 'x', 5, true]),
    ]);
    if (draw.chance(0.2)) {
      return {
        ...base,
        method,
        path,
        headers: { ...headers, 'content-type': draw.one(REFUSED_TYPES) },
        body: toJson(body),
        expectStatus: [415],
      };
    }
    const text = draw.chance(0.2) ? malformedJson(draw, toJson(body)) : toJson(body);
    // '' reads as "no body" on precompute and seed ({} there): never sent with the real token.
    const sent = byteLength(text) === 0 ? '{"window":"2h","windows":["2h"],"events":1}' : text;
    return {
      ...base,
      method,
      path,
      headers: { ...headers, 'content-type': JSON_TYPE },
      body: sent,
      expectStatus: [400],
    };
  }

  /** Hostile but valid: must be stored exactly once, on its own video, in the accepting aggregator. */
  function acceptedRequest(draw: Draw, index: number): FuzzRequest {
    const videoId = draw.id();
    // Its own address: never limited.
    const headers = {
      'cf-connecting-ip': `2001:db8:f:${index.toString(16)}::1`,
      'content-type': draw.one([
        JSON_TYPE,
        'application/json; charset=utf-8',
        'application/vnd.openvine+json',
      ]),
    };
    const base = {
      index,
      family: 'accepted' as const,
      target: 'accepting' as const,
      method: 'POST',
      headers,
    };
    if (draw.chance(0.5)) {
      const body: Record<string, unknown> = { ...appFields(draw), eventId: videoId };
      addNoiseKeys(draw, body);
      // Under the body limit whatever was drawn: the largest fields go first.
      const bySize = Object.keys(body)
        .filter((key) => key !== 'eventId')
        .sort((x, y) => toJson(body[y]).length - toJson(body[x]).length);
      let text = toJson(body);
      for (const key of bySize) {
        if (byteLength(text) <= MAX_BODY_BYTES) break;
        delete body[key];
        text = toJson(body);
      }
      return {
        ...base,
        path: INGEST_APP,
        body: text,
        accepted: { status: 200, videoId: videoId.toLowerCase() },
      };
    }
    const event = viewEvent(draw, videoId);
    if (draw.chance(0.6)) event.idempotencyKey = `${draw.text(100, 1)}#${index}`;
    addNoiseKeys(draw, event);
    const body = draw.chance(0.5) ? event : { events: [event] };
    return {
      ...base,
      path: INGEST_V1,
      body: toJson(body),
      accepted: { status: 202, videoId: videoId.toLowerCase() },
    };
  }

  return { poolVideoIds, requests: requests() };
}

function byteLength(body: string | Uint8Array | undefined): number {
  if (body === undefined) return 0;
  return typeof body === 'string' ? new TextEncoder().encode(body).byteLength : body.byteLength;
}
