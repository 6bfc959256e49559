import * as v from 'valibot';
import { type RankedVideo, TrendingWindowSchema } from './response-schemas.ts';
import { rankByScore, round, type VideoWindowStats } from './scoring.ts';
import type { TrendingWindow } from './windows.ts';

const RecordVideoSchema = v.object({
  videoId: v.string(),
  views: v.number(),
  uniqueViewers: v.number(),
  score: v.number(),
});
export type RecordVideo = v.InferOutput<typeof RecordVideoSchema>;

/** `GET /v1/admin/record-check`. */
export const RecordComparisonSchema = v.object({
  window: TrendingWindowSchema,
  /** How many of the top `top` are compared. */
  top: v.pipe(v.number(), v.integer(), v.minValue(1)),
  live: v.array(RecordVideoSchema),
  record: v.array(RecordVideoSchema),
  /** Videos in both top lists. */
  overlap: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** In the record's top list but not in the live one (events the live store may have lost). */
  missingFromLive: v.array(v.string()),
  /**
   * Live views over record views, summed over the videos in both lists: about 1 when the live
   * store holds what the record holds (the record is sampled and uncapped, so not exactly 1).
   */
  viewsRatio: v.nullable(v.number()),
});
export type RecordComparison = v.InferOutput<typeof RecordComparisonSchema>;

/**
 * Compares the live ranking (the aggregator's) with one computed from the record (Analytics
 * Engine): a consistency check for ops, which a lost batch or a broken ingest path would fail.
 */
export function compareWithRecord(
  window: TrendingWindow,
  live: readonly RankedVideo[],
  recordStats: ReadonlyMap<string, VideoWindowStats>,
  top = 20,
): RecordComparison {
  const liveTop = live.slice(0, top).map((v) => ({
    videoId: v.videoId,
    views: v.views,
    uniqueViewers: v.uniqueViewers,
    score: v.score,
  }));
  const recordTop = rankByScore(window, recordStats)
    .slice(0, top)
    .map(({ videoId, score, stats }) => ({
      videoId,
      views: stats.views,
      uniqueViewers: stats.uniqueViewers,
      score: round(score),
    }));
  const liveById = new Map(liveTop.map((v) => [v.videoId, v]));
  const shared = recordTop.filter((v) => liveById.has(v.videoId));
  const recordViews = shared.reduce((s, v) => s + v.views, 0);
  const liveViews = shared.reduce((s, v) => s + (liveById.get(v.videoId)?.views ?? 0), 0);
  return {
    window,
    top,
    live: liveTop,
    record: recordTop,
    overlap: shared.length,
    missingFromLive: recordTop.filter((v) => !liveById.has(v.videoId)).map((v) => v.videoId),
    viewsRatio: recordViews > 0 ? round(liveViews / recordViews, 3) : null,
  };
}
