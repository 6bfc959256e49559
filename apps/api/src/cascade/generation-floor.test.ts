// The generation floor: once this isolate has seen generation N of a window, no layer may serve
// it an older copy. The invalidate route rewrites every layer before the next read, so these
// tests plant the older copies themselves, as they arrive in production: KV replicating late
// from another location, another data center's edge entry, this isolate's memory from before an
// invalidation made elsewhere. Each planted copy lists a video that does not exist (PLANTED), so
// a response built from it is unmistakable, and each plant is first shown to be served when its
// generation is current: the plant reaches the layer the api reads, the floor is what refuses it.
import { env } from 'cloudflare:workers';
import {
  edgeCacheUrl,
  edgeWindowUrl,
  keyScope,
  kvPrecomputedKey,
  snapshotETag,
  type TrendingSnapshot,
  type TrendingVideosResponse,
} from '@openvine/trending-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adminPost, api, generationOf, ingestVideo, newAggregator, until } from '../testing.ts';
import { edgeCache } from './edge-cache.ts';

const PLANTED = 'a'.repeat(64);
const path = (limit: number) => `/v1/trending/videos?window=24h&limit=${limit}`;
const EDGE_URL = (aggregator: string) => edgeCacheUrl('v1', '24h', 10, keyScope(aggregator));
const KV_KEY = (aggregator: string) => kvPrecomputedKey('24h', 10, keyScope(aggregator));

function get(aggregator: string, limit: number, drop = '') {
  return api(aggregator, path(limit), drop ? { headers: { 'x-test-drop': drop } } : {});
}

async function listed(res: Response): Promise<string[]> {
  return ((await res.json()) as TrendingVideosResponse).videos.map((v) => v.videoId);
}

/** One real video, read once cold (generation G0), with the edge and KV filled from that read. */
async function warm(aggregator: string) {
  const videoId = await ingestVideo(aggregator);
  const cold = await get(aggregator, 10);
  expect(cold.headers.get('x-cache')).toBe('MISS');
  const body = (await cold.json()) as TrendingVideosResponse;
  expect(body.videos.map((v) => v.videoId)).toEqual([videoId]);
  await until('edge fill', async () => (await caches.default.match(EDGE_URL(aggregator))) !== undefined);
  await until('kv fill', async () => (await env.TRENDING_KV.get(KV_KEY(aggregator))) !== null);
  return { videoId, generation: generationOf(cold), body };
}

/**
 * An edge entry as another isolate's api would have stored it (through edge-cache.ts): generation `generation`, computed `computedAt`, listing only PLANTED.
 */
async function plantEdge(
  aggregator: string,
  real: TrendingVideosResponse,
  generation: number,
  computedAt: number,
) {
  const etag = snapshotETag({ window: '24h', generation, computedAt }, 10, 'v1');
  const body = JSON.stringify({ ...real, videos: real.videos.map((v) => ({ ...v, videoId: PLANTED })) });
  await edgeCache.put(
    EDGE_URL(aggregator),
    { body, etag, window: '24h', generation, computedAt },
    keyScope(aggregator),
  );
  return etag;
}

/** A KV value of `pre:24h:10` of generation `generation` listing only PLANTED. */
async function plantKv(aggregator: string, generation: number) {
  const real = await env.TRENDING_KV.get<TrendingSnapshot>(KV_KEY(aggregator), 'json');
  if (!real) throw new Error('nothing in KV to copy');
  const planted: TrendingSnapshot = {
    ...real,
    generation,
    computedAt: Date.now(),
    videos: real.videos.map((v) => ({ ...v, videoId: PLANTED })),
  };
  await env.TRENDING_KV.put(KV_KEY(aggregator), JSON.stringify(planted), { expirationTtl: 300 });
}

/** An invalidation made through another api isolate: this one neither observes it nor purges. */
async function invalidateElsewhere(aggregator: string): Promise<number> {
  const report = await env.PRECOMPUTE.invalidate({ window: '24h' }, { aggregator });
  if (!report.ok) throw new Error(report.message);
  const [entry] = report.windows;
  if (!entry) throw new Error('the invalidation bumped no window');
  return entry.generation;
}

describe('generation floor: an older copy planted in a layer is never served', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('KV: an older generation arriving late is refused after an invalidation through this isolate', async () => {
    const aggregator = newAggregator();
    const { videoId, generation: g0 } = await warm(aggregator);

    // Control: at the current generation, the planted KV value is what the api reads.
    await plantKv(aggregator, g0);
    const control = await get(aggregator, 10, 'memory,edge,do');
    expect(control.headers.get('x-cache')).toBe('HIT-KV');
    expect(await listed(control)).toEqual([PLANTED]);

    const res = await adminPost(aggregator, '/v1/admin/invalidate', { window: '24h' });
    expect(res.status).toBe(200);
    const g1 = g0 + 1;
    expect(((await res.json()) as { windows: { generation: number }[] }).windows[0]?.generation).toBe(g1);

    // Another location's write of generation g0 reaches this location's KV after the invalidation's.
    await plantKv(aggregator, g0);
    const after = await get(aggregator, 10, 'memory,edge,do');
    expect(after.status).toBe(200);
    // KV's copy refused, the source answers with generation g1 and the real list.
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(generationOf(after)).toBe(g1);
    expect(await listed(after)).toEqual([videoId]);
  });

  it('edge: an entry older than the generation this isolate learned below the edge is refused', async () => {
    const aggregator = newAggregator();
    const { videoId, generation: g0, body } = await warm(aggregator);

    // Control: at the current generation, the planted edge entry is what the api serves.
    const controlEtag = await plantEdge(aggregator, body, g0, Date.now());
    const control = await get(aggregator, 10, 'memory');
    expect(control.headers.get('x-cache')).toBe('HIT-EDGE');
    expect(control.headers.get('etag')).toBe(controlEtag);
    expect(await listed(control)).toEqual([PLANTED]);

    const g1 = await invalidateElsewhere(aggregator);
    expect(g1).toBe(g0 + 1);
    // This isolate learns g1 from a read below the edge (another limit of the same window).
    const learn = await get(aggregator, 20, 'memory,edge');
    expect(learn.headers.get('x-cache')).toBe('HIT-DO');
    expect(generationOf(learn)).toBe(g1);

    await until('the window stored at the edge', async () =>
      Boolean(await caches.default.match(edgeWindowUrl('24h', keyScope(aggregator)))),
    );
    const plantedEtag = await plantEdge(aggregator, body, g0, Date.now());
    const after = await get(aggregator, 10, 'memory');
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(plantedEtag);
    // The window's g1 snapshot, which the read of limit 20 stored at the edge, answers instead.
    expect(after.headers.get('x-cache')).toBe('HIT-EDGE');
    expect(generationOf(after)).toBe(g1);
    expect(await listed(after)).toEqual([videoId]);
  });

  it('isolate memory: a fresh entry from before an invalidation made elsewhere is refused', async () => {
    // Isolate memory is fresh for 5 s: the api's clock stands still so that it stays fresh.
    vi.useFakeTimers({ toFake: ['Date'] });
    const aggregator = newAggregator();
    const { videoId, generation: g0, body } = await warm(aggregator);

    // A fresh edge hit fills memory: with the planted entry, memory holds the planted list. The
    // aggregator's clock runs on, so the plant is dated after the real computation: a newer
    // computation of g0, which only the generation can refuse.
    const plantedEtag = await plantEdge(aggregator, body, g0, Date.parse(body.generatedAt) + 1);
    expect((await get(aggregator, 10, 'memory')).headers.get('x-cache')).toBe('HIT-EDGE');
    const control = await get(aggregator, 10);
    expect(control.headers.get('x-cache')).toBe('HIT-MEMORY');
    expect(control.headers.get('etag')).toBe(plantedEtag);
    expect(await listed(control)).toEqual([PLANTED]);

    const g1 = await invalidateElsewhere(aggregator);
    const learn = await get(aggregator, 20, 'memory,edge');
    expect(learn.headers.get('x-cache')).toBe('HIT-DO');
    expect(generationOf(learn)).toBe(g1);

    // Memory (and the edge) still hold generation g0's planted list: neither may answer. The
    // window's g1 snapshot, received for limit 20, answers limit 10 from memory (a slice of it).
    const after = await get(aggregator, 10);
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(plantedEtag);
    expect(after.headers.get('x-cache')).toBe('HIT-MEMORY');
    expect(generationOf(after)).toBe(g1);
    expect(await listed(after)).toEqual([videoId]);
  });
});
