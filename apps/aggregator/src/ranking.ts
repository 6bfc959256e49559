import {
  averageCompletion,
  decayWeight,
  HOUR_MS,
  isRankable,
  MAX_LIMIT,
  type RankedVideo,
  round,
  type TrendingWindow,
  trendingScore,
  type VideoWindowStats,
  WINDOW_SPECS,
} from '@openvine/trending-core';
import type { Rollups } from './rollups.ts';

interface Accumulator extends VideoWindowStats {
  loops: number;
}

export interface RankingResult {
  videos: RankedVideo[];
  /** Rows read from the rollups, for monitoring the cost of a computation. */
  rowsScanned: number;
}

/**
 * Computes a window's top list from the rollups: decayed, capped views per video, exact distinct
 * viewers, the rising boost against the video's own baseline, then OpenVine's score.
 * Cost is bounded by videos x buckets in the window, never by the number of events.
 */
export function rankWindow(
  rollups: Rollups,
  window: TrendingWindow,
  now: number,
  limit = MAX_LIMIT,
): RankingResult {
  const spec = WINDOW_SPECS[window];
  const windowStart = now - spec.durationMs;
  const firstBucket = Math.floor(windowStart / spec.bucketMs) * spec.bucketMs;

  const stats = new Map<string, Accumulator>();
  const buckets = rollups.bucketsSince(spec.bucket, firstBucket);
  for (const row of buckets) {
    let acc = stats.get(row.video_id);
    if (!acc) {
      acc = {
        views: 0,
        decayedViews: 0,
        uniqueViewers: 0,
        completionSum: 0,
        completionCount: 0,
        baselineViews: 0,
        loops: 0,
      };
      stats.set(row.video_id, acc);
    }
    const bucketMid = row.bucket + spec.bucketMs / 2;
    acc.views += row.views;
    acc.decayedViews += row.views * decayWeight(window, now - Math.min(now, bucketMid));
    acc.completionSum += row.completion_sum;
    acc.completionCount += row.completion_count;
    acc.loops += row.loops;
  }

  const viewers = rollups.uniqueViewersSince(windowStart);
  // Baselines come from the hour table: end at the hour holding the window's start, or the 1h
  // window's own views would also count as "expected" ones (more so early in each hour).
  const baselineEnd = Math.floor(windowStart / HOUR_MS) * HOUR_MS;
  const baseline =
    spec.baselineMs > 0
      ? rollups.viewsBetween(baselineEnd - spec.baselineMs, baselineEnd)
      : new Map<string, number>();

  const scored: { videoId: string; score: number; acc: Accumulator }[] = [];
  for (const [videoId, acc] of stats) {
    acc.uniqueViewers = viewers.get(videoId) ?? 0;
    acc.baselineViews = baseline.get(videoId) ?? 0;
    if (!isRankable(acc)) continue;
    scored.push({ videoId, score: trendingScore(window, acc), acc });
  }
  // Ties broken by views, then id: the same data always gives the same order.
  scored.sort((a, b) => b.score - a.score || b.acc.views - a.acc.views || (a.videoId < b.videoId ? -1 : 1));
  const top = scored.slice(0, limit);

  const meta = rollups.videoMeta(top.map((t) => t.videoId));
  const videos = top.map(({ videoId, score, acc }, i): RankedVideo => {
    const m = meta.get(videoId);
    const video: RankedVideo = {
      rank: i + 1,
      videoId,
      score: round(score),
      views: acc.views,
      uniqueViewers: acc.uniqueViewers,
      avgCompletion: round(averageCompletion(acc)),
      loops: acc.loops,
    };
    if (m?.title) video.title = m.title;
    if (m?.creator_pubkey) video.creatorPubkey = m.creator_pubkey;
    if (m?.hashtags) video.hashtags = JSON.parse(m.hashtags) as string[];
    return video;
  });
  return { videos, rowsScanned: buckets.length + viewers.size + baseline.size };
}
