import { HOUR_MS, MINUTE_MS, RETENTION_MS, SCORING } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  distinctViews,
  findVideo,
  ingestAll,
  newAggregator,
  pinClock,
  pruneRollups,
  randomVideoId,
  ranking,
  shardOfVideo,
  TEST_START,
  viewEnd,
} from './testing.ts';

/** `count` viewers of `videoId` all sending from one network, at `at(i)`. */
function fromOneNetwork(videoId: string, count: number, network: string, at: (i: number) => number) {
  return distinctViews(videoId, count, {
    viewerPrefix: `${network}-viewer`,
    at,
    extra: { networkKey: network },
  });
}

describe('network evidence: invented viewer ids from one network', () => {
  it('count at most 20 viewers per network and hour, and one network alone never ranks', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const now = Date.now();
    // 300 invented viewers, all from one /24, within 10 minutes.
    await ingestAll(
      stub,
      fromOneNetwork(video, 300, 'net-attacker', (i) => now - (i % 10) * MINUTE_MS),
    );
    for (const window of ['1h', '24h', '7d'] as const) {
      expect(await findVideo(stub, window, video), window).toBeUndefined();
    }
    // The same 20 it was allowed, from 3 networks, rank; the other 280 of the first network count nothing.
    await ingestAll(stub, [
      ...fromOneNetwork(video, 20, 'net-b', () => now),
      ...fromOneNetwork(video, 20, 'net-c', () => now),
    ]);
    const ranked = await findVideo(stub, '1h', video);
    expect(ranked).toMatchObject({ uniqueViewers: 60, views: 60 });
  });

  it('rank 300 viewers from 300 networks, and put them above a one-network flood', async () => {
    const stub = newAggregator();
    const real = randomVideoId();
    const flood = randomVideoId();
    const now = Date.now();
    await ingestAll(stub, [
      ...distinctViews(real, 300, { at: (i) => now - (i % 10) * MINUTE_MS }),
      ...fromOneNetwork(flood, 300, 'net-flood', (i) => now - (i % 10) * MINUTE_MS),
    ]);
    const top = (await ranking(stub, '1h')).slice(0, 20).map((v) => v.videoId);
    expect(top).toContain(real);
    expect(top).not.toContain(flood);
    expect(await findVideo(stub, '1h', real)).toMatchObject({ uniqueViewers: 300, views: 300 });
  });

  it('needs viewers from 3 distinct networks to rank, whatever the number of viewers', async () => {
    const stub = newAggregator();
    const two = randomVideoId();
    const three = randomVideoId();
    const now = Date.now();
    await ingestAll(stub, [
      ...fromOneNetwork(two, 20, 'net-1', () => now),
      ...fromOneNetwork(two, 20, 'net-2', () => now),
      ...fromOneNetwork(three, 2, 'net-1', () => now),
      ...fromOneNetwork(three, 2, 'net-2', () => now),
      ...fromOneNetwork(three, 1, 'net-3', () => now),
    ]);
    expect(SCORING.minDistinctNetworks).toBe(3);
    expect(await findVideo(stub, '1h', two)).toBeUndefined();
    expect(await findVideo(stub, '1h', three)).toMatchObject({ uniqueViewers: 5 });
  });

  it('gives a network 20 new viewers again in the next arrival hour, not before', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const start = Date.parse(TEST_START);
    const others = distinctViews(video, 2, { viewerPrefix: 'elsewhere', at: () => start });
    await ingestAll(stub, [...fromOneNetwork(video, 30, 'net-nat', () => start), ...others]);
    expect(await findVideo(stub, '24h', video)).toMatchObject({ uniqueViewers: 22 });
    // Still this hour: nothing more from that network, even claiming an hour-old timestamp.
    const later = distinctViews(video, 10, {
      viewerPrefix: 'late',
      at: () => start - HOUR_MS,
      extra: { networkKey: 'net-nat' },
    });
    await ingestAll(stub, later);
    expect(await findVideo(stub, '24h', video)).toMatchObject({ uniqueViewers: 22 });
    // The next hour (server time): 20 more.
    pinClock(start + HOUR_MS);
    await ingestAll(
      stub,
      distinctViews(video, 30, {
        viewerPrefix: 'next-hour',
        at: () => start + HOUR_MS,
        extra: { networkKey: 'net-nat' },
      }),
    );
    expect(await findVideo(stub, '24h', video)).toMatchObject({ uniqueViewers: 42 });
  });
});

describe('backdating', () => {
  it('adds at most the per-viewer cap for a 1,000-event replay spread over the last 7 days', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const now = Date.now();
    const span = RETENTION_MS - HOUR_MS;
    const replay = Array.from({ length: 1_000 }, (_, i) =>
      viewEnd(video, 'replayer', { timestampMs: now - Math.floor((i * span) / 1_000) }),
    );
    const audience = distinctViews(video, 4, { at: () => now });
    await ingestAll(stub, [...replay, ...audience]);
    const week = await findVideo(stub, '7d', video);
    // The replayer's cap (1) once, plus one view from each of the 4 others.
    expect(week).toMatchObject({ uniqueViewers: 5, views: SCORING.viewsCapPerViewerHour + 4 });
    // Out of order is still fine: the counted views keep their own times. The first of the
    // replay (now) is the one counted, so the 1h window holds it too.
    expect((await findVideo(stub, '1h', video))?.views).toBe(SCORING.viewsCapPerViewerHour + 4);
  });

  it('keeps the per-viewer cap through the arrival hour when the alarm prunes a late delivery', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const now = Date.now();
    // Validated at the api just inside the retention, delivered by the queue 2 hours later: its
    // counted view is older than anything the alarm keeps, its arrival hour is this one.
    await ingestAll(stub, [
      viewEnd(video, 'late-delivery', { timestampMs: now - RETENTION_MS - 2 * HOUR_MS }),
      ...distinctViews(video, 5, { at: () => now }),
    ]);
    await pruneRollups(shardOfVideo(stub, video), now + MINUTE_MS);
    // The same viewer again in the same arrival hour: over its cap, so it counts nothing.
    await ingestAll(stub, [viewEnd(video, 'late-delivery', { timestampMs: now })]);
    expect(await findVideo(stub, '1h', video)).toMatchObject({ views: 5, uniqueViewers: 5 });
  });

  it('counts a viewer in a window only for a view counted there, never for a capped one', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const now = Date.now();
    // One viewer's first view this arrival hour is 3 hours old (counted, outside 1h); its second,
    // current, is over the per-viewer cap and counts nothing: in 1h it is no viewer at all.
    const late = [
      viewEnd(video, 'late', { timestampMs: now - 3 * HOUR_MS }),
      viewEnd(video, 'late', { timestampMs: now }),
    ];
    await ingestAll(stub, [...late, ...distinctViews(video, 5, { at: () => now })]);
    expect(await findVideo(stub, '1h', video)).toMatchObject({ views: 5, uniqueViewers: 5 });
    expect(await findVideo(stub, '24h', video)).toMatchObject({ views: 6, uniqueViewers: 6 });
  });
});
