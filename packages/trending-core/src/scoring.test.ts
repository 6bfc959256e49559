import { describe, expect, it } from 'vitest';
import {
  ALGORITHM,
  averageCompletion,
  decayWeight,
  eventCompletion,
  isRankable,
  rankByScore,
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
      const few = stats(window, { views: 10_000, uniqueViewers: 4 });
      expect(trendingScore(window, few)).toBe(0);
      expect(isRankable(few)).toBe(false);
    }
  });

  it('ranks from exactly 5 distinct viewers', () => {
    const enough = stats('24h', { views: 5, uniqueViewers: 5 });
    expect(isRankable(enough)).toBe(true);
    expect(trendingScore('24h', enough)).toBeGreaterThan(0);
  });

  it('scores 0 and is not rankable from fewer than 3 distinct networks, however many viewers', () => {
    for (const window of WINDOWS) {
      const oneNetwork = { ...stats(window, { views: 300, uniqueViewers: 300 }), networks: 2 };
      expect(trendingScore(window, oneNetwork)).toBe(0);
      expect(isRankable(oneNetwork)).toBe(false);
      const three = { ...oneNetwork, networks: 3 };
      expect(isRankable(three)).toBe(true);
      expect(trendingScore(window, three)).toBeGreaterThan(0);
    }
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
    expect(trendingScore('7d', s)).toBe(8); // sqrt(16) * 0.5 * (1 + log2(8)) = 4 * 0.5 * 4
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
    expect(boost).toBeLessThanOrEqual(10);
  });

  it('caps the boost, and smooths tiny counts so 1 -> 5 views is no explosion', () => {
    expect(risingBoost('1h', 100_000, 24)).toBe(10);
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
    expect(averageCompletion({ completionSum: 0, completionCount: 0 })).toBe(0.5);
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

describe('scoring constants (the aggregator applies the per-viewer cap)', () => {
  it('needs 5 distinct viewers from 3 networks, counts 1 view per viewer and arrival hour and 20 new viewers per network and hour, caps the boost at 10', () => {
    expect(SCORING).toEqual({
      minUniqueViewers: 5,
      minDistinctNetworks: 3,
      viewsCapPerViewerHour: 1,
      viewersCapPerNetworkHour: 20,
      defaultCompletion: 0.5,
      risingPrior: 10,
      maxRisingBoost: 10,
    });
    expect(ALGORITHM).toBe('openvine-decay-v1');
  });
});

describe('exact values', () => {
  const plain = (views: number, uniqueViewers: number, extra: Partial<VideoWindowStats> = {}) => ({
    views,
    decayedViews: views,
    uniqueViewers,
    completionSum: views * 0.5,
    completionCount: views,
    baselineViews: 0,
    ...extra,
  });

  it('scores nothing below 5 distinct viewers and from exactly 5 on', () => {
    expect(trendingScore('7d', plain(16, 4))).toBe(0);
    expect(isRankable(plain(16, 4))).toBe(false);
    // sqrt(16) * 0.5 * (1 + log2(5 + 1)) = 2 * (1 + 2.5849625) = 7.169925
    expect(trendingScore('7d', plain(16, 5))).toBeCloseTo(7.169925, 6);
    expect(isRankable(plain(16, 5))).toBe(true);
    expect(isRankable(plain(0, 50))).toBe(false);
  });

  it('decays by the half-life of each window', () => {
    expect(decayWeight('1h', 90 * 60_000)).toBe(0.125); // 3 half-lives of 30 min: 2^-3
    expect(decayWeight('24h', 3 * 3_600_000)).toBeCloseTo(Math.SQRT1_2, 12); // half a 6 h half-life: 2^-0.5 = 1/sqrt(2) = 0.7071...
    expect(decayWeight('7d', 4 * 86_400_000)).toBe(0.25); // 2 half-lives of 2 days
  });

  it('boosts by (views + 10) / (expected + 10), expected scaled from the baseline span', () => {
    // 1h: baseline 480 views over 24 h -> expected 20 in one hour; (200 + 10) / (20 + 10) = 7
    expect(risingBoost('1h', 200, 480)).toBe(7);
    // 24h: baseline 60 views over 6 days -> expected 10 in one day; (100 + 10) / (10 + 10) = 5.5
    expect(risingBoost('24h', 100, 60)).toBe(5.5);
    // no history: (5 + 10) / (0 + 10) = 1.5
    expect(risingBoost('1h', 5, 0)).toBe(1.5);
    // (1000 + 10) / (0 + 10) = 101, capped at 10
    expect(risingBoost('1h', 1000, 0)).toBe(10);
    // cooling down: (5 + 10) / (100 + 10) < 1, floored at 1
    expect(risingBoost('1h', 5, 2400)).toBe(1);
  });

  it('multiplies the formula by the boost', () => {
    // 8 (see above) * (16 + 10) / (0 + 10) = 8 * 2.6
    expect(trendingScore('1h', plain(16, 7))).toBeCloseTo(20.8, 10);
    // baseline 720 over 24 h -> expected 30: (16 + 10) / (30 + 10) < 1 -> no boost
    expect(trendingScore('1h', plain(16, 7, { baselineViews: 720 }))).toBe(8);
  });

  it('clamps an average completion to 0..1 and falls back to 0.5 without data', () => {
    expect(averageCompletion({ completionSum: -1, completionCount: 2 })).toBe(0);
    expect(averageCompletion({ completionSum: 1, completionCount: -1 })).toBe(0.5);
  });

  it('knows no completion without a watch time or with a zero duration', () => {
    expect(eventCompletion({ durationMs: 6000 })).toBeUndefined();
    expect(eventCompletion({ watchMs: 1500, durationMs: 0 })).toBeUndefined();
    expect(eventCompletion({})).toBeUndefined();
    expect(eventCompletion({ watchMs: 0, durationMs: 6000 })).toBe(0);
    expect(eventCompletion({ watchMs: 7000, durationMs: 6000 })).toBe(1);
  });

  it('rounds to 4 digits unless told otherwise', () => {
    expect(round(1.23456)).toBe(1.2346);
    expect(round(1.23456, 1)).toBe(1.2);
  });
});

describe('rankByScore', () => {
  const s = (views: number, decayedViews: number, uniqueViewers = 7): VideoWindowStats => ({
    views,
    decayedViews,
    uniqueViewers,
    completionSum: views,
    completionCount: views,
    baselineViews: 0,
  });

  it('ranks best score first, then more views, then the smaller id, leaving out the unrankable', () => {
    const ranked = rankByScore(
      '7d',
      new Map([
        ['c-tie', s(20, 16)],
        ['low', s(9, 9)],
        ['b-tie', s(20, 16)],
        ['high', s(25, 25)],
        ['more-views', s(40, 16)],
        ['few-viewers', s(1000, 1000, 4)],
      ]),
    );
    // 7d has no boost: score = sqrt(decayedViews) * 1 * (1 + log2(8)) = 4 * sqrt(decayedViews)
    expect(ranked.map((e) => [e.videoId, e.score])).toEqual([
      ['high', 20],
      ['more-views', 16],
      ['b-tie', 16],
      ['c-tie', 16],
      ['low', 12],
    ]);
    expect(ranked[0]?.stats.views).toBe(25);
  });

  it('gives the same order whatever order the videos come in', () => {
    const entries: [string, VideoWindowStats][] = [
      ['a', s(20, 16)],
      ['b', s(20, 16)],
      ['c', s(20, 16)],
    ];
    const forward = rankByScore('7d', new Map(entries)).map((e) => e.videoId);
    const backward = rankByScore('7d', new Map([...entries].reverse())).map((e) => e.videoId);
    expect(forward).toEqual(['a', 'b', 'c']);
    expect(backward).toEqual(['a', 'b', 'c']);
  });
});
