import { describe, expect, it } from 'vitest';
import { toClientVinesResponse, toTrendingVideosResponse } from './responses.ts';
import type { RankedVideo, TrendingSnapshot } from './schemas.ts';
import { ALGORITHM } from './scoring.ts';

const COMPUTED_AT = Date.UTC(2025, 11, 13, 19, 30, 0, 250);

function video(rank: number, extra: Partial<RankedVideo> = {}): RankedVideo {
  return {
    rank,
    videoId: rank.toString(16).padStart(64, '0'),
    score: 100 / rank,
    views: 1000 / rank,
    uniqueViewers: 700 / rank,
    avgCompletion: 0.61,
    loops: rank,
    ...extra,
  };
}

function snapshot(count: number, window: TrendingSnapshot['window'] = '1h'): TrendingSnapshot {
  return {
    window,
    generation: 4,
    computedAt: COMPUTED_AT,
    computeMs: 12,
    videos: Array.from({ length: count }, (_, i) => video(i + 1)),
  };
}

describe('toTrendingVideosResponse (/v1)', () => {
  it('echoes window and limit and reports generatedAt as the ISO time of computedAt', () => {
    const body = toTrendingVideosResponse(snapshot(30, '7d'), 10);
    expect(body.window).toBe('7d');
    expect(body.limit).toBe(10);
    expect(body.generatedAt).toBe('2025-12-13T19:30:00.250Z');
    expect(Date.parse(body.generatedAt)).toBe(COMPUTED_AT);
  });

  it('slices the top list to the limit, keeping rank order', () => {
    const body = toTrendingVideosResponse(snapshot(100), 20);
    expect(body.videos).toHaveLength(20);
    expect(body.videos.map((v) => v.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('returns every video when fewer than the limit are rankable', () => {
    expect(toTrendingVideosResponse(snapshot(3), 50).videos).toHaveLength(3);
  });
});

describe('toClientVinesResponse (OpenVine mobile client)', () => {
  it('serialises views and uniqueViewers as JSON integers', () => {
    const snap = snapshot(1);
    snap.videos = [
      video(1, { views: 12.7, uniqueViewers: 7.4 }),
      video(2, { views: 12.0, uniqueViewers: 9 }),
    ];
    const body = toClientVinesResponse(snap, 20);
    for (const vine of body.vines) {
      expect(Number.isInteger(vine.views)).toBe(true);
      expect(Number.isInteger(vine.uniqueViewers)).toBe(true);
    }
    const wire = JSON.parse(JSON.stringify(body)) as typeof body;
    expect(wire.vines[0]).toMatchObject({ views: 12, uniqueViewers: 7 });
    expect(JSON.stringify(body)).not.toMatch(/"views":\d+\.\d/);
  });

  it('maps videoId to eventId and repeats avgCompletion as completionRate', () => {
    const body = toClientVinesResponse(snapshot(5), 5);
    body.vines.forEach((vine, i) => {
      expect(vine.eventId).toBe(video(i + 1).videoId);
      expect(vine.completionRate).toBe(vine.avgCompletion);
      expect(vine.avgCompletion).toBe(0.61);
    });
  });

  it('echoes the window as period, counts totalVines, and stamps epoch-ms updatedAt', () => {
    const body = toClientVinesResponse(snapshot(100, '24h'), 25);
    expect(body.period).toBe('24h');
    expect(body.vines).toHaveLength(25);
    expect(body.totalVines).toBe(body.vines.length);
    expect(body.updatedAt).toBe(COMPUTED_AT);
    expect(body.algorithm).toBe(ALGORITHM);
  });

  it('keeps title, creatorPubkey and hashtags when known and omits them otherwise', () => {
    const snap = snapshot(0);
    snap.videos = [
      video(1, { title: 'Tiny cat', creatorPubkey: 'f'.repeat(64), hashtags: ['cats'] }),
      video(2),
    ];
    const [withMeta, withoutMeta] = toClientVinesResponse(snap, 10).vines;
    expect(withMeta).toMatchObject({ title: 'Tiny cat', creatorPubkey: 'f'.repeat(64), hashtags: ['cats'] });
    expect(withoutMeta).not.toHaveProperty('title');
    expect(withoutMeta).not.toHaveProperty('creatorPubkey');
    expect(withoutMeta).not.toHaveProperty('hashtags');
  });

  it('answers an empty list with totalVines 0', () => {
    const body = toClientVinesResponse(snapshot(0), 20);
    expect(body.vines).toEqual([]);
    expect(body.totalVines).toBe(0);
  });
});
