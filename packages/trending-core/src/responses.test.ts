import { describe, expect, it } from 'vitest';
import type { RankedVideo, TrendingSnapshot } from './response-schemas.ts';
import {
  toClientCreatorsResponse,
  toClientHashtagsResponse,
  toClientVinesResponse,
  toTrendingVideosResponse,
} from './responses.ts';
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

describe('toClientHashtagsResponse and toClientCreatorsResponse (OpenVine mobile client)', () => {
  const grouped: TrendingSnapshot = {
    ...snapshot(0, '7d'),
    hashtags: [
      { tag: 'cats', views: 120.6, videoCount: 3, avgViralScore: 4.25 },
      { tag: 'dogs', views: 80, videoCount: 2.2, avgViralScore: 3.5 },
      { tag: 'vine', views: 10, videoCount: 1, avgViralScore: 1 },
    ],
    creators: [
      { pubkey: 'a'.repeat(64), totalViews: 99.9, videoCount: 4, avgViralScore: 2.5 },
      { pubkey: 'b'.repeat(64), totalViews: 50, videoCount: 1, avgViralScore: 7 },
    ],
  };

  it('slices hashtags to the limit, with integer views and videoCount', () => {
    expect(toClientHashtagsResponse(grouped, 2)).toEqual({
      hashtags: [
        { tag: 'cats', views: 120, videoCount: 3, avgViralScore: 4.25 },
        { tag: 'dogs', views: 80, videoCount: 2, avgViralScore: 3.5 },
      ],
      algorithm: 'openvine-decay-v1',
      updatedAt: COMPUTED_AT,
      period: '7d',
      totalHashtags: 2,
    });
  });

  it('slices creators to the limit, with integer totalViews and videoCount', () => {
    expect(toClientCreatorsResponse(grouped, 10)).toEqual({
      creators: [
        { pubkey: 'a'.repeat(64), totalViews: 99, videoCount: 4, avgViralScore: 2.5 },
        { pubkey: 'b'.repeat(64), totalViews: 50, videoCount: 1, avgViralScore: 7 },
      ],
      algorithm: 'openvine-decay-v1',
      updatedAt: COMPUTED_AT,
      period: '7d',
      totalCreators: 2,
    });
  });

  it('cuts creators to the limit', () => {
    expect(toClientCreatorsResponse(grouped, 1)).toMatchObject({
      creators: [{ pubkey: 'a'.repeat(64) }],
      totalCreators: 1,
    });
  });

  it('answers empty lists for a snapshot from before hashtags and creators were kept', () => {
    const older = snapshot(3, '1h');
    expect(toClientHashtagsResponse(older, 20)).toMatchObject({
      hashtags: [],
      totalHashtags: 0,
      period: '1h',
    });
    expect(toClientCreatorsResponse(older, 20)).toMatchObject({
      creators: [],
      totalCreators: 0,
      period: '1h',
    });
  });
});
