import { type TrendingWindow, WINDOW_SPECS } from './windows.ts';

/**
 * Ranking rules, after OpenVine's formula and what production trending systems learned:
 * - a view is a `view_end`; each viewer's views of a video count at most VIEWS_CAP_PER_VIEWER_HOUR
 *   per hour (replay loops cannot buy rank), and distinct viewers weigh in logarithmically;
 * - a video needs MIN_UNIQUE_VIEWERS distinct viewers before it can rank at all, from at least
 *   MIN_DISTINCT_NETWORKS distinct client networks (clientNetwork: a /24 or /48), and each network
 *   adds at most VIEWERS_CAP_PER_NETWORK_HOUR new viewers per video per hour (docs/scoring.md):
 *   viewer ids are the client's word, its network is not;
 * - the per-viewer cap counts by arrival (server) hour, not by the client's timestamp, so
 *   backdating a replay into 169 different hours cannot multiply it;
 * - views decay exponentially with one half-life per window, so relative order changes only
 *   when events arrive;
 * - rising beats big: observed views are compared with the video's own expected views (its
 *   baseline rate before the window), and the ratio boosts the score up to MAX_RISING_BOOST.
 */
export const SCORING = {
  minUniqueViewers: 5,
  /**
   * Distinct client networks a video's counted viewers must come from before it can rank: one
   * sender holds one network cheaply, three takes three real blocks. A real audience of even a
   * few dozen people spans more (home broadband, mobile carriers and offices are different
   * blocks), so only an audience from one or two blocks, all of it, waits.
   */
  minDistinctNetworks: 3,
  /**
   * Counted views of one viewer per video per arrival hour: the design caps a viewer's
   * contribution per window, and a replayer's capped views are all fresh (full weight under the
   * decay), so more than 1 let one viewer's replays move a 24h rank 50 by 3 ranks (T2 of the
   * ranking harness, docs/scoring.md). Rewatching within the hour shows in `loops`, not the score.
   */
  viewsCapPerViewerHour: 1,
  /**
   * New distinct viewers one client network adds to a video per arrival hour, to the score and
   * to the shown uniqueViewers; more from it that hour count nothing. A /24 behind a carrier NAT
   * or a campus is many real people, so the cap is not 1 (and a carrier's NAT pool is many /24s,
   * so its few hundred viewers of one video count whole); 20 is above what one block of an
   * organic audience brings to one new video in an hour (a few hundred real viewers of a video
   * come from well over a dozen blocks), and below what makes invented ids worth sending: a
   * sender must hold MIN_DISTINCT_NETWORKS blocks to rank at all, and then buys 20 viewers an
   * hour per block.
   */
  viewersCapPerNetworkHour: 20,
  /** Used when no event of a video carried completion data. */
  defaultCompletion: 0.5,
  /** Pseudo-views added to both sides of observed/expected, so tiny counts cannot explode. */
  risingPrior: 10,
  maxRisingBoost: 10,
} as const;

export const ALGORITHM = 'openvine-decay-v1';

/** Weight of a view `ageMs` old in a window: 1 now, 1/2 after one half-life. */
export function decayWeight(window: TrendingWindow, ageMs: number): number {
  return 2 ** (-Math.max(0, ageMs) / WINDOW_SPECS[window].halfLifeMs);
}

export interface VideoWindowStats {
  /** Counted views (view_end, capped per viewer) inside the window. */
  views: number;
  /** The same views, each weighted by decayWeight(age). */
  decayedViews: number;
  /** Distinct viewers inside the window (exact). */
  uniqueViewers: number;
  /**
   * Distinct client networks of the counted viewers inside the window. Undefined where the source
   * does not know them (the Analytics Engine record's videos whose points predate its network).
   */
  networks?: number;
  completionSum: number;
  completionCount: number;
  /** Views in the baseline span before the window (0 when the window has no baseline). */
  baselineViews: number;
}

export function averageCompletion(
  stats: Pick<VideoWindowStats, 'completionSum' | 'completionCount'>,
): number {
  if (stats.completionCount <= 0) return SCORING.defaultCompletion;
  return Math.min(1, Math.max(0, stats.completionSum / stats.completionCount));
}

/** Observed over expected, smoothed and clamped to [1, maxRisingBoost]. */
export function risingBoost(window: TrendingWindow, views: number, baselineViews: number): number {
  const spec = WINDOW_SPECS[window];
  if (spec.baselineMs <= 0) return 1;
  const expected = (baselineViews * spec.durationMs) / spec.baselineMs;
  const ratio = (views + SCORING.risingPrior) / (expected + SCORING.risingPrior);
  return Math.min(SCORING.maxRisingBoost, Math.max(1, ratio));
}

/** OpenVine's sqrt(views) * avgCompletion * (1 + log2(uniqueViewers + 1)), decayed and boosted. */
export function trendingScore(window: TrendingWindow, stats: VideoWindowStats): number {
  if (!isRankable(stats)) return 0;
  const base =
    Math.sqrt(stats.decayedViews) * averageCompletion(stats) * (1 + Math.log2(stats.uniqueViewers + 1));
  return base * risingBoost(window, stats.views, stats.baselineViews);
}

/** Whether a video may appear in a ranked list at all. */
export function isRankable(stats: VideoWindowStats): boolean {
  return (
    stats.uniqueViewers >= SCORING.minUniqueViewers &&
    (stats.networks ?? SCORING.minDistinctNetworks) >= SCORING.minDistinctNetworks &&
    stats.views > 0
  );
}

/** Completion of one event: given, else min(watch / duration, 1), else unknown. */
export function eventCompletion(input: {
  completion?: number | undefined;
  watchMs?: number | undefined;
  durationMs?: number | undefined;
}): number | undefined {
  if (input.completion !== undefined) return input.completion;
  if (input.watchMs !== undefined && input.durationMs !== undefined && input.durationMs > 0) {
    return Math.min(input.watchMs / input.durationMs, 1);
  }
  return undefined;
}

/** Rounds for the wire: stable JSON, no float noise. */
export function round(value: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A video with its window stats and score, as ranked. */
export interface ScoredEntry<S extends VideoWindowStats> {
  videoId: string;
  score: number;
  stats: S;
}

/** Where a video stands in a ranking: its score, then its views, then its id break ties. */
export interface RankKey {
  score: number;
  views: number;
  videoId: string;
}

/**
 * The one ranking order, of one object and of a shards' merge alike: negative when (aScore,
 * aViews, aId) ranks before (bScore, bViews, bId), 0 when they are the same. By fields, so that a
 * sort or a scan over many entries compares without building a key for each.
 */
export function compareRank(
  aScore: number,
  aViews: number,
  aId: string,
  bScore: number,
  bViews: number,
  bId: string,
): number {
  if (aScore !== bScore) return bScore - aScore;
  if (aViews !== bViews) return bViews - aViews;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

/** compareRank of two keys. */
export function compareRankKeys(a: RankKey, b: RankKey): number {
  return compareRank(a.score, a.views, a.videoId, b.score, b.views, b.videoId);
}

/**
 * The rankable videos of a window, best first (compareRank): the same data always gives the
 * same order.
 */
export function rankByScore<S extends VideoWindowStats>(
  window: TrendingWindow,
  stats: ReadonlyMap<string, S>,
): ScoredEntry<S>[] {
  const scored: ScoredEntry<S>[] = [];
  for (const [videoId, s] of stats) {
    if (isRankable(s)) scored.push({ videoId, score: trendingScore(window, s), stats: s });
  }
  return scored.sort((a, b) =>
    compareRank(a.score, a.stats.views, a.videoId, b.score, b.stats.views, b.videoId),
  );
}

/** A video's window stats with its loops (shown, not scored). */
export interface BucketedVideoStats extends VideoWindowStats {
  loops: number;
}

/** One rollup bucket of a video: counted views and what came with them. */
export interface ViewBucket {
  videoId: string;
  /** Start of the bucket (epoch ms); its views are decayed from its middle. */
  bucketStartMs: number;
  views: number;
  completionSum: number;
  completionCount: number;
  loops: number;
}

/**
 * Adds a bucket to the per-video stats of a window at `now` (how a rescan ranks, from rollups or
 * from the Analytics Engine record): a bucket whose middle is still ahead weighs 1, not more.
 * Distinct viewers, networks and baselines are set by the caller.
 */
export function addBucket(
  stats: Map<string, BucketedVideoStats>,
  window: TrendingWindow,
  now: number,
  bucket: ViewBucket,
): void {
  let s = stats.get(bucket.videoId);
  if (!s) {
    s = {
      views: 0,
      decayedViews: 0,
      uniqueViewers: 0,
      completionSum: 0,
      completionCount: 0,
      baselineViews: 0,
      loops: 0,
    };
    stats.set(bucket.videoId, s);
  }
  const mid = bucket.bucketStartMs + WINDOW_SPECS[window].bucketMs / 2;
  s.views += bucket.views;
  s.decayedViews += bucket.views * decayWeight(window, now - Math.min(now, mid));
  s.completionSum += bucket.completionSum;
  s.completionCount += bucket.completionCount;
  s.loops += bucket.loops;
}
