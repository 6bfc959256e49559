import { describe, expect, it } from 'vitest';
import { compareWithRecord } from './record-check.ts';
import type { RankedVideo } from './response-schemas.ts';
import type { VideoWindowStats } from './scoring.ts';

const stats = (views: number, viewers: number): VideoWindowStats => ({
  views,
  decayedViews: views,
  uniqueViewers: viewers,
  completionSum: views,
  completionCount: views,
  baselineViews: 0,
});
const ranked = (videoId: string, views: number, rank: number): RankedVideo => ({
  rank,
  videoId,
  score: 1,
  views,
  uniqueViewers: views,
  avgCompletion: 1,
  loops: 0,
});

describe('compareWithRecord', () => {
  it('reports the overlap, what the live list lacks and how the views compare', () => {
    const record = new Map([
      ['a', stats(100, 50)],
      ['b', stats(60, 30)],
      ['c', stats(40, 20)],
      ['tiny', stats(10, 2)], // under 5 viewers: never ranks, in either store
    ]);
    const result = compareWithRecord('24h', [ranked('a', 90, 1), ranked('c', 36, 2)], record);
    expect(result.record.map((v) => v.videoId)).toEqual(['a', 'b', 'c']);
    expect(result.overlap).toBe(2);
    expect(result.missingFromLive).toEqual(['b']);
    expect(result.viewsRatio).toBe(0.9);
  });

  it('has no ratio when the lists share nothing', () => {
    const result = compareWithRecord('1h', [], new Map([['a', stats(10, 10)]]));
    expect(result).toMatchObject({ overlap: 0, missingFromLive: ['a'], viewsRatio: null });
  });
});

describe('compareWithRecord top', () => {
  it('compares only the first `top` videos of each list', () => {
    const record = new Map([
      ['a', stats(100, 50)],
      ['b', stats(60, 30)],
      ['c', stats(40, 20)],
    ]);
    const live = [ranked('a', 100, 1), ranked('c', 40, 2), ranked('b', 60, 3)];
    const result = compareWithRecord('7d', live, record, 2);
    expect(result.top).toBe(2);
    expect(result.live.map((v) => v.videoId)).toEqual(['a', 'c']);
    expect(result.record.map((v) => v.videoId)).toEqual(['a', 'b']);
    expect(result.overlap).toBe(1);
    expect(result.missingFromLive).toEqual(['b']);
    expect(result.viewsRatio).toBe(1); // a: 100 live / 100 recorded
    // 7d, no boost: sqrt(100) * 1 * (1 + log2(51)) = 10 * 6.6724253 = 66.7243 (4 digits)
    expect(result.record[0]).toEqual({ videoId: 'a', views: 100, uniqueViewers: 50, score: 66.7243 });
  });
});
