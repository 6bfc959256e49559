// "Before": the original design, with no cache at all. Every request computes a fresh ranking
// from the stored data (the aggregator's `rescan`: every bucket and viewer row of the window, as
// the old endpoint aggregated its events on each request; the same data the api reads) and
// serializes it. Also the bench's probe of compute cost: /compute (the aggregator's refresh, from
// its running totals), /rescan (the same ranking by full rescan) and /peek (a snapshot read).
import { toTrendingVideosResponse } from '@openvine/trending-core';

const WINDOWS = ['1h', '24h', '7d'];

function stub(env, name) {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(name));
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const window = url.searchParams.get('window') ?? '24h';
    if (!WINDOWS.includes(window)) return Response.json({ error: 'bad window' }, { status: 400 });
    const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 20) || 20));
    const aggregator = stub(env, url.searchParams.get('aggregator') ?? 'trending-v1');

    const probes = {
      '/compute': () => aggregator.refresh(window),
      '/rescan': () => aggregator.rescan(window),
      '/peek': () => aggregator.peek(window),
    };
    const probe = probes[url.pathname];
    if (probe) {
      // Wall time of one RPC, measured here (time advances across I/O in workerd).
      const started = performance.now();
      const snapshot = await probe();
      const rpcMs = performance.now() - started;
      return Response.json({
        rpcMs,
        computeMs: snapshot?.computeMs ?? null,
        videos: snapshot?.videos.length ?? 0,
      });
    }

    const snapshot = await aggregator.rescan(window);
    return new Response(JSON.stringify(toTrendingVideosResponse(snapshot, limit)), {
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    });
  },
};
