// POST /analytics/view clamps the app's over-long fields and counts the view (issue 12, item 5):
// the app retries every status but 200 and 429 and then drops the view, so a 400 loses it.
import type { TrendingVideosResponse } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  aggregatorStats,
  api,
  fromViewer,
  newAggregator,
  postJson,
  randomHex64,
  refresh,
  viewHintsOf,
} from '../testing.ts';

interface ErrorJson {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

const appBody = (eventId: string, userId: string, extra: Record<string, unknown>) => ({
  eventId,
  userId,
  source: 'mobile',
  eventType: 'view_end',
  creatorPubkey: null,
  hashtags: ['vine'],
  title: 'From the app',
  timestamp: `2026-11-26T10:00:00.${userId}`,
  watchDuration: 3000,
  totalDuration: 6000,
  loopCount: 0,
  completedVideo: false,
  completionRate: 0.5,
  ...extra,
});

/** Five viewers (the ranking's minimum) send the same shape; each view must be answered 200. */
async function sendViews(aggregator: string, videoId: string, extra: Record<string, unknown>) {
  for (let i = 0; i < 5; i++) {
    // From five phones, each on its own network.
    const res = await postJson(
      aggregator,
      '/analytics/view',
      appBody(videoId, `user-${i}`, extra),
      fromViewer(`user-${i}`),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, eventId: videoId });
  }
}

async function rankedVideo(aggregator: string, videoId: string) {
  await refresh(aggregator, '1h');
  const res = await api(aggregator, '/v1/trending/videos?window=1h&limit=100');
  return ((await res.json()) as TrendingVideosResponse).videos.find((v) => v.videoId === videoId);
}

// Title, creator and hashtags of a view are hints (metadata comes from signed events only, and a
// video without one ranks by its id): the clamping is seen in the hints the aggregator keeps.
describe('POST /analytics/view clamps over-long fields and counts the view', () => {
  it('a title over 300 characters is cut to its first 300', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    await sendViews(aggregator, videoId, { title: `${'T'.repeat(300)}${'-'.repeat(700)}` }); // 1,000 chars
    const video = await rankedVideo(aggregator, videoId);
    expect(video).toMatchObject({ views: 5, uniqueViewers: 5 });
    expect(video).not.toHaveProperty('title');
    expect((await viewHintsOf(aggregator, videoId))?.title).toBe('T'.repeat(300));
  });

  it('more than 20 hashtags: the first 20 are kept', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    await sendViews(aggregator, videoId, { hashtags: Array.from({ length: 30 }, (_, i) => `#Tag${i}`) });
    const video = await rankedVideo(aggregator, videoId);
    expect(video).toMatchObject({ views: 5, uniqueViewers: 5 });
    expect((await viewHintsOf(aggregator, videoId))?.hashtags).toEqual(
      Array.from({ length: 20 }, (_, i) => `tag${i}`),
    );
  });

  it('a hashtag over 64 characters is cut to 64', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    await sendViews(aggregator, videoId, { hashtags: ['z'.repeat(200), 'short'] });
    const video = await rankedVideo(aggregator, videoId);
    expect(video).toMatchObject({ views: 5, uniqueViewers: 5 });
    expect((await viewHintsOf(aggregator, videoId))?.hashtags).toEqual(['z'.repeat(64), 'short']);
  });

  it('a watch over 24 h is capped and counts as a complete view', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    // 25 h = 90,000,000 ms, capped to 86,400,000; completion min(86,400,000 / 6000, 1) = 1.
    await sendViews(aggregator, videoId, { watchDuration: 90_000_000, totalDuration: 6000, loopCount: 1e9 });
    const video = await rankedVideo(aggregator, videoId);
    expect(video).toMatchObject({ views: 5, uniqueViewers: 5, avgCompletion: 1 });
  });

  it('fields of the wrong type are dropped, and the view still counts', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    for (let i = 0; i < 5; i++) {
      const body = appBody(videoId, `user-${i}`, {
        title: 42,
        hashtags: ['ok', 7, null, { tag: 'no' }],
        creatorPubkey: 'not-a-pubkey',
        source: ['mobile'],
        watchDuration: 3000,
        totalDuration: 6000,
        loopCount: 'many',
        completedVideo: 'yes',
      });
      expect((await postJson(aggregator, '/analytics/view', body, fromViewer(`user-${i}`))).status).toBe(200);
    }
    const video = await rankedVideo(aggregator, videoId);
    // completion 3000 / 6000 = 0.5
    expect(video).toMatchObject({ views: 5, uniqueViewers: 5, avgCompletion: 0.5 });
    expect(await viewHintsOf(aggregator, videoId)).toEqual({
      title: null,
      creatorPubkey: null,
      hashtags: ['ok'],
    });
  });

  it('an unknown eventType is read as view_start: stored, 200, not a view', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    await sendViews(aggregator, videoId, { eventType: 'view_middle' });
    const stats = await aggregatorStats(aggregator);
    expect(stats.rows.videos).toBe(1);
    expect(stats.rows.viewers).toBe(0);
  });

  it('a userId that is not a string counts as a signed-out viewer', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    for (let i = 0; i < 5; i++) {
      const body = appBody(videoId, `user-${i}`, { userId: 1000 + i });
      const res = await postJson(aggregator, '/analytics/view', body, {
        'cf-connecting-ip': `198.51.${100 + i}.7`,
      });
      expect(res.status).toBe(200);
    }
    // Told apart by their addresses (five phones on five networks): five signed-out viewers.
    expect(await rankedVideo(aggregator, videoId)).toMatchObject({ views: 5, uniqueViewers: 5 });
  });
});

describe('POST /analytics/view still refuses what it cannot count', () => {
  it.each([
    { what: 'no eventId', body: JSON.stringify({ title: 'x' }), code: 'invalid_request' },
    {
      what: 'an eventId that is not 64 hex',
      body: JSON.stringify({ eventId: 'abc' }),
      code: 'invalid_request',
    },
    { what: 'a JSON array', body: JSON.stringify([randomHex64()]), code: 'invalid_request' },
    { what: 'a JSON string', body: JSON.stringify('view'), code: 'invalid_request' },
    { what: 'JSON null', body: 'null', code: 'invalid_request' },
    { what: 'malformed JSON', body: '{"eventId": ', code: 'invalid_json' },
  ])('$what is 400 $code and stores nothing', async ({ body, code }) => {
    const aggregator = newAggregator();
    const res = await api(aggregator, '/analytics/view', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.code).toBe(code);
    expect((await aggregatorStats(aggregator)).rows.videos).toBe(0);
  });

  it('a body that is not JSON is 415 and stores nothing', async () => {
    const aggregator = newAggregator();
    const res = await api(aggregator, '/analytics/view', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(appBody(randomHex64(), 'u', {})),
    });
    expect(res.status).toBe(415);
    expect((await aggregatorStats(aggregator)).rows.videos).toBe(0);
  });

  it('/v1/events/views stays strict: a title over 300 characters is 400', async () => {
    const aggregator = newAggregator();
    const res = await postJson(aggregator, '/v1/events/views', {
      videoId: randomHex64(),
      viewerId: 'v',
      eventType: 'view_end',
      title: 'x'.repeat(301),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.issues?.map((i) => i.path)).toEqual(['title']);
    expect((await aggregatorStats(aggregator)).rows.videos).toBe(0);
  });
});
