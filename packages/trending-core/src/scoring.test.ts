import { describe, expect, it } from 'vitest';
import {
  averageCompletion,
  decayWeight,
  eventCompletion,
  isRankable,
  risingBoost,
  round,
  SCORING,
  trendingScore,
  type VideoWindowStats,
} from './scoring.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, type TrendingWindow, WINDOW_SPECS, WINDOWS } from './windows.ts';

/** Sum of decay weights for `views` spread evenly across the window's buckets. */
function evenlyDecayed(window: TrendingWindow, views: number): number {
  const spec = WINDOW_SPECS[window];
  const buckets = spec.durationMs / spec.bucketMs;
  let weight = 0;
  for (let b = 0; b < buckets; b++) weight += decayWeight(window, (b + 0.5) * spec.bucketMs);
  return (views * weight) / buckets;
}

function stats(
  window: TrendingWindow,
  input: {
    views: number;
    uniqueViewers: number;
    baselineViews?: number;
    completion?: number;
    decayedViews?: number;
  },
): VideoWindowStats {
  const completion = input.completion ?? 0.6;
  return {
    views: input.views,
    decayedViews: input.decayedViews ?? evenlyDecayed(window, input.views),
    uniqueViewers: input.uniqueViewers,
    completionSum: completion * input.views,
    completionCount: input.views,
    baselineViews: input.baselineViews ?? 0,
  };
}

function rank(window: TrendingWindow, videos: Record<string, VideoWindowStats>): string[] {
  return Object.entries(videos)
    .filter(([, s]) => isRankable(s))
    .map(([id, s]) => [id, trendingScore(window, s)] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([id]) => id);
}

describe('minimum evidence', () => {
  it('scores 0 and is not rankable with fewer than 5 distinct viewers, however many views', () => {
    for (const window of WINDOWS) {
      const few = stats(window, { views: 10_000, uniqueViewers: SCORING.minUniqueViewers - 1 });
      expect(trendingScore(window, few)).toBe(0);
      expect(isRankable(few)).toBe(false);
    }
  });

  it('ranks from exactly 5 distinct viewers', () => {
    const enough = stats('24h', { views: 5, uniqueViewers: 5 });
    expect(isRankable(enough)).toBe(true);
    expect(trendingScore('24h', enough)).toBeGreaterThan(0);
  });

  it('does not rank a video with viewers but no counted views (only view_start)', () => {
    const started = stats('24h', { views: 0, uniqueViewers: 50 });
    expect(isRankable(started)).toBe(false);
    expect(trendingScore('24h', started)).toBe(0);
  });
});

describe("OpenVine's formula", () => {
  it('is sqrt(views) * avgCompletion * (1 + log2(uniqueViewers + 1)) without decay or boost', () => {
    const s = stats('7d', { views: 16, decayedViews: 16, uniqueViewers: 7, completion: 0.5 });
    expect(trendingScore('7d', s)).toBeCloseTo(4 * 0.5 * (1 + 3), 10);
  });

  it('ranks better-watched videos higher, all else equal', () => {
    const order = rank('24h', {
      skipped: stats('24h', { views: 100, uniqueViewers: 60, completion: 0.2 }),
      watched: stats('24h', { views: 100, uniqueViewers: 60, completion: 0.9 }),
    });
    expect(order).toEqual(['watched', 'skipped']);
  });
});

describe('distinct viewers, not raw events', () => {
  it('one viewer replaying a video cannot rank at all', () => {
    const replayer = stats('24h', { views: 1000, uniqueViewers: 1 });
    expect(trendingScore('24h', replayer)).toBe(0);
  });

  it('a few heavy replayers lose to many distinct viewers with the same view total', () => {
    for (const window of WINDOWS) {
      const order = rank(window, {
        replayers: stats(window, { views: 300, uniqueViewers: 5 }),
        crowd: stats(window, { views: 300, uniqueViewers: 300 }),
      });
      expect(order).toEqual(['crowd', 'replayers']);
    }
  });
});

describe('decay', () => {
  it.each([
    ['1h', 30 * MINUTE_MS],
    ['24h', 6 * HOUR_MS],
    ['7d', 2 * DAY_MS],
  ] as const)('%s halves a view after its half-life of %d ms', (window, halfLife) => {
    expect(WINDOW_SPECS[window].halfLifeMs).toBe(halfLife);
    expect(decayWeight(window, 0)).toBe(1);
    expect(decayWeight(window, halfLife)).toBeCloseTo(0.5, 12);
    expect(decayWeight(window, 2 * halfLife)).toBeCloseTo(0.25, 12);
  });

  it('never weighs a (clock-skewed) future view above 1', () => {
    expect(decayWeight('1h', -10 * MINUTE_MS)).toBe(1);
  });

  it('a burst in the last hour outranks the same views earlier in the day', () => {
    const recent = stats('24h', {
      views: 100,
      uniqueViewers: 80,
      decayedViews: 100 * decayWeight('24h', HOUR_MS),
    });
    const old = stats('24h', {
      views: 100,
      uniqueViewers: 80,
      decayedViews: 100 * decayWeight('24h', 20 * HOUR_MS),
    });
    expect(rank('24h', { old, recent })).toEqual(['recent', 'old']);
  });

  it('keeps relative order as time passes without new events (one shared decay rate)', () => {
    const a = { views: 400, uniqueViewers: 100, ageMs: 3 * HOUR_MS };
    const b = { views: 150, uniqueViewers: 120, ageMs: 30 * MINUTE_MS };
    const ratioAt = (elapsed: number) => {
      const score = (x: typeof a) =>
        trendingScore(
          '24h',
          stats('24h', { ...x, decayedViews: x.views * decayWeight('24h', x.ageMs + elapsed) }),
        );
      return score(a) / score(b);
    };
    expect(ratioAt(2 * HOUR_MS)).toBeCloseTo(ratioAt(0), 10);
    expect(ratioAt(10 * HOUR_MS)).toBeCloseTo(ratioAt(0), 10);
  });
});

describe('rising beats big', () => {
  it('gives a flat video (observed == expected) no boost', () => {
    // 1h: expected = baseline over the previous 24 h, scaled to one hour.
    expect(risingBoost('1h', 50, 50 * 24)).toBe(1);
    // 24h: expected = baseline over the previous 6 days, scaled to one day.
    expect(risingBoost('24h', 700, 700 * 6)).toBe(1);
  });

  it('does not penalise a video that is cooling down', () => {
    expect(risingBoost('1h', 5, 100 * 24)).toBe(1);
  });

  it('boosts a video whose hourly views jump 10x', () => {
    const boost = risingBoost('1h', 200, 20 * 24);
    expect(boost).toBeGreaterThan(5);
    expect(boost).toBeLessThanOrEqual(SCORING.maxRisingBoost);
  });

  it('caps the boost, and smooths tiny counts so 1 -> 5 views is no explosion', () => {
    expect(risingBoost('1h', 100_000, 24)).toBe(SCORING.maxRisingBoost);
    expect(risingBoost('1h', 5, 0)).toBeLessThan(2);
  });

  it('has no boost in 7d (no baseline kept)', () => {
    expect(WINDOW_SPECS['7d'].baselineMs).toBe(0);
    expect(risingBoost('7d', 10_000, 0)).toBe(1);
    expect(risingBoost('7d', 10_000, 10)).toBe(1);
  });

  it('a 10x riser enters the 1h top 10 above ten bigger, flat favourites', () => {
    const videos: Record<string, VideoWindowStats> = {};
    for (let i = 0; i < 10; i++) {
      const views = 300 + i * 100;
      videos[`favourite-${i}`] = stats('1h', {
        views,
        uniqueViewers: Math.round(views * 0.6),
        baselineViews: views * 24,
      });
    }
    // Usually 20 views an hour, 200 in the last one: fewer views than any favourite.
    const riser = stats('1h', { views: 200, uniqueViewers: 150, baselineViews: 20 * 24 });
    const order = rank('1h', { ...videos, riser });
    expect(order.indexOf('riser')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('riser')).toBeLessThan(10);
    expect(order[0]).toBe('riser');

    // The same numbers without the jump (flat at 200 an hour) rank last: the boost is what lifts it.
    const flatTwin = stats('1h', { views: 200, uniqueViewers: 150, baselineViews: 200 * 24 });
    expect(rank('1h', { ...videos, flatTwin }).at(-1)).toBe('flatTwin');
  });

  it('in 7d the same riser stays below bigger videos', () => {
    const big = stats('7d', { views: 1200, uniqueViewers: 720 });
    const riser = stats('7d', { views: 200, uniqueViewers: 150, baselineViews: 20 });
    expect(rank('7d', { big, riser })).toEqual(['big', 'riser']);
  });
});

describe('completion helpers', () => {
  it('averages completion, falls back to 0.5 without data, and clamps to 0..1', () => {
    expect(averageCompletion({ completionSum: 3, completionCount: 4 })).toBe(0.75);
    expect(averageCompletion({ completionSum: 0, completionCount: 0 })).toBe(SCORING.defaultCompletion);
    expect(averageCompletion({ completionSum: 5, completionCount: 4 })).toBe(1);
  });

  it('derives one event completion from watch and duration', () => {
    expect(eventCompletion({ watchMs: 1500, durationMs: 6000 })).toBe(0.25);
    expect(eventCompletion({ completion: 0.9, watchMs: 1500, durationMs: 6000 })).toBe(0.9);
    expect(eventCompletion({ watchMs: 1500 })).toBeUndefined();
  });

  it('rounds for the wire without float noise', () => {
    expect(round(0.1 + 0.2)).toBe(0.3);
    expect(round(2 / 3, 2)).toBe(0.67);
  });
});
