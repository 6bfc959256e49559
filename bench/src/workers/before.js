// "Before": the original design, with no cache at all. Every request computes a fresh ranking
// from the stored data (the aggregator's `rescan`: every bucket and viewer row of the window, as
// the old endpoint aggregated its events on each request; the same data the api reads) and
// serializes it. Also the bench's probe of compute cost: /compute (the aggregator's refresh, from
// its running totals), /rescan (the same ranking by full rescan) and /peek (a snapshot read), and
// /rank-shards (a coordinator's shards' rankShard calls, one after another then all at once).
import { GROUPED_VIDEOS, shardObjectNames, toTrendingVideosResponse } from '@openvine/trending-core';

const WINDOWS = ['1h', '24h', '7d'];

function stub(env, name) {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(name));
}

/**
 * Where a coordinator's merge spends its time: each shard's rankShard alone (the round trip,
 * measured here: time advances across I/O), then all of them at once as the coordinator calls
 * them, and the size of what they return (JSON bytes of the candidates).
 */
async function rankShards(env, url, window) {
  const coordinator = url.searchParams.get('aggregator') ?? 'trending-v1';
  const shards = Number(url.searchParams.get('shards') ?? 1);
  const count = Number(url.searchParams.get('count') ?? GROUPED_VIDEOS);
  const request = { window, now: Date.now(), hidden: [], count };
  const names = shards > 1 ? shardObjectNames(coordinator, shards) : [coordinator];
  const perShardMs = [];
  let bytes = 0;
  let candidates = 0;
  for (const name of names) {
    const started = performance.now();
    const part = await stub(env, name).rankShard(request);
    perShardMs.push(performance.now() - started);
    bytes += JSON.stringify(part.candidates).length;
    candidates += part.candidates.length;
  }
  const started = performance.now();
  const parts = await Promise.all(names.map((name) => stub(env, name).rankShard(request)));
  const concurrentMs = performance.now() - started;
  const body = { perShardMs, concurrentMs, bytes, candidates };
  if (url.searchParams.get('parts') === '1') body.parts = parts;
  return Response.json(body);
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
    if (url.pathname === '/rank-shards') return rankShards(env, url, window);
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
