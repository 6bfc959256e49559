import type {
  ClientCreatorsResponse,
  ClientHashtagsResponse,
  ClientVinesResponse,
  TrendingVideosResponse,
} from '@openvine/trending-core';
import { pubkeyFromSeed } from '@openvine/trending-core/nostr-signing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  countedOutcome,
  newAggregator,
  postAudience,
  refresh,
  registerVideos,
  seedDemo,
  signedVideo,
  viewEnd,
} from '../testing.ts';

describe('GET /v1/trending/videos on seeded demo data', () => {
  const aggregator = newAggregator();
  beforeAll(async () => {
    await seedDemo(aggregator);
  });

  it('returns ranks 1..10 with descending scores and titles', async () => {
    const res = await api(aggregator, '/v1/trending/videos?window=24h&limit=10');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as TrendingVideosResponse;
    expect(body.window).toBe('24h');
    expect(body.limit).toBe(10);
    expect(Number.isNaN(Date.parse(body.generatedAt))).toBe(false);
    expect(body.videos.map((v) => v.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 1; i < body.videos.length; i++) {
      expect(body.videos[i - 1]?.score).toBeGreaterThanOrEqual(
        body.videos[i]?.score ?? Number.POSITIVE_INFINITY,
      );
    }
    for (const video of body.videos) {
      expect(video.videoId).toMatch(/^[0-9a-f]{64}$/);
      expect(video.title).toBeTruthy();
      expect(video.uniqueViewers).toBeGreaterThanOrEqual(5);
      expect(video.avgCompletion).toBeGreaterThan(0);
      expect(video.avgCompletion).toBeLessThanOrEqual(1);
    }
  });

  it('gives different lists for 1h, 24h and 7d', async () => {
    const lists = await Promise.all(
      ['1h', '24h', '7d'].map(async (window) => {
        const res = await api(aggregator, `/v1/trending/videos?window=${window}&limit=10`);
        const body = (await res.json()) as TrendingVideosResponse;
        return body.videos.map((v) => v.videoId).join(',');
      }),
    );
    expect(new Set(lists).size).toBe(3);
  });

  it('defaults to 24h and 20 and ignores unknown parameters', async () => {
    const res = await api(aggregator, '/v1/trending/videos?utm_source=x');
    const body = (await res.json()) as TrendingVideosResponse;
    expect(body.window).toBe('24h');
    expect(body.limit).toBe(20);
    expect(body.videos).toHaveLength(20);
  });

  it('slices every limit from the same ranking', async () => {
    const ten = (await (
      await api(aggregator, '/v1/trending/videos?window=7d&limit=10')
    ).json()) as TrendingVideosResponse;
    const fifty = (await (
      await api(aggregator, '/v1/trending/videos?window=7d&limit=50')
    ).json()) as TrendingVideosResponse;
    expect(fifty.videos.slice(0, 10)).toEqual(ten.videos);
  });

  it('answers with the cache headers and a working ETag', async () => {
    const res = await api(aggregator, '/v1/trending/videos?window=24h&limit=10');
    expect(res.headers.get('cache-control')).toBe(
      'public, max-age=60, s-maxage=300, stale-while-revalidate=240',
    );
    expect(res.headers.get('cdn-cache-control')).toBeTruthy();
    expect(res.headers.get('cloudflare-cdn-cache-control')).toBeTruthy();
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-cache')).toMatch(/^(HIT-MEMORY|HIT-EDGE|HIT-DO|HIT-KV|MISS)(, STALE)?$/);
    expect(res.headers.get('server-timing')).toContain('total;dur=');
    expect(Number(res.headers.get('age'))).toBeGreaterThanOrEqual(0);
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await api(aggregator, '/v1/trending/videos?window=24h&limit=10', {
      headers: { 'if-none-match': etag ?? '' },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });
});

describe('a new video with 100 fully watched views', () => {
  const aggregator = newAggregator();
  const video = signedVideo(`new-video:${crypto.randomUUID()}`, { title: 'Brand new' });
  const videoId = video.id;
  const events = Array.from({ length: 100 }, (_, i) =>
    viewEnd(videoId, `viewer-${i}`, { idempotencyKey: `new-video-${videoId}-${i}` }),
  );

  beforeAll(async () => {
    await seedDemo(aggregator);
    await registerVideos(aggregator, [video]);
  });

  it('ranks first in the 1h window after the next refresh, and a replay changes nothing', async () => {
    const first = await countedOutcome(aggregator, () => postAudience(aggregator, events));
    expect(first).toEqual({ accepted: 100, duplicates: 0 });
    await refresh(aggregator, '1h');
    const ranked = (await (
      await api(aggregator, '/v1/trending/videos?window=1h&limit=10')
    ).json()) as TrendingVideosResponse;
    expect(ranked.videos[0]).toMatchObject({
      videoId,
      views: 100,
      uniqueViewers: 100,
      avgCompletion: 1,
      title: 'Brand new',
    });

    const replay = await countedOutcome(aggregator, () => postAudience(aggregator, events));
    expect(replay).toEqual({ accepted: 0, duplicates: 100 });
    await refresh(aggregator, '1h');
    const after = (await (
      await api(aggregator, '/v1/trending/videos?window=1h&limit=10')
    ).json()) as TrendingVideosResponse;
    expect(after.videos[0]).toMatchObject({ videoId, views: 100, uniqueViewers: 100 });
  });
});

describe('GET /analytics/trending/vines (the OpenVine app)', () => {
  const aggregator = newAggregator();
  beforeAll(async () => {
    await seedDemo(aggregator);
  });

  it('answers what the mobile app parses', async () => {
    const res = await api(aggregator, '/analytics/trending/vines?window=7d&limit=100');
    expect(res.status).toBe(200);
    const body = (await res.json()) as ClientVinesResponse;
    expect(body.period).toBe('7d');
    expect(body.vines.length).toBeGreaterThan(10);
    expect(body.vines.length).toBeLessThanOrEqual(100);
    expect(body.totalVines).toBe(body.vines.length);
    expect(typeof body.algorithm).toBe('string');
    expect(Number.isInteger(body.updatedAt)).toBe(true);
    expect(Math.abs(Date.now() - body.updatedAt)).toBeLessThan(60_000);
    for (const vine of body.vines) {
      expect(typeof vine.eventId).toBe('string');
      expect(Number.isInteger(vine.views)).toBe(true);
      expect(Number.isInteger(vine.uniqueViewers)).toBe(true);
      expect(typeof vine.score).toBe('number');
      expect(vine.completionRate).toBe(vine.avgCompletion);
    }
  });

  it('clamps limit instead of rejecting it, and defaults like the old backend', async () => {
    const huge = (await (
      await api(aggregator, '/analytics/trending/vines?window=7d&limit=10000')
    ).json()) as ClientVinesResponse;
    expect(huge.vines.length).toBeLessThanOrEqual(100);
    expect(huge.vines.length).toBeGreaterThan(20);
    const zero = (await (
      await api(aggregator, '/analytics/trending/vines?window=7d&limit=0')
    ).json()) as ClientVinesResponse;
    expect(zero.vines).toHaveLength(1);
    const none = (await (await api(aggregator, '/analytics/trending/vines')).json()) as ClientVinesResponse;
    expect(none.period).toBe('24h');
    expect(none.vines).toHaveLength(20);
  });

  it('rejects an unknown window with 400', async () => {
    const res = await api(aggregator, '/analytics/trending/vines?window=2h');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('invalid_request');
  });
});

describe('GET /analytics/trending/hashtags and /creators (the OpenVine app)', () => {
  const aggregator = newAggregator();
  // Each creator a key of this file's own; each video its signed event (the only metadata source).
  const aliceKey = `trending-test:alice:${crypto.randomUUID()}`;
  const bobKey = `trending-test:bob:${crypto.randomUUID()}`;
  const alice = pubkeyFromSeed(aliceKey);
  const bob = pubkeyFromSeed(bobKey);
  const signed = (key: string, d: string, hashtags: string[]) => signedVideo(key, { d, hashtags });
  const events = {
    a1: signed(aliceKey, 'a1', ['vine', 'cats']),
    a2: signed(aliceKey, 'a2', ['#Vine']),
    b1: signed(bobKey, 'b1', ['dogs']),
  };
  const videos = {
    // Alice: two videos tagged #vine (one also #cats), 30 and 10 viewers; Bob: one, 20 viewers.
    a1: { id: events.a1.id, viewers: 30 },
    a2: { id: events.a2.id, viewers: 10 },
    b1: { id: events.b1.id, viewers: 20 },
  };
  beforeAll(async () => {
    await registerVideos(aggregator, Object.values(events));
    for (const v of Object.values(videos)) {
      const events = Array.from({ length: v.viewers }, (_, i) =>
        viewEnd(v.id, `viewer-${v.id.slice(0, 6)}-${i}`),
      );
      expect((await postAudience(aggregator, events)).status).toBe(202);
    }
    await refresh(aggregator, '24h', '7d');
  });

  it('sums views and counts videos per hashtag, averages their scores, in the shape the app parses', async () => {
    const res = await api(aggregator, '/analytics/trending/hashtags?window=24h&limit=50');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toMatch(/^(MISS|HIT-DO)$/);
    const body = (await res.json()) as ClientHashtagsResponse;
    expect(body.period).toBe('24h');
    // Ranked by the summed score of their videos: #cats' one video has more viewers than #dogs'.
    expect(body.hashtags.map((h) => h.tag)).toEqual(['vine', 'cats', 'dogs']);
    const ranked = (
      (await (
        await api(aggregator, '/v1/trending/videos?window=24h&limit=10')
      ).json()) as TrendingVideosResponse
    ).videos;
    const score = (id: string) => ranked.find((v) => v.videoId === id)?.score ?? Number.NaN;
    expect(body.hashtags[0]).toEqual({
      tag: 'vine',
      views: 40,
      videoCount: 2,
      avgViralScore: expect.closeTo((score(videos.a1.id) + score(videos.a2.id)) / 2, 3),
    });
    expect(body.hashtags[1]).toMatchObject({ tag: 'cats', views: 30, videoCount: 1 });
    expect(body.hashtags[2]).toMatchObject({ tag: 'dogs', views: 20, videoCount: 1 });
    for (const h of body.hashtags) {
      expect(Number.isInteger(h.views)).toBe(true);
      expect(Number.isInteger(h.videoCount)).toBe(true);
      expect(typeof h.avgViralScore).toBe('number');
    }
    expect(body.totalHashtags).toBe(3);
    // Served again from the isolate's memory, like every trending read.
    const again = await api(aggregator, '/analytics/trending/hashtags?window=24h&limit=50');
    expect(again.headers.get('x-cache')).toBe('HIT-MEMORY');
  });

  it('ranks creators by their videos, with integer totals', async () => {
    const res = await api(aggregator, '/analytics/trending/creators?window=7d&limit=50');
    expect(res.status).toBe(200);
    const body = (await res.json()) as ClientCreatorsResponse;
    expect(body.period).toBe('7d');
    expect(body.creators).toEqual([
      expect.objectContaining({ pubkey: alice, totalViews: 40, videoCount: 2 }),
      expect.objectContaining({ pubkey: bob, totalViews: 20, videoCount: 1 }),
    ]);
    expect(body.totalCreators).toBe(2);
  });

  it('clamps limit, defaults like the vines route, and rejects an unknown window', async () => {
    const one = (await (
      await api(aggregator, '/analytics/trending/hashtags?window=24h&limit=0')
    ).json()) as ClientHashtagsResponse;
    expect(one.hashtags.map((h) => h.tag)).toEqual(['vine']);
    const none = (await (
      await api(aggregator, '/analytics/trending/creators')
    ).json()) as ClientCreatorsResponse;
    expect(none.period).toBe('24h');
    const bad = await api(aggregator, '/analytics/trending/creators?window=2h');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  });
});
