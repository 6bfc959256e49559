import {
  averageCompletion,
  compareRank,
  GROUPED_VIDEOS,
  groupTrending,
  type HiddenSet,
  isHidden,
  LIMITS,
  MAX_LIMIT,
  NOTHING_HIDDEN,
  type RankedVideo,
  type RankKey,
  rankByScore,
  round,
  SCORING,
  type ScoredEntry,
  type TrendingCreator,
  type TrendingHashtag,
  type TrendingWindow,
  type VideoMetadata,
  withVideoAddresses,
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
  const { candidates, rowsScanned } = shardRanking(
    rollups,
    meta,
    { window, now, count: candidateCount(limit) },
    hidden,
  );
  return { ...labelRanking(candidates, limit), rowsScanned };
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
  const { candidates, rowsScanned } = shardRanking(
    rollups,
    meta,
    { window, now, count: candidateCount(limit), rescan: true },
    hidden,
  );
  return { ...labelRanking(candidates, limit), rowsScanned };
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
    address: signed?.address,
    title: signed?.title,
    creatorPubkey: signed?.creatorPubkey,
    hashtags: signed?.hashtags.length ? signed.hashtags : undefined,
  };
}

type Scored = ScoredEntry<WindowVideoStats>;

/**
 * `hidden` with the addresses this object knows its hidden video ids by: a video hidden by one
 * version's id leaves out every version of it, those posted after the hide too. The hide stored
 * the address when it was known then (moderation.ts); an id hidden before its event arrived, or
 * whose address the hide could not reach, is looked up here (none when no video is hidden).
 */
export function withHiddenAddresses(source: VideoMetaSource, hidden: HiddenSet): HiddenSet {
  if (hidden.videos.size === 0) return hidden;
  // In reads of LIMITS.rowsPerCall ids: the hidden list has no bound, one SQL value has (2 MB).
  const ids = [...hidden.videos];
  const addresses: string[] = [];
  for (let from = 0; from < ids.length; from += LIMITS.rowsPerCall)
    for (const meta of source.videoMeta(ids.slice(from, from + LIMITS.rowsPerCall)).values())
      addresses.push(meta.address);
  return withVideoAddresses(hidden, addresses);
}

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
 * A visible video as a window's ranking sees it before ranks are given: its raw score (merged
 * across shards by it, then rounded for the wire) and what its ranked row and its hashtag and
 * creator groups need. A shard's ranking is a list of these, best first (shard-merge.ts).
 */
export interface RankCandidate extends Omit<RankedVideo, 'rank' | 'score'> {
  score: number;
}

/**
 * A window's best `count` visible videos, best first (rankByScore's order: score, views, id).
 * Hidden videos are left out before the count, so a merge of several shards' candidates loses
 * nothing to moderation.
 */
export function rankCandidates(
  source: VideoMetaSource,
  window: TrendingWindow,
  stats: ReadonlyMap<string, WindowVideoStats>,
  hidden: HiddenSet,
  count: number,
  atLeast?: RankKey,
): RankCandidate[] {
  const scored = rankByScore(window, stats);
  const eligible = atLeast ? scored.slice(0, rankedUpTo(scored, atLeast)) : scored;
  return visibleVideos(source, eligible, count, withHiddenAddresses(source, hidden)).map(
    ({ video, meta }) => {
      const acc = video.stats;
      const candidate: RankCandidate = {
        videoId: video.videoId,
        score: video.score,
        views: acc.views,
        uniqueViewers: acc.uniqueViewers,
        avgCompletion: round(averageCompletion(acc)),
        loops: acc.loops,
      };
      if (meta.title) candidate.title = meta.title;
      if (meta.creatorPubkey) candidate.creatorPubkey = meta.creatorPubkey;
      if (meta.hashtags) candidate.hashtags = [...meta.hashtags];
      return candidate;
    },
  );
}

/** How many of `scored` (best first) rank before `key` or are it. */
function rankedUpTo(scored: readonly Scored[], key: RankKey): number {
  let n = 0;
  for (const s of scored) {
    if (compareRank(s.score, s.stats.views, s.videoId, key.score, key.views, key.videoId) > 0) break;
    n++;
  }
  return n;
}

/** How many candidates a ranking needs: the top `limit` and the videos its groups are drawn from. */
export function candidateCount(limit: number): number {
  return Math.max(limit, GROUPED_VIDEOS);
}

/**
 * Ranks and labels candidates (best first): the top `limit` with ranks from 1, and the window's
 * trending hashtags and creators from the best GROUPED_VIDEOS of them. A video without a signed
 * event ranks by its id alone and counts in no hashtag or creator.
 */
export function labelRanking(
  candidates: readonly RankCandidate[],
  limit: number,
): Omit<RankingResult, 'rowsScanned'> {
  const { hashtags, creators } = groupTrending(candidates);
  const videos = candidates.slice(0, limit).map((c, i): RankedVideo => {
    // The wire's key order, as before shards: rank first.
    const ranked: RankedVideo = {
      rank: i + 1,
      videoId: c.videoId,
      score: round(c.score),
      views: c.views,
      uniqueViewers: c.uniqueViewers,
      avgCompletion: c.avgCompletion,
      loops: c.loops,
    };
    if (c.title) ranked.title = c.title;
    if (c.creatorPubkey) ranked.creatorPubkey = c.creatorPubkey;
    if (c.hashtags) ranked.hashtags = c.hashtags;
    return ranked;
  });
  return { videos, hashtags, creators };
}

/** Scores, orders and labels a window's visible videos (rankCandidates, then labelRanking). */
export function rankStats(
  source: VideoMetaSource,
  window: TrendingWindow,
  stats: ReadonlyMap<string, WindowVideoStats>,
  hidden: HiddenSet,
  limit: number,
): Omit<RankingResult, 'rowsScanned'> {
  return labelRanking(rankCandidates(source, window, stats, hidden, candidateCount(limit)), limit);
}

/**
 * One object's part of a window's ranking (a shard's, or the whole of an unsharded object's): its
 * best `count` visible candidates, from the running totals or a full rescan.
 */
export function shardRanking(
  rollups: Rollups,
  meta: VideoMetaSource,
  request: { window: TrendingWindow; now: number; count: number; rescan?: boolean; atLeast?: RankKey },
  hidden: HiddenSet,
): { candidates: RankCandidate[]; rowsScanned: number } {
  const { window, now } = request;
  const { stats, rowsRead } = request.rescan
    ? rescanWindowStats(rollups, window, now)
    : rollups.windowStats(window, now, SCORING.minUniqueViewers);
  return {
    candidates: rankCandidates(meta, window, stats, hidden, request.count, request.atLeast),
    rowsScanned: rowsRead,
  };
}
