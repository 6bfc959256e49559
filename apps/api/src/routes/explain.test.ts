// GET /v1/admin/explain: why a video ranks where it does, from the totals the ranking reads.
import type { Explanation, TrendingVideosResponse } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  adminPost,
  api,
  newAggregator,
  postAudience,
  postJson,
  refresh,
  registerVideos,
  signedVideo,
  viewEnd,
} from '../testing.ts';

const asAdmin = { headers: { authorization: 'Bearer test-admin-token' } };

async function explain(aggregator: string, videoId: string, window = '24h'): Promise<Explanation> {
  const res = await api(aggregator, `/v1/admin/explain?videoId=${videoId}&window=${window}`, asAdmin);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Explanation;
}

/** A signed video watched by `viewers` people, each from their own address. */
async function watchedVideo(aggregator: string, viewers: number) {
  const event = signedVideo(`explain:${crypto.randomUUID()}`, { title: 'explained', hashtags: ['why'] });
  await registerVideos(aggregator, [event]);
  const events = Array.from({ length: viewers }, (_, i) => viewEnd(event.id, `explain-viewer-${i}`));
  expect((await postAudience(aggregator, events)).status).toBe(202);
  return event.id;
}

describe('GET /v1/admin/explain', () => {
  it('gives the served rank and score, and the parts they come from', async () => {
    const aggregator = newAggregator();
    const first = await watchedVideo(aggregator, 12);
    const second = await watchedVideo(aggregator, 6);
    await refresh(aggregator, '24h');
    const list = (await (
      await api(aggregator, '/v1/trending/videos?window=24h')
    ).json()) as TrendingVideosResponse;
    expect(list.videos.map((v) => v.videoId)).toEqual([first, second]);

    const why = await explain(aggregator, second);
    expect(why).toMatchObject({
      videoId: second,
      window: '24h',
      rank: 2,
      servedRank: 2,
      hidden: false,
      signed: true,
      parts: { views: 6, cappedViews: 0, uniqueViewers: 6, halfLifeMs: 6 * 3_600_000 },
      evidence: { minUniqueViewers: 5, minDistinctNetworks: 3, rankable: true },
    });
    expect(why.parts.networks).toBeGreaterThanOrEqual(3);
    // The score the list shows (rounded there), from the same parts.
    expect(why.score).toBeCloseTo(list.videos[1]?.score ?? Number.NaN, 2);
    expect(why.parts.decayedViews).toBeGreaterThan(0);
    // At most one per view (a fresh view weighs 1), up to the running totals' float rounding:
    // 6.000000000000001 was seen.
    expect(why.parts.decayedViews).toBeLessThanOrEqual(6 + 1e-9);
  });

  it('says why a video does not rank: too few networks, or hidden', async () => {
    const aggregator = newAggregator();
    // Ten invented viewers, all from one connection: one network.
    const lonely = signedVideo(`explain:${crypto.randomUUID()}`, { title: 'one network' });
    await registerVideos(aggregator, [lonely]);
    const events = Array.from({ length: 10 }, (_, i) => viewEnd(lonely.id, `invented-${i}`));
    const sent = await postJson(
      aggregator,
      '/v1/events/views',
      { events },
      { 'cf-connecting-ip': '198.51.100.9' },
    );
    expect(sent.status).toBe(202);
    expect(await explain(aggregator, lonely.id)).toMatchObject({
      rank: null,
      parts: { views: 10, uniqueViewers: 10, networks: 1 },
      evidence: { rankable: false },
    });

    const shown = await watchedVideo(aggregator, 8);
    expect((await explain(aggregator, shown, '1h')).rank).toBe(1);
    const hide = { kind: 'video', value: shown, reason: 'explain test' };
    expect((await adminPost(aggregator, '/v1/admin/moderation/hide', hide)).status).toBe(200);
    expect(await explain(aggregator, shown, '1h')).toMatchObject({
      rank: null,
      servedRank: null,
      hidden: true,
      evidence: { rankable: true },
    });
  });

  it('a video nobody watched is all zeros; bad input is a 400, no token a 401', async () => {
    const aggregator = newAggregator();
    const unknown = 'a'.repeat(64);
    expect(await explain(aggregator, unknown, '7d')).toMatchObject({
      rank: null,
      servedRank: null,
      signed: false,
      score: 0,
      parts: { views: 0, uniqueViewers: 0, networks: 0 },
      evidence: { rankable: false },
    });
    for (const query of ['videoId=xyz', `videoId=${unknown}&window=2h`, '']) {
      const res = await api(aggregator, `/v1/admin/explain?${query}`, asAdmin);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
    expect((await api(aggregator, `/v1/admin/explain?videoId=${unknown}`)).status).toBe(401);
  });
});
