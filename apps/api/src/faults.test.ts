// The fault suite (issue 12, item 8): every dependency of the read and ingest paths failing in
// the ways it fails in production, in the real local runtime. For each: the status and body a
// client gets, X-Cache, that the faulty layer was cut off at its budget rather than waited for,
// and that no older generation is served or stored. docs/reliability.md lists them all.
import { env } from 'cloudflare:workers';
import {
  edgeCacheUrl,
  keyScope,
  kvPrecomputedKey,
  kvTopKey,
  PRECOMPUTED_LIMITS,
  parseSnapshotETag,
  type TrendingSnapshot,
  type TrendingVideosResponse,
} from '@openvine/trending-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { aggregatorStub } from './cascade/aggregator-stub.ts';
import {
  adminPost,
  aggregatorStats,
  fetchSettled,
  ingestCounts,
  ingestVideo,
  newAggregator,
  postAudience,
  randomHex64,
  refuseRecordOf,
  viewEnd,
  viewEventPoints,
} from './testing.ts';
import { type Faults, faultyEnv, PRODUCTION_BUDGETS, SLOW_MS, SLOW_SOURCE_MS } from './testing-faults.ts';

const WINDOW = '24h';
const PATH = `/v1/trending/videos?window=${WINDOW}&limit=10`;

interface Answer {
  status: number;
  cache: string | null;
  body: unknown;
  text: string;
  /** Server-Timing durations by layer name. */
  timing: Record<string, number>;
  generation: number | undefined;
  headers: Headers;
}

async function read(aggregator: string, faults: Faults = {}, drop = ''): Promise<Answer> {
  const { res, text } = await fetchSettled(aggregator, PATH, {
    bindings: faultyEnv(faults),
    ...(drop ? { headers: { 'x-test-drop': drop } } : {}),
  });
  const timing: Record<string, number> = {};
  for (const part of (res.headers.get('server-timing') ?? '').split(',')) {
    const match = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
    if (match?.[1] && match[2]) timing[match[1]] = Number(match[2]);
  }
  const generation = /-g(\d+)-/.exec(res.headers.get('etag') ?? '')?.[1];
  return {
    status: res.status,
    cache: res.headers.get('x-cache'),
    body: JSON.parse(text),
    text,
    timing,
    generation: generation === undefined ? undefined : Number(generation),
    headers: res.headers,
  };
}

const listed = (answer: Answer) => (answer.body as TrendingVideosResponse).videos.map((v) => v.videoId);

/**
 * A video ranked and read once, then invalidated: generation g0 was served and filled every
 * layer, g1 replaced it. Every fault below then runs against caches that held an older
 * generation, so "no older generation" is a real question.
 */
async function rankedAndInvalidated(aggregator: string) {
  const videoId = await ingestVideo(aggregator);
  const first = await read(aggregator);
  expect(first.cache).toBe('MISS');
  const res = await adminPost(aggregator, '/v1/admin/invalidate', { window: WINDOW });
  expect(res.status).toBe(200);
  const generation = (await aggregatorStats(aggregator)).generations[WINDOW];
  expect(generation).toBe((first.generation ?? 0) + 1);
  return { videoId, generation };
}

/** No layer this suite reads holds a generation older than `generation` for the window. */
async function nothingOlderStored(aggregator: string, generation: number) {
  const scope = keyScope(aggregator);
  const keys = [
    kvTopKey(WINDOW, scope),
    ...PRECOMPUTED_LIMITS.map((l) => kvPrecomputedKey(WINDOW, l, scope)),
  ];
  for (const key of keys) {
    const value = await env.TRENDING_KV.get<TrendingSnapshot>(key, 'json');
    if (value) expect(value.generation, key).toBeGreaterThanOrEqual(generation);
  }
  const entry = await caches.default.match(edgeCacheUrl('v1', WINDOW, 10, scope));
  if (entry) {
    await entry.body?.cancel();
    expect(parseSnapshotETag(entry.headers.get('etag') ?? '')?.generation).toBeGreaterThanOrEqual(generation);
  }
}

/** A 503 as clients get it: the JSON envelope, Retry-After, nothing internal. */
function expectUnavailable(answer: Answer) {
  expect(answer.status).toBe(503);
  expect(answer.headers.get('retry-after')).toBe('5');
  expect(answer.body).toEqual({
    error: { code: 'unavailable', message: 'Trending data is temporarily unavailable, retry shortly' },
  });
}

/** Nothing internal in what a client reads. */
function expectNoLeak(answer: Answer) {
  expect(answer.text).not.toMatch(
    /SQLITE|D1_ERROR|Durable Object reset|KV GET failed|writeDataPoint|\.ts:\d/,
  );
}

describe('faults: KV', () => {
  it('KV throwing: the layer is skipped and the source answers with the current generation', async () => {
    const aggregator = newAggregator();
    const { videoId, generation } = await rankedAndInvalidated(aggregator);
    const answer = await read(aggregator, { kv: 'throw' }, 'memory,edge,do');
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('MISS');
    expect(answer.generation).toBe(generation);
    expect(listed(answer)).toEqual([videoId]);
    expect(answer.timing.kv).toBeDefined();
    expectNoLeak(answer);
    await nothingOlderStored(aggregator, generation);
  });

  it(`KV slow (${SLOW_MS} ms): cut off at its 50 ms budget, the source answers`, async () => {
    const aggregator = newAggregator();
    const { videoId, generation } = await rankedAndInvalidated(aggregator);
    const answer = await read(aggregator, { kv: 'slow', budgets: PRODUCTION_BUDGETS }, 'memory,edge,do');
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('MISS');
    expect(answer.generation).toBe(generation);
    expect(listed(answer)).toEqual([videoId]);
    // Not waited for: the read gave up on KV well before KV would have answered.
    expect(answer.timing.kv).toBeLessThan(SLOW_MS);
    await nothingOlderStored(aggregator, generation);
  });
});

describe('faults: the aggregator', () => {
  it('throwing: KV answers what the aggregator last published', async () => {
    const aggregator = newAggregator();
    const { videoId, generation } = await rankedAndInvalidated(aggregator);
    const answer = await read(aggregator, { aggregator: 'throw' }, 'memory,edge');
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('HIT-KV');
    expect(answer.generation).toBe(generation);
    expect(listed(answer)).toEqual([videoId]);
    expectNoLeak(answer);
    await nothingOlderStored(aggregator, generation);
  });

  it('throwing with nothing cached anywhere: 503 JSON with Retry-After, and nothing stored', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const answer = await read(aggregator, { aggregator: 'throw' });
    expectUnavailable(answer);
    expectNoLeak(answer);
    const scope = keyScope(aggregator);
    expect(await env.TRENDING_KV.get(kvTopKey(WINDOW, scope))).toBeNull();
    expect(await caches.default.match(edgeCacheUrl('v1', WINDOW, 10, scope))).toBeUndefined();
  });

  it('hanging: cut off at its 30 ms budget, KV answers', async () => {
    const aggregator = newAggregator();
    const { videoId, generation } = await rankedAndInvalidated(aggregator);
    const answer = await read(aggregator, { aggregator: 'hang', budgets: PRODUCTION_BUDGETS }, 'memory,edge');
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('HIT-KV');
    expect(answer.generation).toBe(generation);
    expect(listed(answer)).toEqual([videoId]);
    expect(answer.timing.do).toBeLessThan(SLOW_MS);
    await nothingOlderStored(aggregator, generation);
  });

  it('memory read over its 30 ms budget, KV failing: the object answers from memory, a HIT-DO', async () => {
    const aggregator = newAggregator();
    const { videoId, generation } = await rankedAndInvalidated(aggregator);
    const computations = (await aggregatorStats(aggregator)).computations[WINDOW];
    const answer = await read(
      aggregator,
      { aggregator: 'peek-slow', kv: 'throw', budgets: PRODUCTION_BUDGETS },
      'memory,edge',
    );
    expect(answer.status).toBe(200);
    // The compute layer's read found the snapshot held: no computation, so not a MISS.
    expect(answer.cache).toBe('HIT-DO');
    expect(answer.generation).toBe(generation);
    expect(listed(answer)).toEqual([videoId]);
    expect(answer.timing.do).toBeLessThan(SLOW_MS);
    expect(answer.timing.compute).toBeDefined();
    expect((await aggregatorStats(aggregator)).computations[WINDOW]).toBe(computations);
  });

  it('memory read over its budget, KV on the previous generation: the late answer replaces what KV filled', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const first = await read(aggregator);
    expect(first.cache).toBe('MISS');
    // An invalidation made elsewhere (another data center's isolate): the aggregator bumps and
    // recomputes; this isolate has not seen it, and KV still holds the previous generation, as
    // its read cache in this data center would for up to a minute.
    await aggregatorStub(env, aggregator).invalidate({ window: WINDOW });
    const generation = (await aggregatorStats(aggregator)).generations[WINDOW];
    expect(generation).toBe((first.generation ?? 0) + 1);

    const answer = await read(
      aggregator,
      { aggregator: 'peek-slow', budgets: PRODUCTION_BUDGETS },
      'memory,edge',
    );
    // In time, KV's copy answers (eventual consistency allows that much) ...
    expect(answer.cache).toBe('HIT-KV');
    expect(answer.generation).toBe(first.generation);
    // ... and the aggregator's answer, after the budget and newer, replaced what it filled.
    const entry = await caches.default.match(edgeCacheUrl('v1', WINDOW, 10, keyScope(aggregator)));
    await entry?.body?.cancel();
    expect(parseSnapshotETag(entry?.headers.get('etag') ?? '')?.generation).toBe(generation);
    const next = await read(aggregator);
    expect(next.cache).toBe('HIT-MEMORY');
    expect(next.generation).toBe(generation);
  });

  it('hanging with nothing cached: 503 within the compute budget, not a hung request', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const answer = await read(aggregator, {
      aggregator: 'hang',
      budgets: { ...PRODUCTION_BUDGETS, COMPUTE_BUDGET_MS: '200' },
    });
    expectUnavailable(answer);
    expect(answer.timing.compute).toBeLessThan(SLOW_SOURCE_MS);
  });

  it('evicted mid-request (memory lost): KV answers, of the same generation', async () => {
    const aggregator = newAggregator();
    const { videoId, generation } = await rankedAndInvalidated(aggregator);
    const answer = await read(aggregator, { aggregator: 'evict' }, 'memory,edge');
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('HIT-KV');
    expect(answer.generation).toBe(generation);
    expect(listed(answer)).toEqual([videoId]);
    // The generation lives in the object's SQLite, not in its memory: it survived the eviction.
    expect((await aggregatorStats(aggregator)).generations[WINDOW]).toBe(generation);
    await nothingOlderStored(aggregator, generation);
  });
});

describe('faults: the source', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('failing with a stale copy in memory: that copy answers, marked STALE', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const aggregator = newAggregator();
    const { videoId, generation } = await rankedAndInvalidated(aggregator);
    const warm = await read(aggregator);
    expect(warm.generation).toBe(generation);
    // 6 s on, memory's copy is past its 5 s freshness; the edge, the aggregator and KV all fail.
    vi.setSystemTime(Date.now() + 6_000);
    const answer = await read(aggregator, { aggregator: 'source-fail', kv: 'throw' }, 'edge,do');
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('HIT-MEMORY, STALE');
    expect(answer.generation).toBe(generation);
    expect(listed(answer)).toEqual([videoId]);
    expectNoLeak(answer);
  });

  it('failing with nothing cached: 503 JSON, no SQL or stack in the body, nothing stored', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const answer = await read(aggregator, { aggregator: 'source-fail' });
    expectUnavailable(answer);
    expectNoLeak(answer);
    expect(await env.TRENDING_KV.get(kvTopKey(WINDOW, keyScope(aggregator)))).toBeNull();
  });

  it(`slow (${SLOW_SOURCE_MS} ms) with a 200 ms compute budget and nothing cached: 503 at the budget`, async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const answer = await read(aggregator, {
      aggregator: 'source-slow',
      budgets: { ...PRODUCTION_BUDGETS, COMPUTE_BUDGET_MS: '200' },
    });
    expectUnavailable(answer);
    expect(answer.timing.compute).toBeLessThan(SLOW_SOURCE_MS);
  });

  it('slow within its budget: the computation answers, once', async () => {
    const aggregator = newAggregator();
    const videoId = await ingestVideo(aggregator);
    const answer = await read(aggregator, { aggregator: 'source-slow' });
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('MISS');
    expect(listed(answer)).toEqual([videoId]);
    expect((await aggregatorStats(aggregator)).computations[WINDOW]).toBe(1);
  });
});

describe('faults: the edge cache', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('throwing on every read and write: the aggregator answers, the response is unharmed', async () => {
    const aggregator = newAggregator();
    const { videoId, generation } = await rankedAndInvalidated(aggregator);
    vi.spyOn(caches.default, 'match').mockRejectedValue(new Error('cache match failed'));
    vi.spyOn(caches.default, 'put').mockRejectedValue(new Error('cache put failed'));
    const answer = await read(aggregator, {}, 'memory');
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('HIT-DO');
    expect(answer.generation).toBe(generation);
    expect(listed(answer)).toEqual([videoId]);
    expect(answer.timing.edge).toBeDefined();
    expectNoLeak(answer);
  });
});

describe('faults: Analytics Engine', () => {
  it("the api's metrics dataset throwing: trending reads answer as usual", async () => {
    const aggregator = newAggregator();
    const videoId = await ingestVideo(aggregator);
    const cold = await read(aggregator, { metricsDataset: 'throw' });
    expect(cold.status).toBe(200);
    expect(cold.cache).toBe('MISS');
    expect(listed(cold)).toEqual([videoId]);
    const warm = await read(aggregator, { metricsDataset: 'throw' });
    expect(warm.status).toBe(200);
    expect(warm.cache).toBe('HIT-MEMORY');
  });

  it('the view record refusing points: the views still count, and the client gets 202', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    await refuseRecordOf(videoId);
    const events = Array.from({ length: 6 }, (_, i) => viewEnd(videoId, `viewer-${i}`));
    const res = await postAudience(aggregator, events);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 6 });
    expect(await viewEventPoints(videoId)).toEqual([]);
    const answer = await read(aggregator);
    expect(answer.status).toBe(200);
    expect(listed(answer)).toEqual([videoId]);
  });
});

describe('faults: the ingest queue', () => {
  it('refusing the send: 503 queue_unavailable with Retry-After, and nothing is stored', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const refusing = faultyEnv({ queue: 'refuse' });
    const events = Array.from({ length: 6 }, (_, i) => viewEnd(videoId, `viewer-${i}`));
    const v1 = await fetchSettled(aggregator, '/v1/events/views', {
      method: 'POST',
      bindings: refusing,
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.40' },
      body: JSON.stringify({ events }),
    });
    const app = await fetchSettled(aggregator, '/analytics/view', {
      method: 'POST',
      bindings: refusing,
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.41' },
      body: JSON.stringify({ eventId: videoId, userId: 'app-viewer', eventType: 'view_end' }),
    });
    for (const { res, text } of [v1, app]) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(JSON.parse(text)).toEqual({
        error: { code: 'queue_unavailable', message: 'The ingest queue is unavailable, retry later' },
      });
    }
    // A request through the working queue afterwards is committed alone: nothing of the refused
    // ones was enqueued to arrive later.
    const sentinel = randomHex64();
    const ok = await postAudience(aggregator, [viewEnd(sentinel, 'sentinel')]);
    expect(ok.status).toBe(202);
    expect(await ingestCounts(aggregator)).toEqual({ events: 1, duplicates: 0 });
    expect(await viewEventPoints(videoId)).toEqual([]);
  });
});
