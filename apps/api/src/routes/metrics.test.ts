import type { MetricsSummary } from '@openvine/aggregator';
import { edgeCacheUrl, keyScope } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { adminPost, api, ingestVideo, newAggregator, until } from '../testing.ts';

const LAYER_OF: Record<string, string> = {
  'HIT-MEMORY': 'memory',
  'HIT-EDGE': 'edge',
  'HIT-DO': 'do',
  'HIT-KV': 'kv',
  MISS: 'compute',
};

async function metrics(aggregator: string): Promise<MetricsSummary> {
  return (await (await api(aggregator, '/v1/metrics')).json()) as MetricsSummary;
}

describe('GET /v1/metrics', () => {
  it('counts exactly what was served, per layer', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const served: Record<string, number> = {};
    let stale = 0;
    const send = async (path: string, headers: Record<string, string> = {}) => {
      const res = await api(aggregator, path, { headers });
      expect(res.status).toBe(200);
      const [layer, flag] = (res.headers.get('x-cache') ?? '').split(', ');
      const name = LAYER_OF[layer ?? ''] ?? 'unknown';
      served[name] = (served[name] ?? 0) + 1;
      if (flag === 'STALE') stale += 1;
      await res.arrayBuffer();
    };
    // A scripted burst touching every layer: computes, memory hits, edge, DO and KV hits.
    for (const window of ['1h', '24h', '7d']) await send(`/v1/trending/videos?window=${window}&limit=10`);
    for (let i = 0; i < 20; i++) await send('/v1/trending/videos?window=24h&limit=10');
    const edgeUrl = edgeCacheUrl('v1', '1h', 10, keyScope(aggregator));
    await until('edge fill', async () => (await caches.default.match(edgeUrl)) !== undefined);
    for (let i = 0; i < 5; i++)
      await send('/v1/trending/videos?window=1h&limit=10', { 'x-test-drop': 'memory' });
    for (let i = 0; i < 4; i++)
      await send('/analytics/trending/vines?window=7d&limit=10', { 'x-test-drop': 'memory,edge' });
    await adminPost(aggregator, '/v1/admin/precompute', {});
    for (let i = 0; i < 3; i++)
      await send('/v1/trending/videos?window=24h&limit=20', { 'x-test-drop': 'memory,edge,do' });
    const sent = Object.values(served).reduce((a, b) => a + b, 0);

    await until('metrics flushed', async () => (await metrics(aggregator)).last5m.requests === sent);
    const m = (await metrics(aggregator)).last5m;
    expect(m.requests).toBe(sent);
    expect(m.memory_hits).toBe(served.memory ?? 0);
    expect(m.edge_hits).toBe(served.edge ?? 0);
    expect(m.do_hits).toBe(served.do ?? 0);
    expect(m.kv_hits).toBe(served.kv ?? 0);
    expect(m.layers.compute.count).toBe(served.compute ?? 0);
    expect(m.stale_served).toBe(stale);
    expect(m.errors).toBe(0);
    // Every layer in the burst was exercised, and the computations are the three cold windows.
    for (const layer of ['memory', 'edge', 'do', 'kv', 'compute']) expect(served[layer]).toBeGreaterThan(0);
    expect(m.computes).toBe(3);
    expect(m.compute_ms).toBeGreaterThanOrEqual(0);
    expect(m.layers.memory.ratio).toBeCloseTo((served.memory ?? 0) / sent, 6);
    expect(m.layers.memory.p50).not.toBeNull();
    expect(m.layers.memory.p99).toBeGreaterThanOrEqual(m.layers.memory.p50 ?? 0);
  });

  it('counts 503s as errors', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const res = await api(aggregator, '/v1/trending/videos', { headers: { 'x-test-faults': 'source-fail' } });
    expect(res.status).toBe(503);
    await until('metrics flushed', async () => (await metrics(aggregator)).last5m.errors === 1);
    expect((await metrics(aggregator)).last5m.layers.error.count).toBe(1);
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
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    await api(aggregator, '/v1/trending/videos');
    await until('metrics flushed', async () => (await metrics(aggregator)).last5m.requests === 1);
    const res = await api(aggregator, '/v1/metrics?format=prometheus');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE openvine_trending_requests gauge');
    expect(text).toContain('openvine_trending_requests{span="5m"} 1');
    expect(text).toMatch(/openvine_trending_response_ms\{span="5m",layer="compute",quantile="0.5"\} [\d.]+/);
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
