import { env } from 'cloudflare:workers';
import { edgeCacheUrl, keyScope, kvPrecomputedKey } from '@openvine/trending-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  adminPost,
  aggregatorStats,
  api,
  generationOf,
  ingestVideo,
  newAggregator,
  until,
} from '../testing.ts';

const PATH = '/v1/trending/videos?window=24h&limit=10';
const EDGE_URL = (aggregator: string) => edgeCacheUrl('v1', '24h', 10, keyScope(aggregator));
const KV_KEY = (aggregator: string) => kvPrecomputedKey('24h', 10, keyScope(aggregator));

function get(aggregator: string, path = PATH, headers: Record<string, string> = {}) {
  return api(aggregator, path, { headers });
}

async function inEdge(aggregator: string): Promise<boolean> {
  return (await caches.default.match(EDGE_URL(aggregator))) !== undefined;
}

async function inKv(aggregator: string): Promise<boolean> {
  return (await env.TRENDING_KV.get(KV_KEY(aggregator))) !== null;
}

/** A cold request that computes, then waits until its fills reached the edge and KV. */
async function warmAllLayers(aggregator: string): Promise<Response> {
  await ingestVideo(aggregator);
  const res = await get(aggregator);
  expect(res.headers.get('x-cache')).toBe('MISS');
  await until('edge fill', () => inEdge(aggregator));
  await until('kv fill', () => inKv(aggregator));
  return res;
}

describe('each layer answers in turn and fills the layers above it', () => {
  it('MISS, then memory, edge, Durable Object and KV', async () => {
    const aggregator = newAggregator();
    const cold = await warmAllLayers(aggregator);
    const body = await cold.text();
    expect(cold.headers.get('server-timing')).toMatch(/compute;dur=/);

    const memory = await get(aggregator);
    expect(memory.headers.get('x-cache')).toBe('HIT-MEMORY');
    expect(await memory.text()).toBe(body);

    const edge = await get(aggregator, PATH, { 'x-test-drop': 'memory' });
    expect(edge.headers.get('x-cache')).toBe('HIT-EDGE');
    expect(await edge.text()).toBe(body);
    // The edge hit filled memory again.
    expect((await get(aggregator)).headers.get('x-cache')).toBe('HIT-MEMORY');

    const durable = await get(aggregator, PATH, { 'x-test-drop': 'memory,edge' });
    expect(durable.headers.get('x-cache')).toBe('HIT-DO');
    expect(await durable.text()).toBe(body);
    await until('edge refill', () => inEdge(aggregator));
    expect((await get(aggregator, PATH, { 'x-test-drop': 'memory' })).headers.get('x-cache')).toBe(
      'HIT-EDGE',
    );

    const kv = await get(aggregator, PATH, { 'x-test-drop': 'memory,edge,do' });
    expect(kv.headers.get('x-cache')).toBe('HIT-KV');
    expect(await kv.text()).toBe(body);
    expect(kv.headers.get('server-timing')).toMatch(/do;dur=.*kv;dur=/);

    // Only one computation served all of that.
    expect((await aggregatorStats(aggregator)).computations['24h']).toBe(1);
  });

  it('a KV hit refills the Durable Object snapshot', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    await get(aggregator, '/v1/trending/videos?window=24h&limit=37');
    const topKey = `${keyScope(aggregator)}top:24h`;
    await until('kv fill', async () => (await env.TRENDING_KV.get(topKey)) !== null);
    const kv = await get(aggregator, '/v1/trending/videos?window=24h&limit=37', {
      'x-test-drop': 'memory,edge,do',
    });
    expect(kv.headers.get('x-cache')).toBe('HIT-KV');
    await until('do refill', async () => (await aggregatorStats(aggregator)).snapshotAgeMs['24h'] !== null);
    const durable = await get(aggregator, '/v1/trending/videos?window=24h&limit=37', {
      'x-test-drop': 'memory,edge',
    });
    expect(durable.headers.get('x-cache')).toBe('HIT-DO');
  });
});

describe('stale-while-revalidate at the edge', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves an entry older than 30 s as STALE while one refresh runs', async () => {
    const aggregator = newAggregator();
    const cold = await warmAllLayers(aggregator);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 45_000);
    const stale = await get(aggregator, PATH, { 'x-test-drop': 'memory' });
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-cache')).toBe('HIT-EDGE, STALE');
    expect(Number(stale.headers.get('age'))).toBeGreaterThanOrEqual(45);
    expect(stale.headers.get('etag')).toBe(cold.headers.get('etag'));
    // A stale answer does not fill memory; the background refresh does.
    await until('background refresh', async () => {
      const next = await get(aggregator);
      return next.headers.get('x-cache') === 'HIT-MEMORY';
    });
  });

  it('past 300 s an edge entry is not served at all', async () => {
    const aggregator = newAggregator();
    await warmAllLayers(aggregator);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 301_000);
    const res = await get(aggregator, PATH, { 'x-test-drop': 'memory,do' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).not.toMatch(/HIT-EDGE/);
  });
});

describe('single flight', () => {
  it('100 concurrent cold requests cause exactly one computation and get one body', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const responses = await Promise.all(Array.from({ length: 100 }, () => get(aggregator)));
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(bodies).size).toBe(1);
    expect((await aggregatorStats(aggregator)).computations['24h']).toBe(1);
  });
});

describe('canonical keys', () => {
  it('unknown parameters, order and case never create new entries', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const first = await get(aggregator, '/v1/trending/videos?window=24h&limit=10&x=1');
    expect(first.headers.get('x-cache')).toBe('MISS');
    for (const path of [
      '/v1/trending/videos?limit=10&window=24h',
      '/v1/trending/videos?window=24h&limit=10&utm=abc',
      '/v1/trending/videos?WINDOW=24H&Limit=10',
    ]) {
      const res = await get(aggregator, path);
      expect(res.headers.get('x-cache')).toBe('HIT-MEMORY');
      expect(res.headers.get('etag')).toBe(first.headers.get('etag'));
    }
    expect((await aggregatorStats(aggregator)).computations['24h']).toBe(1);
  });

  it('every limit is sliced from one computation per window', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    for (const limit of [1, 10, 37, 100]) {
      expect((await get(aggregator, `/v1/trending/videos?window=7d&limit=${limit}`)).status).toBe(200);
    }
    expect((await aggregatorStats(aggregator)).computations['7d']).toBe(1);
  });
});

describe('invalidation: no layer serves an older generation afterwards', () => {
  it.each([
    ['memory warm', ''],
    ['edge warm', 'memory'],
    ['Durable Object warm', 'memory,edge'],
    ['KV warm', 'memory,edge,do'],
  ])('%s', async (_name, drop) => {
    const aggregator = newAggregator();
    const before = generationOf(await warmAllLayers(aggregator));
    // Warm the layer under test for this request's key.
    await get(aggregator);
    const res = await adminPost(aggregator, '/v1/admin/invalidate', { window: '24h' });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { windows: { window: string; generation: number }[] };
    expect(report.windows).toEqual([expect.objectContaining({ window: '24h', generation: before + 1 })]);

    const after = await get(aggregator, PATH, drop ? { 'x-test-drop': drop } : {});
    expect(after.status).toBe(200);
    expect(generationOf(after)).toBe(before + 1);
  });

  it('invalidating a video bumps only the windows that list it', async () => {
    const aggregator = newAggregator();
    const videoId = await ingestVideo(aggregator);
    for (const window of ['1h', '24h', '7d']) await get(aggregator, `/v1/trending/videos?window=${window}`);
    const res = await adminPost(aggregator, '/v1/admin/invalidate', { videoId });
    const report = (await res.json()) as { windows: { window: string }[] };
    expect(report.windows.map((w) => w.window).sort()).toEqual(['1h', '24h', '7d']);
    const stranger = await adminPost(aggregator, '/v1/admin/invalidate', { videoId: 'f'.repeat(64) });
    expect(((await stranger.json()) as { windows: unknown[] }).windows).toEqual([]);
  });

  it('admin routes need the token', async () => {
    const aggregator = newAggregator();
    const before = (await aggregatorStats(aggregator)).generations['24h'];
    for (const token of ['', 'wrong-token']) {
      const res = await adminPost(aggregator, '/v1/admin/invalidate', { window: '24h' }, token);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    expect((await aggregatorStats(aggregator)).generations['24h']).toBe(before);
  });
});

describe('failures: a layer that fails or hangs is skipped', () => {
  it('KV throwing: the source answers', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const res = await get(aggregator, PATH, { 'x-test-faults': 'kv-throw' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('MISS');
  });

  it('the aggregator hanging: KV answers within the budget', async () => {
    const aggregator = newAggregator();
    await warmAllLayers(aggregator);
    const res = await get(aggregator, PATH, { 'x-test-drop': 'memory,edge', 'x-test-faults': 'do-hang' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('HIT-KV');
  });

  it('the source failing: KV answers; with everything cold, 503 JSON with Retry-After, and nothing cached', async () => {
    const aggregator = newAggregator();
    await warmAllLayers(aggregator);
    const warm = await get(aggregator, PATH, {
      'x-test-drop': 'memory,edge,do',
      'x-test-faults': 'source-fail',
    });
    expect(warm.status).toBe(200);
    expect(warm.headers.get('x-cache')).toBe('HIT-KV');

    const cold = newAggregator();
    await ingestVideo(cold);
    const res = await get(cold, PATH, { 'x-test-faults': 'source-fail' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    // Nothing was cached from the failure: the next request computes.
    const next = await get(cold);
    expect(next.status).toBe(200);
    expect(next.headers.get('x-cache')).toBe('MISS');
  });
});
