import type { RankCandidate } from './ranking.ts';
import type { ShardRanking } from './shard-fleet.ts';

/**
 * The best `count` of several shards' candidates, in the order one object would rank them
 * (rankByScore's: score, then views, then id). Exact, not an estimate: a video's score depends on
 * its own events only, all in its one shard, so the window's best `count` visible videos are
 * among the union of each shard's best `count`.
 */
export function mergeShardRankings(parts: readonly ShardRanking[], count: number): ShardRanking {
  const candidates: RankCandidate[] = parts.flatMap((p) => p.candidates);
  candidates.sort((a, b) => b.score - a.score || b.views - a.views || (a.videoId < b.videoId ? -1 : 1));
  return {
    candidates: candidates.slice(0, count),
    rowsScanned: parts.reduce((n, p) => n + p.rowsScanned, 0),
  };
}
