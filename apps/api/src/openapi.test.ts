// The served OpenAPI document is generated from the route table and the valibot schemas; these
// tests hold real responses of every route, and every example request in the document, to it.
import { type Schema, Validator } from '@cfworker/json-schema';
import {
  keyScope,
  kvTopKey,
  LIMITS,
  VIEW_FIELD_LIMITS,
  VideoEventsBatchSchema,
  ViewEventSchema,
} from '@openvine/trending-core';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './openapi.ts';
import { ROUTES, type RouteSpec } from './route-table.ts';
import { PUBLIC_ROUTES } from './routes/fallback.ts';
import {
  api,
  failShardRankings,
  newAggregator,
  postAudience,
  postJson,
  postVideos,
  precomputeKv,
  registerVideos,
  signedVideo,
} from './testing.ts';

const AUTH = { authorization: 'Bearer test-admin-token' };
const CLIENT = { 'cf-connecting-ip': '203.0.113.9' };

type Json = Record<string, unknown>;

/** The document as a client gets it. */
async function served(): Promise<Json> {
  const res = await api(newAggregator(), '/v1/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  return (await res.json()) as Json;
}

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === '$ref' && typeof v === 'string' ? [v] : refsIn(v),
  );
}

function at(doc: Json, ...path: string[]): Json {
  let node: unknown = doc;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !(key in node)) {
      throw new Error(`the document has nothing at ${path.join(' > ')}`);
    }
    node = (node as Json)[key];
  }
  return node as Json;
}

/** Validates `value` against a schema of the document, its references resolved in the document. */
function check(doc: Json, schema: Json, value: unknown): string[] {
  const root = structuredClone({ ...schema, components: doc.components }) as Schema;
  const result = new Validator(root, '2020-12', false).validate(value);
  return result.errors.map((e) => `${e.instanceLocation}: ${e.error}`);
}

/** Checks a real response against what the document says the route answers with its status. */
async function expectDocumented(doc: Json, route: RouteSpec, res: Response): Promise<void> {
  const what = `${route.method} ${route.path} -> ${res.status}`;
  const responses = at(doc, 'paths', route.path, route.method.toLowerCase(), 'responses');
  expect(Object.keys(responses), what).toContain(String(res.status));
  const content = (responses[String(res.status)] as Json).content as Record<string, Json> | undefined;
  const text = await res.text();
  if (!content) {
    expect(text, what).toBe('');
    return;
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0] ?? '';
  expect(Object.keys(content), what).toContain(type);
  if (type === 'application/json') {
    expect(check(doc, at(content, type, 'schema'), JSON.parse(text)), what).toEqual([]);
  }
}

/** Ranked videos with hashtags and a creator, so every list a read returns has entries. */
async function seeded(): Promise<string> {
  const aggregator = newAggregator();
  const video = signedVideo(`openapi:${crypto.randomUUID()}`, {
    title: 'A cat and a ladder',
    hashtags: ['cats'],
  });
  await registerVideos(aggregator, [video]);
  const videoId = video.id;
  const creatorPubkey = video.pubkey;
  const events = Array.from({ length: 20 }, (_, i) => ({
    videoId,
    viewerId: `viewer-${i}`,
    eventType: 'view_end' as const,
    watchMs: 6000,
    durationMs: 6000,
    loops: 2,
    title: 'A cat and a ladder',
    creatorPubkey,
    hashtags: ['cats'],
  }));
  // Each viewer from its own network, so the video ranks (MIN_DISTINCT_NETWORKS).
  const res = await postAudience(aggregator, events);
  expect(res.status).toBe(202);
  return aggregator;
}

/** POST /v1/videos of a version older than the stored one (a 409). */
async function stalePost(aggregator: string): Promise<Response> {
  const seed = `openapi-stale:${crypto.randomUUID()}`;
  const now = Math.floor(Date.now() / 1000);
  await registerVideos(aggregator, [signedVideo(seed, { createdAt: now - 60 })]);
  return postVideos(aggregator, signedVideo(seed, { createdAt: now - 600 }));
}

const QUERY: Record<string, string> = {
  '/v1/trending/videos': '?window=24h&limit=10',
  '/analytics/trending/vines': '?window=24h&limit=10',
  '/analytics/trending/hashtags': '?window=24h&limit=10',
  '/analytics/trending/creators': '?window=24h&limit=10',
  '/v1/admin/record-check': '?window=24h',
  '/v1/admin/explain': `?videoId=${'b'.repeat(64)}&window=24h`,
};

/** The route called as a client would, successfully: GETs with a valid query, POSTs with the first example. */
function call(aggregator: string, route: RouteSpec): Promise<Response> {
  const headers = { ...(route.admin ? AUTH : {}), ...CLIENT };
  const url = `${route.path}${QUERY[route.path] ?? ''}`;
  if (route.method === 'GET') return api(aggregator, url, { headers });
  const [example] = Object.values(route.body?.examples ?? {});
  return postJson(aggregator, url, example ?? {}, headers);
}

describe('GET /v1/openapi.json', () => {
  it('is the document generated from the route table and its schemas', async () => {
    expect(await served()).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(ROUTES))));
  });

  it('describes exactly the routes and methods the api serves', async () => {
    const documented = Object.fromEntries(
      Object.entries((await served()).paths as Json).map(([path, item]) => [
        path,
        Object.keys(item as Json)
          .map((m) => m.toUpperCase())
          .sort(),
      ]),
    );
    const served_ = Object.fromEntries(
      Object.entries(PUBLIC_ROUTES).map(([path, methods]) => [path, [...methods].sort()]),
    );
    expect(documented).toEqual(served_);
  });

  it('resolves every reference', async () => {
    const doc = await served();
    const schemas = at(doc, 'components', 'schemas');
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.split('/').pop() ?? ''], ref).toBeDefined();
    }
  });
});

describe('real responses agree with the document', () => {
  it.each(ROUTES.filter((r) => !r.unlisted).map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s',
    async (_, route) => {
      const doc = await served();
      const aggregator = await seeded();
      const res = await call(aggregator, route);
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      await expectDocumented(doc, route, res);
    },
  );

  it('the trending reads list videos, hashtags and creators (the schemas are checked on real entries)', async () => {
    const aggregator = await seeded();
    for (const [path, list] of [
      ['/v1/trending/videos', 'videos'],
      ['/analytics/trending/vines', 'vines'],
      ['/analytics/trending/hashtags', 'hashtags'],
      ['/analytics/trending/creators', 'creators'],
    ] as const) {
      const body = (await (await api(aggregator, `${path}${QUERY[path]}`)).json()) as Json;
      expect((body[list] as unknown[]).length, path).toBeGreaterThan(0);
    }
  });

  it('GET /v1/metrics?format=prometheus is documented text', async () => {
    const doc = await served();
    const route = ROUTES.find((r) => r.path === '/v1/metrics') as RouteSpec;
    const res = await api(newAggregator(), '/v1/metrics?format=prometheus');
    expect(res.headers.get('content-type')).toContain('text/plain');
    await expectDocumented(doc, route, res);
  });

  it('error responses are the documented Error envelope', async () => {
    const doc = await served();
    const aggregator = newAggregator();
    const route = (method: string, path: string) =>
      ROUTES.find((r) => r.method === method && r.path === path) as RouteSpec;
    const cases: [RouteSpec, Promise<Response>, number][] = [
      [route('GET', '/v1/trending/videos'), api(aggregator, '/v1/trending/videos?limit=0'), 400],
      [
        route('GET', '/analytics/trending/vines'),
        api(aggregator, '/analytics/trending/vines?window=2h'),
        400,
      ],
      [
        route('POST', '/v1/events/views'),
        postJson(aggregator, '/v1/events/views', { videoId: 'x' }, CLIENT),
        400,
      ],
      [
        route('POST', '/v1/events/views'),
        api(aggregator, '/v1/events/views', { method: 'POST', headers: CLIENT, body: 'x' }),
        415,
      ],
      [
        route('POST', '/analytics/view'),
        postJson(aggregator, '/analytics/view', { userId: 'u' }, CLIENT),
        400,
      ],
      [
        route('POST', '/v1/videos'),
        postVideos(aggregator, { ...signedVideo('openapi-bad'), content: 'x' }),
        400,
      ],
      [route('POST', '/v1/videos'), stalePost(aggregator), 409],
      [route('GET', '/v1/admin/status'), api(aggregator, '/v1/admin/status'), 401],
      [
        route('POST', '/v1/admin/invalidate'),
        postJson(aggregator, '/v1/admin/invalidate', { window: '2h' }, AUTH),
        400,
      ],
    ];
    for (const [spec, pending, status] of cases) {
      const res = await pending;
      expect(res.status, `${spec.method} ${spec.path}`).toBe(status);
      await expectDocumented(doc, spec, res);
    }
    // 404 and 405 answer for no route: the envelope itself.
    const error = at(doc, 'components', 'schemas', 'Error');
    for (const [res, status] of [
      [await api(aggregator, '/v2/nothing'), 404],
      [await api(aggregator, '/v1/health', { method: 'DELETE' }), 405],
    ] as const) {
      expect(res.status).toBe(status);
      expect(check(doc, error, await res.json())).toEqual([]);
    }
  });

  it('an invalidation whose KV write KV kept refusing is the documented 502, its report included', async () => {
    const doc = await served();
    const aggregator = await seeded();
    expect((await postJson(aggregator, '/v1/admin/precompute', {}, AUTH)).status).toBe(200);
    const top = kvTopKey('24h', keyScope(aggregator));
    await precomputeKv().refusePuts([top], Number.POSITIVE_INFINITY);
    const route = ROUTES.find((r) => r.path === '/v1/admin/invalidate') as RouteSpec;

    const res = await postJson(aggregator, '/v1/admin/invalidate', { window: '24h' }, AUTH);

    expect(res.status).toBe(502);
    expect(((await res.clone().json()) as Json).windows).toMatchObject([
      { window: '24h', kvFailed: [{ key: top }] },
    ]);
    await expectDocumented(doc, route, res);
  });

  it('a window that cannot be recomputed gives the documented 502s of invalidation, moderation and precompute', async () => {
    const doc = await served();
    const aggregator = await seeded();
    await failShardRankings(aggregator, ['1h']);
    const route = (path: string) => ROUTES.find((r) => r.path === path) as RouteSpec;
    const answers = [
      ['/v1/admin/invalidate', { all: true }, 'recompute_failed'],
      ['/v1/admin/moderation/hide', { kind: 'hashtag', value: 'spam', reason: 'r' }, 'recompute_failed'],
      ['/v1/admin/precompute', {}, 'precompute_failed'],
    ] as const;
    for (const [path, body, code] of answers) {
      const res = await postJson(aggregator, path, body, AUTH);
      expect(res.status, path).toBe(502);
      expect(((await res.clone().json()) as { error: { code: string } }).error.code, path).toBe(code);
      await expectDocumented(doc, route(path), res);
    }
    await failShardRankings(aggregator, []);
  });

  it('a conditional read answers the documented 304', async () => {
    const doc = await served();
    const aggregator = await seeded();
    const route = ROUTES.find((r) => r.path === '/v1/trending/videos') as RouteSpec;
    const first = await api(aggregator, `${route.path}${QUERY[route.path]}`);
    await first.body?.cancel();
    const res = await api(aggregator, `${route.path}${QUERY[route.path]}`, {
      headers: { 'if-none-match': first.headers.get('etag') ?? '' },
    });
    expect(res.status).toBe(304);
    await expectDocumented(doc, route, res);
  });
});

describe('every example request in the document', () => {
  const examples = ROUTES.flatMap((route) =>
    Object.keys(route.body?.examples ?? {}).map(
      (name) => [`${route.method} ${route.path}: ${name}`, route, name] as const,
    ),
  );

  it('covers every route with a body', () => {
    expect(new Set(examples.map(([, route]) => route.path))).toEqual(
      new Set(ROUTES.filter((r) => r.body).map((r) => r.path)),
    );
  });

  it.each(examples)('%s is valid against the document and accepted', async (_, route, name) => {
    const doc = await served();
    const operation = at(doc, 'paths', route.path, route.method.toLowerCase());
    const media = at(operation, 'requestBody', 'content', 'application/json');
    const example = at(media, 'examples', name).value;
    expect(example).toEqual(route.body?.examples[name]);
    expect(check(doc, at(media, 'schema'), example)).toEqual([]);

    const res = await postJson(newAggregator(), route.path, example, {
      ...(route.admin ? AUTH : {}),
      ...CLIENT,
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    await expectDocumented(doc, route, res);
  });
});

describe('the document follows the valibot schemas', () => {
  /** The requirement of a pipe action of `schema` (through optional), e.g. max_length's maximum. */
  function requirement(schema: v.GenericSchema, action: string): unknown {
    const inner = 'wrapped' in schema ? (schema.wrapped as v.GenericSchema) : schema;
    const pipe = 'pipe' in inner ? (inner.pipe as readonly { type: string; requirement?: unknown }[]) : [];
    return pipe.find((item) => item.type === action)?.requirement;
  }

  it("carries the request bodies' bounds", async () => {
    const doc = await served();
    const viewEvent = at(doc, 'components', 'schemas', 'ViewEvent', 'properties');
    const e = ViewEventSchema.entries;
    expect(at(viewEvent, 'viewerId').maxLength).toBe(requirement(e.viewerId, 'max_length'));
    expect(at(viewEvent, 'idempotencyKey').minLength).toBe(requirement(e.idempotencyKey, 'min_length'));
    expect(at(viewEvent, 'idempotencyKey').minLength).toBe(1);
    expect(at(viewEvent, 'loops').maximum).toBe(requirement(e.loops, 'max_value'));
    expect(at(viewEvent, 'loops').maximum).toBe(VIEW_FIELD_LIMITS.loops);
    expect(at(viewEvent, 'watchMs').maximum).toBe(VIEW_FIELD_LIMITS.durationMs);
    const clientView = at(doc, 'components', 'schemas', 'ClientView', 'properties');
    expect(at(clientView, 'userId').maxLength).toBe(VIEW_FIELD_LIMITS.viewerIdChars);
    // POST /v1/videos: one event, or a batch of 1..50, the bounds the handler enforces.
    const videos = at(
      doc,
      'paths',
      '/v1/videos',
      'post',
      'requestBody',
      'content',
      'application/json',
      'schema',
    );
    const batch = (videos.anyOf as { properties?: { events?: { minItems?: number; maxItems?: number } } }[])
      .map((option) => option.properties?.events)
      .find((events) => events !== undefined);
    const events = VideoEventsBatchSchema.entries.events;
    expect(batch?.minItems).toBe(requirement(events, 'min_length'));
    expect(batch?.maxItems).toBe(requirement(events, 'max_length'));
    expect(batch?.maxItems).toBe(LIMITS.videoEvents.perBatch);
  });

  it('changes when a schema changes', () => {
    const [route] = ROUTES.filter((r) => r.path === '/v1/admin/seed');
    if (!route?.body) throw new Error('no seed route');
    const withMax = (max: number): RouteSpec => ({
      ...route,
      body: {
        ...route.body,
        schema: v.object({ note: v.pipe(v.string(), v.maxLength(max)) }),
      } as RouteSpec['body'],
    });
    const noteOf = (max: number) =>
      at(
        buildOpenApiDocument([withMax(max)]) as unknown as Json,
        'paths',
        '/v1/admin/seed',
        'post',
        'requestBody',
        'content',
        'application/json',
        'schema',
        'properties',
        'note',
      );
    expect(noteOf(7).maxLength).toBe(7);
    expect(noteOf(8).maxLength).toBe(8);
  });
});
