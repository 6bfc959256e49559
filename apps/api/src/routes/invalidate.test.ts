// POST /v1/admin/invalidate when KV refuses precompute's writes, as production KV does past one
// write per second per key (429). precompute's KV is the stand-in under test (src/testing.ts,
// precomputeKv): it refuses the puts a test names and passes everything else to the real KV.
import { env } from 'cloudflare:workers';
import {
  edgeCacheUrl,
  type InvalidatePartlyFailed,
  keyScope,
  kvPrecomputedKey,
  kvTopKey,
  LIMITS,
  MAX_LIMIT,
  PRECOMPUTED_LIMITS,
  RESPONSE_FORMATS,
  RETRY_AFTER_S,
  type TrendingSnapshot,
  WINDOWS,
} from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { aggregatorStub } from '../cascade/aggregator-stub.ts';
import { PURGE_CALLS_PER_WINDOW } from '../edge-purge.ts';
import {
  adminPost,
  aggregatorStats,
  api,
  failShardRankings,
  generationOf,
  ingestVideo,
  newAggregator,
  precomputeKv,
  until,
} from '../testing.ts';

/** One video, and a precompute run: KV and this data center's edge hold generation 1 of 24h. */
async function precomputed(aggregator: string) {
  await ingestVideo(aggregator);
  expect((await adminPost(aggregator, '/v1/admin/precompute', {})).status).toBe(200);
  const scope = keyScope(aggregator);
  const top = kvTopKey('24h', scope);
  const slices = PRECOMPUTED_LIMITS.map((limit) => kvPrecomputedKey('24h', limit, scope));
  expect((await env.TRENDING_KV.get<TrendingSnapshot>(top, 'json'))?.generation).toBe(1);
  return { scope, top, slices };
}

describe('invalidation when KV answers 429', () => {
  it('a write refused twice is retried: the invalidation completes and KV holds the new generation', async () => {
    const aggregator = newAggregator();
    const { top, slices } = await precomputed(aggregator);
    await precomputeKv().refusePuts([top], 2);

    const res = await adminPost(aggregator, '/v1/admin/invalidate', { window: '24h' });

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      windows: [{ window: '24h', generation: 2, kvKeys: [top, ...slices], kvFailed: [] }],
    });
    // The run's write, then the invalidation's: refused, refused, written.
    expect(await precomputeKv().putAttempts(top)).toBe(1 + 3);
    expect((await env.TRENDING_KV.get<TrendingSnapshot>(top, 'json'))?.generation).toBe(2);
  });

  it('a write still refused after the retries: the bump stands, the floor is raised, the edge purged, and the 502 names the key', async () => {
    const aggregator = newAggregator();
    const { scope, top, slices } = await precomputed(aggregator);
    const edge10 = edgeCacheUrl('v1', '24h', 10, scope);
    expect(await caches.default.match(edge10)).toBeDefined();
    await precomputeKv().refusePuts([top], Number.POSITIVE_INFINITY);

    const res = await adminPost(aggregator, '/v1/admin/invalidate', { window: '24h' });

    expect(res.status).toBe(502);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      error: { code: 'kv_write_failed', message: expect.stringContaining('1 KV write failed') },
      windows: [
        {
          window: '24h',
          generation: 2,
          kvKeys: slices,
          kvFailed: [{ key: top, error: 'KV PUT failed: 429 Too Many Requests' }],
        },
      ],
    });
    // Tried three times (the first and two retries) after the run's write.
    expect(await precomputeKv().putAttempts(top)).toBe(1 + 3);
    // The aggregator's bump stands; KV's top list is still generation 1, its slices are 2.
    expect((await aggregatorStats(aggregator)).generations['24h']).toBe(2);
    expect((await env.TRENDING_KV.get<TrendingSnapshot>(top, 'json'))?.generation).toBe(1);
    expect((await env.TRENDING_KV.get<TrendingSnapshot>(slices[0] ?? '', 'json'))?.generation).toBe(2);

    // This isolate raised its floor: a read of a limit sliced from the top list (37), below its
    // memory, the edge and the aggregator's memory, refuses KV's generation 1 and computes 2.
    const read = await api(aggregator, '/v1/trending/videos?window=24h&limit=37', {
      headers: { 'x-test-drop': 'memory,edge,do' },
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-cache')).toBe('MISS');
    expect(generationOf(read)).toBe(2);
    // The run's edge entries of 24h (generation 1) are purged.
    for (const limit of PRECOMPUTED_LIMITS) {
      const url = edgeCacheUrl('v1', '24h', limit, scope);
      await until(
        `edge purge of limit ${limit}`,
        async () => (await caches.default.match(url)) === undefined,
      );
    }
  });
});

describe("purging this data center's edge", () => {
  it('an invalidation of every window purges every format and limit of each, the last window too', async () => {
    const aggregator = newAggregator();
    const { scope } = await precomputed(aggregator);
    // Entries of every window and format, at the smallest and the largest limit and an odd one,
    // as reads of other isolates stored them.
    const entries = WINDOWS.flatMap((window) =>
      RESPONSE_FORMATS.flatMap((format) =>
        [1, 37, MAX_LIMIT].map((limit) => edgeCacheUrl(format, window, limit, scope)),
      ),
    );
    for (const url of entries)
      await caches.default.put(url, new Response('{}', { headers: { 'cache-control': 's-maxage=300' } }));
    for (const url of entries) {
      const held = await caches.default.match(url);
      expect(held, url).toBeDefined();
      await held?.body?.cancel();
    }
    // Each window is purged in an invocation of its own, whose Cache API quota it must fit (the
    // local runtime does not enforce the platform's limit: docs/architecture.md).
    expect(PURGE_CALLS_PER_WINDOW).toBeLessThanOrEqual(LIMITS.cacheApiCallsPerInvocation);

    expect((await adminPost(aggregator, '/v1/admin/invalidate', { all: true })).status).toBe(200);

    for (const url of entries)
      await until(`edge purge of ${url}`, async () => (await caches.default.match(url)) === undefined);
  });
});

describe('invalidation when a window cannot be recomputed', () => {
  it('recomputes the others, keeps the bump, and the 502 names the window: repeating it is safe', async () => {
    const aggregator = newAggregator();
    const { top } = await precomputed(aggregator);
    // Every shard fails its 1h ranking, as shards out of reach do.
    await failShardRankings(aggregator, ['1h']);

    const res = await adminPost(aggregator, '/v1/admin/invalidate', { all: true });

    expect(res.status).toBe(502);
    const body = (await res.json()) as InvalidatePartlyFailed;
    expect(body.error.code).toBe('recompute_failed');
    expect(body.error.message).toContain('1h (generation 2)');
    expect(body.error.message).not.toContain('test fault');
    expect(body.windows.map((w) => [w.window, w.generation, w.kvFailed])).toEqual([
      ['24h', 2, []],
      ['7d', 2, []],
    ]);
    expect(body.notRecomputed).toEqual([{ window: '1h', generation: 2 }]);
    expect((await env.TRENDING_KV.get<TrendingSnapshot>(top, 'json'))?.generation).toBe(2);
    expect((await aggregatorStats(aggregator)).generations).toEqual({ '1h': 2, '24h': 2, '7d': 2 });

    // Once the shards answer, the same call again recomputes every window.
    await failShardRankings(aggregator, []);
    const again = await adminPost(aggregator, '/v1/admin/invalidate', { all: true });
    expect(again.status).toBe(200);
    expect(
      ((await again.json()) as InvalidatePartlyFailed).windows.map((w) => [w.window, w.generation]),
    ).toEqual([
      ['1h', 3],
      ['24h', 3],
      ['7d', 3],
    ]);
  });
});

describe('invalidation while a precompute run holds the lock', () => {
  // Waits out precompute's whole lock wait (INTERVALS.invalidateLockWaitMs, 20 s) on the real
  // clock of the precompute Worker: the route's own answer is what is tested here.
  it('past the wait: 503 run_lock_busy with Retry-After, and nothing invalidated or purged', async () => {
    const aggregator = newAggregator();
    const { scope, top } = await precomputed(aggregator);
    const edge10 = edgeCacheUrl('v1', '24h', 10, scope);
    const coordinator = aggregatorStub(env, aggregator);
    // Another run, holding the lock for as long as precompute's runs may (55 s).
    expect(await coordinator.tryLockRun('another-run', 55_000)).toBe(true);

    const res = await adminPost(aggregator, '/v1/admin/invalidate', { window: '24h' });

    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_S.runLockBusy));
    expect(await res.json()).toEqual({
      error: { code: 'run_lock_busy', message: expect.stringContaining('nothing was invalidated') },
    });
    expect((await aggregatorStats(aggregator)).generations['24h']).toBe(1);
    expect((await env.TRENDING_KV.get<TrendingSnapshot>(top, 'json'))?.generation).toBe(1);
    const entry = await caches.default.match(edge10);
    expect(entry).toBeDefined();
    await entry?.body?.cancel();
    await coordinator.unlockRun('another-run');
  }, 45_000);
});
