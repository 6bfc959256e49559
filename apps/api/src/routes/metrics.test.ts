import { env } from 'cloudflare:workers';
import type { MetricsSummary } from '@openvine/aggregator';
import { edgeCacheUrl, edgeWindowUrl, keyScope, kvPrecomputedKey } from '@openvine/trending-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adminPost, aggregatorStats, api, ingestVideo, newAggregator, until } from '../testing.ts';

/**
 * The api's performance.now() under the test's control: it stands still, so every response takes
 * 0 ms, except that `takes(ms)` makes the next request take exactly `ms`: the clock jumps right
 * after its first reading, which is the request's start (serveTrending's `started`).
 */
function controlledClock() {
  let now = 1_000;
  let jump = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => {
    const value = now;
    now += jump;
    jump = 0;
    return value;
  });
  return {
    takes(ms: number) {
      jump = ms;
    },
  };
}

async function metrics(aggregator: string): Promise<MetricsSummary> {
  return (await (await api(aggregator, '/v1/metrics')).json()) as MetricsSummary;
}

describe('GET /v1/metrics', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('counts exactly the traffic sent: hits and misses per layer, computes, errors, stale, percentiles', async () => {
    // The api's Date stands still too, so that isolate memory stays fresh throughout.
    vi.useFakeTimers({ toFake: ['Date'] });
    const clock = controlledClock();
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const A = '/v1/trending/videos?window=24h&limit=10';
    const edgeA = edgeCacheUrl('v1', '24h', 10, keyScope(aggregator));
    const inEdge = async () => (await caches.default.match(edgeA)) !== undefined;
    const edgeWindow = edgeWindowUrl('24h', keyScope(aggregator));
    const inEdgeWindow = async () => (await caches.default.match(edgeWindow)) !== undefined;
    const send = async (path: string, expected: string, headers: Record<string, string> = {}) => {
      const res = await api(aggregator, path, { headers });
      expect(res.headers.get('x-cache')).toBe(expected);
      await res.arrayBuffer();
      return res;
    };

    // 1 error: a cold window whose source fails: edge and KV tried and missed, then 503.
    const failed = await api(aggregator, '/v1/trending/videos?window=1h&limit=10', {
      headers: { 'x-test-faults': 'source-fail' },
    });
    expect(failed.status).toBe(503);
    await failed.arrayBuffer();
    // 2 computes: two cold windows, each missing the edge and KV first.
    await send(A, 'MISS');
    await send('/v1/trending/videos?window=7d&limit=10', 'MISS');
    await until('edge fill', inEdge);
    await until(
      'kv fill',
      async () => (await env.TRENDING_KV.get(kvPrecomputedKey('24h', 10, keyScope(aggregator)))) !== null,
    );
    // 10 memory hits taking 0, 0, 0, 0, 0, 0, 3, 3, 3 and 40 ms.
    for (const ms of [0, 0, 0, 0, 0, 0, 3, 3, 3, 40]) {
      clock.takes(ms);
      const res = await send(A, 'HIT-MEMORY');
      expect(res.headers.get('server-timing')).toContain(`total;dur=${ms.toFixed(1)}`);
    }
    // 3 fresh edge hits.
    for (let i = 0; i < 3; i++) await send(A, 'HIT-EDGE', { 'x-test-drop': 'memory' });
    // 2 Durable Object hits (each missed the edge); each refills the edge before the next drops it.
    for (let i = 0; i < 2; i++) {
      await send(A, 'HIT-DO', { 'x-test-drop': 'memory,edge' });
      await until('edge refill', inEdge);
    }
    // 2 KV hits (each missed the edge); each refills the read's entry and the window's snapshot.
    for (let i = 0; i < 2; i++) {
      await send(A, 'HIT-KV', { 'x-test-drop': 'memory,edge,do' });
      await until('edge refill', async () => (await inEdge()) && (await inEdgeWindow()));
    }
    // 1 stale edge hit: the edge entry re-stored as stored 45 s ago (fresh for 30 s from when it
    // was stored, then served stale while its snapshot is under 300 s old).
    const entry = await caches.default.match(edgeA);
    if (!entry) throw new Error('no edge entry');
    const headers = new Headers(entry.headers);
    headers.set('x-trending-stored-at', String(Date.now() - 45_000));
    await caches.default.put(edgeA, new Response(await entry.text(), { headers }));
    // The window's snapshot (stored by the KV hits) would answer it fresh: gone too.
    await caches.default.delete(edgeWindow);
    await send(A, 'HIT-EDGE, STALE', { 'x-test-drop': 'memory' });

    // 1 + 2 + 10 + 3 + 2 + 2 + 1 = 21 responses.
    await until('metrics flushed', async () => (await metrics(aggregator)).last5m.requests === 21);
    const m = (await metrics(aggregator)).last5m;
    expect(m).toMatchObject({
      requests: 21,
      memory_hits: 10,
      edge_hits: 4, // 3 fresh + 1 stale
      do_hits: 2,
      kv_hits: 2,
      computes: 2,
      errors: 1,
      stale_served: 1,
      // Every answer from below the edge missed it: 1 error + 2 computes + 2 DO + 2 KV = 7.
      edge_misses: 7,
      // KV was missed by the answers from below it: 1 error + 2 computes = 3.
      kv_misses: 3,
    });
    expect(m.layers.compute.count).toBe(2);
    expect(m.layers.error.count).toBe(1);
    expect(m.layers.memory.ratio).toBeCloseTo(10 / 21, 10);
    // compute_ms adds up what the two computations reported (the aggregator's own timing).
    const stats = await aggregatorStats(aggregator);
    expect(stats.computations).toMatchObject({ '24h': 1, '7d': 1 });
    expect(m.compute_ms).toBeCloseTo(stats.lastComputeMs['24h'] + stats.lastComputeMs['7d'], 1);

    // Percentiles, interpolated inside histogram buckets (bounds 0.25, 0.5, 1, 2, 5, 10, 20, 30,
    // 50, ... ms). Memory: 6 samples in [0, 0.25], 3 in (2, 5], 1 in (30, 50].
    // p50: rank 0.5 * 10 = 5, inside the first bucket: 0 + 5/6 * 0.25 = 0.2083...
    expect(m.layers.memory.p50).toBeCloseTo(0.25 * (5 / 6), 10);
    // p95: rank 9.5, past the first 6 + 3: in (30, 50], 0.5 of its 1 sample: 30 + 0.5 * 20 = 40.
    expect(m.layers.memory.p95).toBeCloseTo(40, 10);
    // p99: rank 9.9: 30 + 0.9 * 20 = 48.
    expect(m.layers.memory.p99).toBeCloseTo(48, 10);
    // Every other layer's responses took 0 ms, all in [0, 0.25]: p50 = 0.5 * 0.25 = 0.125,
    // p99 = 0.99 * 0.25 = 0.2475, whatever their number.
    for (const layer of ['edge', 'do', 'kv', 'compute', 'error'] as const) {
      expect(m.layers[layer].p50).toBeCloseTo(0.125, 10);
      expect(m.layers[layer].p99).toBeCloseTo(0.2475, 10);
    }
  });

  it('records precompute runs', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    await adminPost(aggregator, '/v1/admin/precompute', {});
    const runs = (await metrics(aggregator)).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]?.windows.map((w) => w.window).sort()).toEqual(['1h', '24h', '7d']);
    expect(runs[0]?.keysWritten).toBeGreaterThanOrEqual(15);
    expect(runs[0]?.rowsScanned).toBeGreaterThan(0);
  });

  it('speaks Prometheus text format', async () => {
    controlledClock();
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    await api(aggregator, '/v1/trending/videos');
    await until('metrics flushed', async () => (await metrics(aggregator)).last5m.requests === 1);
    const res = await api(aggregator, '/v1/metrics?format=prometheus');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE openvine_trending_requests gauge');
    expect(text).toContain('openvine_trending_requests{span="5m"} 1');
    // One 0 ms response: in the first bucket, [0, 0.25] ms; p50 = 0.5 * 0.25, p99 = 0.99 * 0.25.
    expect(text).toContain('openvine_trending_response_ms{span="5m",layer="compute",quantile="0.5"} 0.125\n');
    expect(text).toContain(
      'openvine_trending_response_ms{span="5m",layer="compute",quantile="0.99"} 0.2475\n',
    );
    expect(text).toContain('openvine_trending_edge_misses{span="5m"} 1\n');
    expect(text).toContain('openvine_trending_kv_misses{span="5m"} 1\n');
  });
});

describe('GET /dashboard', () => {
  it('serves the page and its chart library', async () => {
    const aggregator = newAggregator();
    const page = await api(aggregator, '/dashboard');
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    for (const src of ['/dashboard/uplot.iife.min.js', '/dashboard/app.js', '/dashboard/uplot.min.css']) {
      expect(html).toContain(src);
      const asset = await api(aggregator, src);
      expect(asset.status).toBe(200);
      expect((await asset.text()).length).toBeGreaterThan(500);
    }
  });
});
