import type { ClientVinesResponse, TrendingVideosResponse } from '@openvine/trending-core';
import { HOUR_MS } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  aggregatorStats,
  api,
  countedOutcome,
  fromViewer,
  ingestCounts,
  newAggregator,
  postAudience,
  postJson,
  randomHex64,
  refresh,
  registerVideos,
  signedVideo,
  startClearOfHourTurn,
  viewEnd,
} from '../testing.ts';

async function topOf(aggregator: string, window = '1h') {
  await refresh(aggregator, '1h', '24h', '7d');
  const res = await api(aggregator, `/v1/trending/videos?window=${window}&limit=100`);
  return ((await res.json()) as TrendingVideosResponse).videos;
}

describe('POST /v1/events/views', () => {
  it('accepts a single event and a batch, and counts only view_end as a view', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64().toUpperCase();
    const single = await postJson(
      aggregator,
      '/v1/events/views',
      viewEnd(videoId, 'solo'),
      fromViewer('solo'),
    );
    expect(single.status).toBe(202);
    expect(await single.json()).toEqual({ accepted: 1 });

    const starts = Array.from({ length: 10 }, (_, i) => ({
      videoId,
      viewerId: `s-${i}`,
      eventType: 'view_start' as const,
    }));
    const ends = Array.from({ length: 5 }, (_, i) => viewEnd(videoId, `e-${i}`));
    const batch = await postAudience(aggregator, [...starts, ...ends]);
    expect(await batch.json()).toEqual({ accepted: 15 });
    expect(await ingestCounts(aggregator)).toEqual({ events: 16, duplicates: 0 });

    const video = (await topOf(aggregator)).find((v) => v.videoId === videoId.toLowerCase());
    expect(video).toMatchObject({ views: 6, uniqueViewers: 6 });
  });

  it('counts a view whose hashtag grows past 64 characters when lowercased', async () => {
    // 'İ' is two UTF-16 units lowercased: the tag is cut to 64 again before it is enqueued, where
    // a longer one made the consumer dead-letter the whole message after the 202.
    const aggregator = newAggregator();
    const view = viewEnd(randomHex64(), 'dotted', { hashtags: ['İ'.repeat(64)] });
    const outcome = await countedOutcome(aggregator, () =>
      postJson(aggregator, '/v1/events/views', view, fromViewer('dotted')),
    );
    expect(outcome).toEqual({ accepted: 1, duplicates: 0 });
  });

  it('computes completion from the durations when it is absent', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const events = Array.from({ length: 5 }, (_, i) =>
      viewEnd(videoId, `v-${i}`, { watchMs: 3000, durationMs: 6000 }),
    );
    await postAudience(aggregator, events);
    const video = (await topOf(aggregator)).find((v) => v.videoId === videoId);
    expect(video?.avgCompletion).toBe(0.5);
  });

  // Found by fuzzing (fuzz.test.ts): SQLite cannot store a lone surrogate, so the key came back
  // changed, never matched itself, and the event was answered and dropped as a duplicate.
  it('counts an event whose idempotency key holds a lone surrogate once, and its retry as a duplicate', async () => {
    const aggregator = newAggregator();
    const event = viewEnd(randomHex64(), 'viewer', { idempotencyKey: 'key-\ud800-\udfff' });
    const client = { 'cf-connecting-ip': '203.0.113.24' };
    // The answer says enqueued; the consumer tells counted from duplicate when it commits.
    const send = () => postJson(aggregator, '/v1/events/views', event, client);
    expect(await countedOutcome(aggregator, send)).toEqual({ accepted: 1, duplicates: 0 });
    expect(await countedOutcome(aggregator, send)).toEqual({ accepted: 0, duplicates: 1 });
  });

  it('counts duplicates inside one batch once', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const event = viewEnd(videoId, 'same', { idempotencyKey: 'dup-in-batch' });
    const send = () => postJson(aggregator, '/v1/events/views', { events: [event, event, event] });
    expect(await countedOutcome(aggregator, send)).toEqual({ accepted: 1, duplicates: 2 });
  });

  it('does not let one viewer replaying 1,000 times outrank 50 real viewers', async () => {
    const aggregator = newAggregator();
    const replayed = randomHex64();
    const popular = randomHex64();
    // The cap counts per viewer and hour of arrival: the 10 batches would fall in two hours
    // whenever an hour turned between them (twice the cap), so the test starts clear of a turn.
    const hour = await startClearOfHourTurn();
    const loops = Array.from({ length: 995 }, () => viewEnd(replayed, 'looper'));
    for (let i = 0; i < loops.length; i += 100) {
      // One phone, replaying from its own address.
      const res = await postJson(
        aggregator,
        '/v1/events/views',
        { events: loops.slice(i, i + 100) },
        fromViewer('looper'),
      );
      expect(res.status).toBe(202);
    }
    const friends = Array.from({ length: 5 }, (_, i) => viewEnd(replayed, `friend-${i}`));
    expect((await postAudience(aggregator, friends)).status).toBe(202);
    const fans = Array.from({ length: 50 }, (_, i) => viewEnd(popular, `fan-${i}`));
    expect((await postAudience(aggregator, fans)).status).toBe(202);
    expect(Math.floor(Date.now() / HOUR_MS), 'the test spanned two hours').toBe(hour);
    const list = await topOf(aggregator);
    expect(list.map((v) => v.videoId)).toEqual([popular, replayed]);
    expect(list[0]).toMatchObject({ views: 50, uniqueViewers: 50 });
    // The looper's 995 views count 1 (the cap per viewer-hour), plus one from each of 5 friends.
    expect(list[1]).toMatchObject({ views: 6, uniqueViewers: 6 });
  });
});

describe('POST /analytics/view (the OpenVine app)', () => {
  const mobileBody = (eventId: string, userId: string | null, timestamp: string) => ({
    eventId,
    userId,
    source: 'mobile',
    eventType: 'view_end',
    creatorPubkey: randomHex64(),
    hashtags: ['Cats', '#funny'],
    title: 'From the app',
    timestamp,
    watchDuration: 4500,
    totalDuration: 6000,
    loopCount: 0,
    completedVideo: false,
    completionRate: 0.1,
  });

  it('answers 200 with the old shape and counts a retried event once', async () => {
    const aggregator = newAggregator();
    const video = signedVideo(`events-test:${crypto.randomUUID()}`, {
      title: 'Signed title',
      hashtags: ['cats', 'funny'],
    });
    await registerVideos(aggregator, [video]);
    const videoId = video.id;
    for (let i = 0; i < 6; i++) {
      const body = mobileBody(videoId, `npub-${i}`, `2026-11-26T10:00:0${i}.123456`);
      const res = await postJson(aggregator, '/analytics/view', body, fromViewer(`npub-${i}`));
      expect(res.status).toBe(200);
      const json = (await res.json()) as { success: boolean; eventId: string; timestamp: string };
      expect(json).toMatchObject({ success: true, eventId: videoId });
      expect(Number.isNaN(Date.parse(json.timestamp))).toBe(false);
      // The app retries on timeouts: the same event arrives again.
      expect((await postJson(aggregator, '/analytics/view', body, fromViewer(`npub-${i}`))).status).toBe(200);
    }
    await refresh(aggregator, '1h');
    const res = await api(aggregator, '/analytics/trending/vines?window=1h&limit=10');
    const vines = ((await res.json()) as ClientVinesResponse).vines;
    // Title, creator and hashtags from the signed event; the app's hints ('From the app') are not shown.
    expect(vines[0]).toMatchObject({
      eventId: videoId,
      views: 6,
      uniqueViewers: 6,
      title: 'Signed title',
      creatorPubkey: video.pubkey,
    });
    // The client's completionRate (0.1) is ignored: 4500 / 6000.
    expect(vines[0]?.completionRate).toBe(0.75);
    expect(vines[0]?.hashtags).toEqual(['cats', 'funny']);
  });

  // Found by fuzzing (fuzz.test.ts): the retry key (eventId, userId, eventType, timestamp) came
  // back from SQLite changed when it held a lone surrogate, and every such view was dropped.
  it('counts a view whose userId and timestamp hold lone surrogates, and its retry once', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    for (let i = 0; i < 5; i++) {
      const body = mobileBody(videoId, `npub-\udc00-${i}`, `2026-11-26T10:00:0${i}\ud800`);
      // Five phones on five carriers' networks (distinct /48s).
      const client = { 'cf-connecting-ip': `2001:db8:${5 + i}::1` };
      expect((await postJson(aggregator, '/analytics/view', body, client)).status).toBe(200);
      expect((await postJson(aggregator, '/analytics/view', body, client)).status).toBe(200);
    }
    await refresh(aggregator, '1h');
    const res = await api(aggregator, '/analytics/trending/vines?window=1h&limit=10');
    const vines = ((await res.json()) as ClientVinesResponse).vines;
    expect(vines.find((v) => v.eventId === videoId)).toMatchObject({ views: 5, uniqueViewers: 5 });
  });

  it('defaults eventType to view_start, which is not a view', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    for (let i = 0; i < 6; i++) {
      const { eventType: _omitted, ...body } = mobileBody(videoId, `u-${i}`, `2026-11-26T10:00:0${i}`);
      expect((await postJson(aggregator, '/analytics/view', body)).status).toBe(200);
    }
    const stats = await aggregatorStats(aggregator);
    expect(stats.rows.videos).toBe(1);
    expect(stats.rows.viewers).toBe(0);
  });

  it('rejects an eventId that is not a Nostr event id', async () => {
    const aggregator = newAggregator();
    const res = await postJson(
      aggregator,
      '/analytics/view',
      mobileBody('not-an-id', 'u', '2026-11-26T10:00:00'),
    );
    expect(res.status).toBe(400);
    expect((await aggregatorStats(aggregator)).rows.videos).toBe(0);
  });
});
