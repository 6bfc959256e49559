import * as v from 'valibot';
import { CountSchema, TrendingWindowSchema } from './response-schemas.ts';
import {
  averageCompletion,
  isRankable,
  risingBoost,
  SCORING,
  trendingScore,
  type VideoWindowStats,
} from './scoring.ts';
import { type TrendingWindow, WINDOW_SPECS } from './windows.ts';

const Count = CountSchema;

/**
 * Why a video ranks where it does (`GET /v1/admin/explain`): every part of its score in one
 * window, for ops and for tuning. Computed fresh at `computedAt` from the same totals the ranking
 * reads; `servedRank` is its rank in the snapshot the layers serve now (computed a little earlier).
 */
export const ExplanationSchema = v.object({
  videoId: v.string(),
  window: TrendingWindowSchema,
  computedAt: v.number(),
  /** Rank in a ranking computed now (null: it does not rank, or is hidden). */
  rank: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
  /** Rank in the snapshot being served (null: not in it, or no snapshot yet). */
  servedRank: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
  hidden: v.boolean(),
  /** Has a signed video event (its title, creator and hashtags are shown). */
  signed: v.boolean(),
  score: v.number(),
  parts: v.object({
    /** Counted views in the window (view_end, after the per-viewer cap). */
    views: Count,
    /** Views the caps refused in the window (per viewer, per network). */
    cappedViews: Count,
    /** The counted views, each decayed by its age (the window's half-life). */
    decayedViews: v.number(),
    halfLifeMs: Count,
    /** Distinct viewers counted (after the per-network cap), as the lists show them. */
    uniqueViewers: Count,
    /** Distinct client networks behind them. */
    networks: Count,
    avgCompletion: v.number(),
    completionEvents: Count,
    /** Views in the baseline span before the window, and what they predict for the window. */
    baselineViews: Count,
    expectedViews: v.number(),
    /** Observed over expected, smoothed and clamped (1 = not rising). */
    risingBoost: v.number(),
  }),
  /** What a video needs to rank at all, and whether this one has it. */
  evidence: v.object({
    minUniqueViewers: Count,
    minDistinctNetworks: Count,
    rankable: v.boolean(),
  }),
});
export type Explanation = v.InferOutput<typeof ExplanationSchema>;

/** The query of `GET /v1/admin/explain`. */
export const ExplainQuerySchema = v.object({
  videoId: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hexadecimal characters')),
  window: v.optional(TrendingWindowSchema, '24h'),
});

const NO_STATS: VideoWindowStats = {
  views: 0,
  decayedViews: 0,
  uniqueViewers: 0,
  networks: 0,
  completionSum: 0,
  completionCount: 0,
  baselineViews: 0,
};

/** The score's parts from a video's window totals (none: it has no counted view in the window). */
export function explainStats(
  window: TrendingWindow,
  stats: VideoWindowStats | undefined,
  cappedViews: number,
): Pick<Explanation, 'score' | 'parts' | 'evidence'> {
  const s = stats ?? NO_STATS;
  const spec = WINDOW_SPECS[window];
  return {
    score: trendingScore(window, s),
    parts: {
      views: s.views,
      cappedViews,
      decayedViews: s.decayedViews,
      halfLifeMs: spec.halfLifeMs,
      uniqueViewers: s.uniqueViewers,
      networks: s.networks ?? 0,
      avgCompletion: averageCompletion(s),
      completionEvents: s.completionCount,
      baselineViews: s.baselineViews,
      expectedViews: spec.baselineMs > 0 ? (s.baselineViews * spec.durationMs) / spec.baselineMs : 0,
      risingBoost: risingBoost(window, s.views, s.baselineViews),
    },
    evidence: {
      minUniqueViewers: SCORING.minUniqueViewers,
      minDistinctNetworks: SCORING.minDistinctNetworks,
      rankable: isRankable(s),
    },
  };
}
