import { runInDurableObject } from 'cloudflare:test';
import { DAY_MS, HOUR_MS, MINUTE_MS, type NormalizedViewEvent, WINDOWS } from '@openvine/trending-core';
import { seededRandom } from '@openvine/trending-core/demo-data';
import { describe, expect, it } from 'vitest';
import { Rollups } from './rollups.ts';
import { distinctViews, ingestAsArrived, newAggregator, pinClock, randomVideoId } from './testing.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';
import { rescanWindowStats } from './window-rescan.ts';
import type { WindowVideoStats } from './window-totals.ts';

function expectSameStats(
  actual: Map<string, WindowVideoStats>,
  expected: Map<string, WindowVideoStats>,
  label: string,
): void {
  expect([...actual.keys()].sort(), label).toEqual([...expected.keys()].sort());
  for (const [videoId, e] of expected) {
    const a = actual.get(videoId);
    const where = `${label} ${videoId.slice(0, 8)}`;
    expect(a, where).toMatchObject({
      views: e.views,
      uniqueViewers: e.uniqueViewers,
      completionCount: e.completionCount,
      loops: e.loops,
      baselineViews: e.baselineViews,
    });
    expect(a?.decayedViews ?? 0, where).toBeCloseTo(e.decayedViews, 6);
    expect(a?.completionSum ?? 0, where).toBeCloseTo(e.completionSum, 9);
  }
}

/** A random batch around `now`: repeat viewers (so the cap bites), starts, late and retried events. */
function randomBatch(
  next: () => number,
  now: number,
  videos: readonly string[],
  batchNo: number,
): NormalizedViewEvent[] {
  return Array.from({ length: 100 }, (_, i): NormalizedViewEvent => {
    const age =
      next() < 0.6 ? next() * 2 * HOUR_MS : next() < 0.8 ? next() * 2 * DAY_MS : next() * 8 * DAY_MS;
    const viewer = Math.floor(next() * 40);
    const event: NormalizedViewEvent = {
      videoId: videos[Math.floor(next() ** 2 * videos.length)] ?? '',
      viewerId: `viewer-${viewer}`,
      // 40 viewers in 7 networks: distinct networks count, no network reaches its viewer cap.
      networkKey: `net-${viewer % 7}`,
      eventType: next() < 0.15 ? 'view_start' : 'view_end',
      timestampMs: Math.round(now - age + (next() < 0.05 ? MINUTE_MS : 0)),
      loops: Math.floor(next() * 4),
      // Some keys repeat across batches: retries that must not count again.
      dedupKey: `k:${next() < 0.1 ? Math.floor(next() * 50) : `${batchNo}:${i}`}`,
    };
    if (next() < 0.7) event.completion = Math.round(next() * 100) / 100;
    return event;
  });
}

describe('running window totals', () => {
  it('equal a full rescan of the rollups as time moves, events arrive late and old rows are pruned', async () => {
    const stub = newAggregator();
    await runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
      const rollups = new Rollups(state.storage.sql);
      rollups.migrate();
      const next = seededRandom(20261126);
      const videos = Array.from({ length: 25 }, () => randomVideoId());
      let now = Date.now() - 3 * DAY_MS;
      let checks = 0;
      for (let step = 0; step < 60; step++) {
        // Steps from seconds to a few hours: cursors cross minute, hour and day boundaries.
        now += Math.round(next() < 0.5 ? next() * 5 * MINUTE_MS : next() * 3 * HOUR_MS);
        rollups.ingest(randomBatch(next, now, videos, step), now);
        if (step % 7 === 3) rollups.prune(now);
        if (step % 3 !== 0) continue;
        for (const window of WINDOWS) {
          const { stats } = rollups.windowStats(window, now, 0);
          expectSameStats(stats, rescanWindowStats(rollups, window, now).stats, `step ${step} ${window}`);
          checks += 1;
        }
      }
      expect(checks).toBe(60);
    });
  });

  it('rebuild from the rollups when the clock goes back, and stay equal to a rescan', async () => {
    const stub = newAggregator();
    await runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
      const rollups = new Rollups(state.storage.sql);
      rollups.migrate();
      const next = seededRandom(7);
      const videos = Array.from({ length: 10 }, () => randomVideoId());
      const later = Date.now();
      rollups.ingest(randomBatch(next, later, videos, 1), later);
      for (const window of WINDOWS) rollups.windowStats(window, later, 0);
      const earlier = later - 5 * HOUR_MS;
      for (const window of WINDOWS) {
        const { stats } = rollups.windowStats(window, earlier, 0);
        expectSameStats(stats, rescanWindowStats(rollups, window, earlier).stats, `back ${window}`);
      }
    });
  });

  it('stay finite, and the object prunable, when the clock goes back by weeks', async () => {
    const stub = newAggregator();
    await runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
      const rollups = new Rollups(state.storage.sql);
      rollups.migrate();
      const next = seededRandom(11);
      const videos = Array.from({ length: 8 }, () => randomVideoId());
      const later = Date.now();
      rollups.ingest(randomBatch(next, later, videos, 1), later);
      for (const window of WINDOWS) rollups.windowStats(window, later, 0);
      // 60 days back, the rows of `later` lie 2,880 of the 1h window's half-lives ahead.
      const earlier = later - 60 * DAY_MS;
      for (const window of WINDOWS) {
        const { stats } = rollups.windowStats(window, earlier, 0);
        for (const s of stats.values()) expect(Number.isFinite(s.decayedViews)).toBe(true);
      }
      expect(() => rollups.prune(earlier)).not.toThrow();
    });
  });

  it('stay finite and exact when ingest arrives after weeks without an alarm', async () => {
    const stub = newAggregator();
    await runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
      const rollups = new Rollups(state.storage.sql);
      rollups.migrate();
      const next = seededRandom(3);
      const videos = Array.from({ length: 8 }, () => randomVideoId());
      const start = Date.now() - 40 * DAY_MS;
      rollups.ingest(randomBatch(next, start, videos, 1), start);
      for (const window of WINDOWS) rollups.windowStats(window, start, 0);
      // 40 days later (the 1h window's weights would be 2^1920 relative to the old epoch).
      const later = Date.now();
      rollups.ingest(randomBatch(next, later, videos, 2), later);
      for (const window of WINDOWS) {
        const { stats } = rollups.windowStats(window, later, 0);
        for (const s of stats.values()) expect(Number.isFinite(s.decayedViews)).toBe(true);
        expectSameStats(stats, rescanWindowStats(rollups, window, later).stats, `later ${window}`);
      }
    });
  });

  it("rank exactly as a full rescan does (the aggregator's rescan, for ops)", async () => {
    // Half a second before a minute and an hour turn: both computations see the same instant
    // (on the real clock any time between them could move a bucket out of a window).
    pinClock('2100-06-01T12:59:59.500Z');
    const stub = newAggregator();
    const next = seededRandom(99);
    const videos = Array.from({ length: 30 }, () => randomVideoId());
    const now = Date.now();
    for (let batch = 0; batch < 20; batch++) await stub.ingest(randomBatch(next, now, videos, batch));
    for (const window of WINDOWS) {
      const fast = await stub.refresh(window);
      const slow = await stub.rescan(window);
      expect(fast.videos.length).toBeGreaterThan(0);
      expect(slow.videos.map((v) => v.videoId)).toEqual(fast.videos.map((v) => v.videoId));
      slow.videos.forEach((v, i) => {
        // Floats summed in another order may round differently in the 4th digit.
        expect(v).toMatchObject({
          ...fast.videos[i],
          score: expect.any(Number),
          avgCompletion: expect.any(Number),
        });
        expect(v.score).toBeCloseTo(fast.videos[i]?.score ?? 0, 3);
        expect(v.avgCompletion).toBeCloseTo(fast.videos[i]?.avgCompletion ?? 0, 3);
      });
    }
  });

  it('let a 7d ranking read one row per ranked video, not one per bucket or viewer', async () => {
    const stub = newAggregator();
    const now = Date.now();
    const videos = Array.from({ length: 8 }, () => randomVideoId());
    // 8 videos, each seen by 30 viewers in every 6th hour of the week: 28 buckets each.
    const events = videos.flatMap((video) =>
      Array.from({ length: 28 }, (_, h) =>
        distinctViews(video, 30, { at: () => now - (h * 6 + 1) * HOUR_MS }),
      ).flat(),
    );
    await ingestAsArrived(stub, events);
    const snapshot = await stub.refresh('7d');
    expect(snapshot.videos).toHaveLength(8);
    expect(snapshot.videos[0]).toMatchObject({ views: 840, uniqueViewers: 30 }); // 28 buckets x 30
    // Before the totals this read 8 x 28 bucket rows and 240 viewer rows.
    expect(snapshot.rowsScanned).toBeLessThanOrEqual(8);
  });
});
