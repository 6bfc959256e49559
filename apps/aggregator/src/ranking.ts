import {
  averageCompletion,
  GROUPED_VIDEOS,
  groupTrending,
  type HiddenSet,
  isHidden,
  MAX_LIMIT,
  NOTHING_HIDDEN,
  type RankedVideo,
  rankByScore,
  round,
  SCORING,
  type ScoredEntry,
  type TrendingCreator,
  type TrendingHashtag,
  type TrendingWindow,
  type VideoMetadata,
} from '@openvine/trending-core';
import type { Rollups } from './rollups.ts';
import type { SignedVideoMeta, VideoMetaSource } from './video-events.ts';
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
 * creators and hashtags come from `meta` (signed video events) only; hidden videos
 * (moderation.ts) are left out before anything is ranked or grouped.
 */
export function rankWindow(
  rollups: Rollups,
  meta: VideoMetaSource,
  window: TrendingWindow,
  now: number,
  hidden: HiddenSet = NOTHING_HIDDEN,
  limit = MAX_LIMIT,
): RankingResult {
  const { stats, rowsRead } = rollups.windowStats(window, now, SCORING.minUniqueViewers);
  return { ...rankStats(meta, window, stats, hidden, limit), rowsScanned: rowsRead };
}

/** The same ranking from a full rescan of the rollups (see window-rescan.ts). */
export function rankWindowByRescan(
  rollups: Rollups,
  meta: VideoMetaSource,
  window: TrendingWindow,
  now: number,
  hidden: HiddenSet = NOTHING_HIDDEN,
  limit = MAX_LIMIT,
): RankingResult {
  const { stats, rowsRead } = rescanWindowStats(rollups, window, now);
  return { ...rankStats(meta, window, stats, hidden, limit), rowsScanned: rowsRead };
}

/**
 * A video's metadata as the ranking sees it: what the moderation rule tests and the ranked rows
 * carry, from its signed event only (video-events.ts). A video without one has its id alone.
 */
interface RankedMetadata extends VideoMetadata {
  title?: string | undefined;
}

function rankedMetadata(videoId: string, signed: SignedVideoMeta | undefined): RankedMetadata {
  return {
    videoId,
    title: signed?.title,
    creatorPubkey: signed?.creatorPubkey,
    hashtags: signed?.hashtags.length ? signed.hashtags : undefined,
  };
}

type Scored = ScoredEntry<WindowVideoStats>;

/**
 * The first `count` visible videos of `scored` (best first) with their metadata. Metadata is read
 * `count` videos at a time until enough are visible: with nothing hidden, one read, as before.
 */
function visibleVideos(
  source: VideoMetaSource,
  scored: readonly Scored[],
  count: number,
  hidden: HiddenSet,
): { video: Scored; meta: RankedMetadata }[] {
  const kept: { video: Scored; meta: RankedMetadata }[] = [];
  for (let from = 0; from < scored.length && kept.length < count; from += count) {
    const chunk = scored.slice(from, from + count);
    const rows = source.videoMeta(chunk.map((t) => t.videoId));
    for (const video of chunk) {
      const meta = rankedMetadata(video.videoId, rows.get(video.videoId));
      if (kept.length < count && !isHidden(hidden, meta)) kept.push({ video, meta });
    }
  }
  return kept;
}

/**
 * Scores, orders and labels a window's visible videos: the top `limit`, ranks from 1, and the
 * window's trending hashtags and creators from its best-scored visible videos. A video without a
 * signed event ranks by its id alone and counts in no hashtag or creator.
 */
export function rankStats(
  source: VideoMetaSource,
  window: TrendingWindow,
  stats: ReadonlyMap<string, WindowVideoStats>,
  hidden: HiddenSet,
  limit: number,
): Omit<RankingResult, 'rowsScanned'> {
  const scored = rankByScore(window, stats);
  const grouped = visibleVideos(source, scored, Math.max(limit, GROUPED_VIDEOS), hidden);

  const { hashtags, creators } = groupTrending(
    grouped.map(({ video, meta }) => ({
      score: video.score,
      views: video.stats.views,
      creatorPubkey: meta.creatorPubkey,
      hashtags: meta.hashtags,
    })),
  );
  const videos = grouped.slice(0, limit).map(({ video, meta }, i): RankedVideo => {
    const acc = video.stats;
    const ranked: RankedVideo = {
      rank: i + 1,
      videoId: video.videoId,
      score: round(video.score),
      views: acc.views,
      uniqueViewers: acc.uniqueViewers,
      avgCompletion: round(averageCompletion(acc)),
      loops: acc.loops,
    };
    if (meta.title) ranked.title = meta.title;
    if (meta.creatorPubkey) ranked.creatorPubkey = meta.creatorPubkey;
    if (meta.hashtags) ranked.hashtags = [...meta.hashtags];
    return ranked;
  });
  return { videos, hashtags, creators };
}
