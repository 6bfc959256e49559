import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { DAY_MS, TTL_POLICY } from '@openvine/trending-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AggregatorStub,
  distinctViews,
  EMPTY_ROWS,
  findVideo,
  newAggregator,
  randomVideoId,
  ranking,
  viewEnd,
} from './testing.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';

type WithRollups = { rollups: { prune(now: number): number } };

const getAlarm = (stub: AggregatorStub) =>
  runInDurableObject(stub, (_instance: TrendingAggregator, state) => state.storage.getAlarm());

describe('snapshots', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves a second read within 30 s from memory and recomputes on refresh()', async () => {
    const stub = newAggregator();
    const first = randomVideoId();
    await stub.ingest(distinctViews(first, 5));

    const cold = await stub.read('24h');
    expect(cold.computed).toBe(true);
    expect(cold.snapshot.videos.map((v) => v.videoId)).toEqual([first]);

    // New events do not touch the held snapshot until it is recomputed (HIT-DO).
    const second = randomVideoId();
    await stub.ingest(distinctViews(second, 20));
    const warm = await stub.read('24h');
    expect(warm.computed).toBe(false);
    expect(warm.snapshot).toEqual(cold.snapshot);
    expect((await stub.top('24h', 10)).computedAt).toBe(cold.snapshot.computedAt);
    expect((await stub.stats()).computations).toEqual({ '1h': 0, '24h': 1, '7d': 0 });

    const refreshed = await stub.refresh('24h');
    expect(refreshed.videos.map((v) => v.videoId)).toEqual([second, first]);
    expect((await stub.stats()).computations['24h']).toBe(2);
    const after = await stub.read('24h');
    expect(after).toEqual({ snapshot: refreshed, computed: false });
  });

  it('recomputes once the held snapshot is older than the refresh interval', async () => {
    const stub = newAggregator();
    await stub.ingest(distinctViews(randomVideoId(), 5));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now());
    expect((await stub.read('1h')).computed).toBe(true);
    vi.setSystemTime(Date.now() + TTL_POLICY.doSnapshot.refreshMs - 1_000);
    expect((await stub.read('1h')).computed).toBe(false);
    vi.setSystemTime(Date.now() + 2_000);
    expect((await stub.read('1h')).computed).toBe(true);
    expect((await stub.stats()).computations['1h']).toBe(2);
  });

  it('starts every window at generation 1', async () => {
    const stub = newAggregator();
    expect((await stub.stats()).generations).toEqual({ '1h': 1, '24h': 1, '7d': 1 });
    expect((await stub.read('7d')).snapshot.generation).toBe(1);
    expect((await stub.refresh('1h')).generation).toBe(1);
  });
});

describe('ingest limits', () => {
  it('rejects a batch of 101 events and stores none of it', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const batch = Array.from({ length: 101 }, (_, i) =>
      viewEnd(video, `viewer-${i}`, { dedupKey: `k:${i}` }),
    );
    await expect(stub.ingest(batch)).rejects.toThrow(RangeError);
    const { rows } = await stub.stats();
    expect(rows).toEqual(EMPTY_ROWS);
    expect(await ranking(stub, '24h')).toEqual([]);

    // The same events in an allowed size are accepted: the keys were never recorded.
    expect(await stub.ingest(batch.slice(0, 100))).toMatchObject({ accepted: 100, duplicates: 0 });
  });

  it('stores nothing of a batch when one of its events fails', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const broken = { ...viewEnd(video, 'viewer-x'), videoId: null } as unknown as ReturnType<typeof viewEnd>;
    await expect(stub.ingest([...distinctViews(video, 5), broken])).rejects.toThrow();
    expect((await stub.stats()).rows).toEqual(EMPTY_ROWS);
  });
});

describe('alarm', () => {
  it('is scheduled by ingest, recomputes every window, and reschedules itself', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    await stub.ingest(distinctViews(video, 5));
    const scheduled = await getAlarm(stub);
    expect(scheduled).not.toBeNull();
    expect(scheduled).toBeLessThanOrEqual(Date.now() + TTL_POLICY.doSnapshot.refreshMs);

    // A cold snapshot is held, then more viewers arrive.
    expect((await stub.read('1h')).snapshot.videos[0]?.uniqueViewers).toBe(5);
    await stub.ingest(distinctViews(video, 10, { viewerPrefix: 'late' }));
    const before = await stub.stats();
    expect(before.lastAlarmAt).toBeNull();

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await stub.stats();
    expect(after.computations).toEqual({
      '1h': before.computations['1h'] + 1,
      '24h': before.computations['24h'] + 1,
      '7d': before.computations['7d'] + 1,
    });
    expect(after.lastAlarmAt).toEqual(expect.any(Number));
    expect(after.snapshotAgeMs['7d']).toEqual(expect.any(Number));

    // The alarm's snapshot is served from memory with the new viewers.
    const read = await stub.read('1h');
    expect(read.computed).toBe(false);
    expect(read.snapshot.videos[0]?.uniqueViewers).toBe(15);

    const next = await getAlarm(stub);
    expect(next).not.toBeNull();
    expect(next).toBeGreaterThan(Date.now());
  });
});

describe('pruning', () => {
  it('keeps events inside the retention and drops them after it', async () => {
    const stub = newAggregator();
    const old = randomVideoId();
    const fresh = randomVideoId();
    const now = Date.now();
    await stub.ingest([
      ...distinctViews(old, 5, { at: () => now - 3 * DAY_MS }).map((e, i) => ({ ...e, dedupKey: `k:o${i}` })),
      ...distinctViews(fresh, 5).map((e, i) => ({ ...e, dedupKey: `k:f${i}` })),
    ]);

    const prune = (at: number) =>
      runInDurableObject(stub, (instance: TrendingAggregator) =>
        (instance as unknown as WithRollups).rollups.prune(at),
      );
    // Pruning now keeps everything any window can still see.
    await prune(Date.now());
    expect((await ranking(stub, '7d')).map((v) => v.videoId).sort()).toEqual([old, fresh].sort());
    expect(await findVideo(stub, '1h', fresh)).toMatchObject({ views: 5 });

    expect(await prune(Date.now() + 8 * DAY_MS)).toBeGreaterThan(0);
    const { rows } = await stub.stats();
    expect(rows).toEqual(EMPTY_ROWS);
    expect(await ranking(stub, '7d')).toEqual([]);
  });
});
