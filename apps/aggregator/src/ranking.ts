import {
  averageCompletion,
  GROUPED_VIDEOS,
  groupTrending,
  MAX_LIMIT,
  type RankedVideo,
  rankByScore,
  round,
  SCORING,
  type TrendingCreator,
  type TrendingHashtag,
  type TrendingWindow,
} from '@openvine/trending-core';
import type { Rollups } from './rollups.ts';
import type { VideoMetaSource } from './video-events.ts';
import { rescanWindowStats } from './window-rescan.ts';
import type { WindowVideoStats } from './window-totals.ts';

export interface RankingResult {
  videos: RankedVideo[];
  hashtags: TrendingHashtag[];
  creators: TrendingCreator[];
  /** Rows read from the rollups, for monitoring the cost of a computation. */
  rowsScanned: number;
}

/**
 * Computes a window's top list: decayed, capped views per video, exact distinct viewers, the
 * rising boost against the video's own baseline, then OpenVine's score. Reads the window's
 * running totals (one row per video in the window), never the events or their buckets. Titles,
 * creators and hashtags come from `meta` (signed video events) only.
 */
export function rankWindow(
  rollups: Rollups,
  meta: VideoMetaSource,
  window: TrendingWindow,
  now: number,
  limit = MAX_LIMIT,
): RankingResult {
  const { stats, rowsRead } = rollups.windowStats(window, now, SCORING.minUniqueViewers);
  return { ...rankStats(meta, window, stats, limit), rowsScanned: rowsRead };
}

/** The same ranking from a full rescan of the rollups (see window-rescan.ts). */
export function rankWindowByRescan(
  rollups: Rollups,
  meta: VideoMetaSource,
  window: TrendingWindow,
  now: number,
  limit = MAX_LIMIT,
): RankingResult {
  const { stats, rowsRead } = rescanWindowStats(rollups, window, now);
  return { ...rankStats(meta, window, stats, limit), rowsScanned: rowsRead };
}

/**
 * Scores, orders and labels a window's videos: the top `limit`, ranks from 1, and the window's
 * trending hashtags and creators from its best-scored videos. A video without a signed event
 * ranks by its id alone and counts in no hashtag or creator.
 */
function rankStats(
  source: VideoMetaSource,
  window: TrendingWindow,
  stats: ReadonlyMap<string, WindowVideoStats>,
  limit: number,
): Omit<RankingResult, 'rowsScanned'> {
  const scored = rankByScore(window, stats);
  const grouped = scored.slice(0, Math.max(limit, GROUPED_VIDEOS));
  const meta = source.videoMeta(grouped.map((t) => t.videoId));

  const { hashtags, creators } = groupTrending(
    grouped.map(({ videoId, score, stats: acc }) => {
      const m = meta.get(videoId);
      return {
        score,
        views: acc.views,
        creatorPubkey: m?.creatorPubkey,
        hashtags: m?.hashtags,
      };
    }),
  );
  const videos = scored.slice(0, limit).map(({ videoId, score, stats: acc }, i): RankedVideo => {
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
    if (m) video.creatorPubkey = m.creatorPubkey;
    if (m?.hashtags.length) video.hashtags = [...m.hashtags];
    return video;
  });
  return { videos, hashtags, creators };
}
