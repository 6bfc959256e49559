import { addBucket, type TrendingWindow, WINDOW_SPECS } from '@openvine/trending-core';
import type { Rollups } from './rollups.ts';
import { cursorAt, type WindowVideoStats } from './window-totals.ts';

/**
 * A window's per-video stats from a full rescan of its bucket and viewer rows, the way ranking
 * worked before the running totals (and the way the original design computed on every request):
 * cost grows with buckets x videos and viewers. It is the reference the totals must equal
 * (tests), the benchmark's "before", and an ops consistency check (`TrendingAggregator.rescan`).
 */
export function rescanWindowStats(
  rollups: Rollups,
  window: TrendingWindow,
  now: number,
): { stats: Map<string, WindowVideoStats>; rowsRead: number } {
  const spec = WINDOW_SPECS[window];
  const cursor = cursorAt(window, now);
  const stats = new Map<string, WindowVideoStats>();
  const buckets = rollups.bucketRows(spec.bucket, cursor.bucketFrom, Number.MAX_SAFE_INTEGER);
  for (const row of buckets) {
    addBucket(stats, window, now, {
      videoId: row.video_id,
      bucketStartMs: row.bucket,
      views: row.views,
      completionSum: row.completion_sum,
      completionCount: row.completion_count,
      loops: row.loops,
    });
  }
  const viewers = rollups.viewersLastSeenBetween(cursor.viewersFrom, Number.MAX_SAFE_INTEGER);
  const networks = rollups.networksLastSeenBetween(cursor.viewersFrom, Number.MAX_SAFE_INTEGER);
  const baseline =
    spec.baselineMs > 0 ? rollups.viewsBetween(cursor.baselineFrom, cursor.baselineTo) : new Map();
  for (const [videoId, s] of stats) {
    s.uniqueViewers = viewers.get(videoId) ?? 0;
    s.networks = networks.get(videoId) ?? 0;
    s.baselineViews = baseline.get(videoId) ?? 0;
  }
  return { stats, rowsRead: buckets.length + viewers.size + networks.size + baseline.size };
}
