// "Before": the original design, with no cache at all. Every request asks the source for a fresh
// ranking (the aggregator's `refresh`, a computation from its SQLite rollups, the same data the
// api reads) and serializes it. Also the bench's probe of raw compute cost (/compute, /peek).
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

    if (url.pathname === '/compute' || url.pathname === '/peek') {
      // Wall time of one RPC, measured here (time advances across I/O in workerd).
      const started = performance.now();
      const snapshot =
        url.pathname === '/compute' ? await aggregator.refresh(window) : await aggregator.peek(window);
      const rpcMs = performance.now() - started;
      return Response.json({
        rpcMs,
        computeMs: snapshot?.computeMs ?? null,
        videos: snapshot?.videos.length ?? 0,
      });
    }

    const snapshot = await aggregator.refresh(window);
    return new Response(JSON.stringify(toTrendingVideosResponse(snapshot, limit)), {
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    });
  },
};
