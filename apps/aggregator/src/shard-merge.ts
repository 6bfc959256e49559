import { compareRankKeys } from '@openvine/trending-core';
import type { RankCandidate } from './ranking.ts';
import type { ShardRanking, ShardRankingRequest } from './shard-fleet.ts';

/**
 * The best `count` of several shards' candidates, in the order one object would rank them
 * (rankByScore's: score, then views, then id). A video's score depends on its own events only,
 * all in its one shard, so the window's best `count` visible videos are among the union of each
 * shard's best `count`. A video sent twice (both rounds of mergeShards) counts once, as sent last.
 */
export function mergeShardRankings(parts: readonly ShardRanking[], count: number): ShardRanking {
  const byId = new Map<string, RankCandidate>();
  for (const part of parts) for (const c of part.candidates) byId.set(c.videoId, c);
  const candidates = [...byId.values()].sort(compareRankKeys);
  return {
    candidates: candidates.slice(0, count),
    rowsScanned: parts.reduce((n, p) => n + p.rowsScanned, 0),
  };
}

/**
 * How many candidates the first round asks of each of `shards`: half as many again as an even
 * share of `count`, so that the union holds `count` (the merge's threshold exists) and, unless
 * one shard holds far more than its share of the best, no second round is needed.
 */
export function firstRoundCount(count: number, shards: number): number {
  return Math.min(count, Math.ceil((1.5 * count) / shards));
}

/**
 * A coordinator's exact merge in at most two rounds, so that each shard sends about its share of
 * the window's best `count` rather than `count` of its own (a shard's cost is in its candidates:
 * their metadata, and the bytes that cross to the coordinator).
 * 1. Every shard sends its best `firstRoundCount`. Their union's `count`-th candidate is the
 *    threshold: the window's true `count`-th ranks before it or is it (the union is a subset).
 * 2. Only a shard whose last first-round candidate still ranks before the threshold can hold more
 *    of the best; it sends its candidates up to the threshold (at most `count`). A shard that
 *    sent fewer than it was asked has no more.
 * Identical to every shard sending its best `count` (shard-merge.test.ts).
 */
export async function mergeShards(
  shards: number,
  request: ShardRankingRequest,
  rankShard: (shard: number, request: ShardRankingRequest) => Promise<ShardRanking>,
): Promise<ShardRanking> {
  const first = firstRoundCount(request.count, shards);
  const all = Array.from({ length: shards }, (_, shard) => shard);
  const firstRound = await Promise.all(all.map((shard) => rankShard(shard, { ...request, count: first })));
  const merged = mergeShardRankings(firstRound, request.count);
  const threshold = merged.candidates.length === request.count ? merged.candidates.at(-1) : undefined;
  const again = all.filter((shard) => {
    const { candidates } = firstRound[shard] as ShardRanking;
    const last = candidates.at(-1);
    if (candidates.length < first || !last) return false;
    return !threshold || compareRankKeys(last, threshold) < 0;
  });
  if (again.length === 0) return merged;
  const atLeast = threshold
    ? { atLeast: { score: threshold.score, views: threshold.views, videoId: threshold.videoId } }
    : {};
  const secondRound = await Promise.all(again.map((shard) => rankShard(shard, { ...request, ...atLeast })));
  return mergeShardRankings([...firstRound, ...secondRound], request.count);
}
