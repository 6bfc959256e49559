import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { DAY_MS, MAX_AE_WRITES_PER_INVOCATION, type TrendingSnapshot } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  type AggregatorStub,
  distinctViews,
  EMPTY_ROWS,
  findVideo,
  ingestAll,
  newAggregator,
  pinClock,
  pruneRollups,
  randomVideoId,
  ranking,
  refuseWindowTotals,
  shardOfVideo,
  shardsOf,
  TEST_START,
  viewEnd,
} from './testing.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';

const getAlarm = (stub: AggregatorStub) =>
  runInDurableObject(stub, (_instance: TrendingAggregator, state) => state.storage.getAlarm());

describe('snapshots', () => {
  it('serves a second read within 30 s from memory and recomputes on refresh()', async () => {
    const stub = newAggregator();
    const first = randomVideoId();
    await stub.ingest(distinctViews(first, 5));

    const cold = await stub.read('24h');
    expect(cold).toMatchObject({ computed: true, held: false });
    expect(cold.snapshot.videos.map((v) => v.videoId)).toEqual([first]);

    // New events do not touch the held snapshot until it is recomputed (HIT-DO).
    const second = randomVideoId();
    await stub.ingest(distinctViews(second, 20));
    const warm = await stub.read('24h');
    expect(warm).toMatchObject({ computed: false, held: true });
    expect(warm.snapshot).toEqual(cold.snapshot);
    expect((await stub.top('24h', 10)).computedAt).toBe(cold.snapshot.computedAt);
    expect((await stub.stats()).computations).toEqual({ '1h': 0, '24h': 1, '7d': 0 });

    const refreshed = await stub.refresh('24h');
    expect(refreshed.videos.map((v) => v.videoId)).toEqual([second, first]);
    expect((await stub.stats()).computations['24h']).toBe(2);
    const after = await stub.read('24h');
    expect(after).toEqual({ snapshot: refreshed, computed: false, held: true });
  });

  it('recomputes once the held snapshot is older than the refresh interval (30 s)', async () => {
    const start = pinClock('2100-06-01T12:10:00Z');
    const stub = newAggregator();
    await stub.ingest(distinctViews(randomVideoId(), 5));
    expect((await stub.read('1h')).computed).toBe(true);
    pinClock(start + 30_000);
    expect((await stub.read('1h')).computed).toBe(false);
    pinClock(start + 30_001);
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
  // The queue consumer commits a delivery's events of one shard at once, up to the record's
  // per-invocation bound (250 Analytics Engine points).
  it('rejects a batch of 251 events and stores none of it', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const batch = Array.from({ length: MAX_AE_WRITES_PER_INVOCATION + 1 }, (_, i) =>
      viewEnd(video, `viewer-${i}`, { dedupKey: `k:${i}` }),
    );
    await expect(stub.ingest(batch)).rejects.toThrow(RangeError);
    const { rows } = await stub.stats();
    expect(rows).toEqual(EMPTY_ROWS);
    expect(await ranking(stub, '24h')).toEqual([]);

    // The same events in an allowed size are accepted: the keys were never recorded.
    expect(await stub.ingest(batch.slice(0, MAX_AE_WRITES_PER_INVOCATION))).toMatchObject({
      accepted: 250,
      duplicates: 0,
    });
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
    const start = pinClock('2100-06-01T12:10:00Z');
    const stub = newAggregator();
    const video = randomVideoId();
    await stub.ingest(distinctViews(video, 5));
    // 30 s (the refresh interval) after the ingest.
    expect(await getAlarm(stub)).toBe(start + 30_000);

    // A cold snapshot is held, then more viewers arrive.
    expect((await stub.read('1h')).snapshot.videos[0]?.uniqueViewers).toBe(5);
    await stub.ingest(distinctViews(video, 10, { viewerPrefix: 'late' }));
    const before = await stub.stats();
    expect(before.lastAlarmAt).toBeNull();

    pinClock(start + 30_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await stub.stats();
    expect(after.computations).toEqual({
      '1h': before.computations['1h'] + 1,
      '24h': before.computations['24h'] + 1,
      '7d': before.computations['7d'] + 1,
    });
    expect(after.lastAlarmAt).toBe(start + 30_000);
    expect(after.snapshotAgeMs).toEqual({ '1h': 0, '24h': 0, '7d': 0 });

    // The alarm's snapshot is served from memory with the new viewers.
    const read = await stub.read('1h');
    expect(read.computed).toBe(false);
    expect(read.snapshot.videos[0]?.uniqueViewers).toBe(15);

    // And the next one 30 s after this one.
    expect(await getAlarm(stub)).toBe(start + 60_000);
  });

  it("keeps refreshing the other windows, and rescheduling, when a shard fails one window's ranking", async () => {
    const start = pinClock('2100-06-01T12:10:00Z');
    const stub = newAggregator();
    const video = randomVideoId();
    await stub.ingest(distinctViews(video, 5));
    // The shard that counts the video refuses every change to its 1h totals (a real SQLite
    // error, as a full or failing disk gives): its 1h ranking throws once the hour has moved on
    // and the window must drop the views that left it; its 24h and 7d rankings do not.
    const repair = await refuseWindowTotals(shardOfVideo(stub, video), '1h');
    const before = await stub.stats();

    const later = pinClock(start + 61 * 60_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await stub.stats();
    expect(after.alarmFailures).toEqual({ refresh: { '1h': 1, '24h': 0, '7d': 0 }, prune: 0, lastAt: later });
    expect(after.computations).toEqual({
      '1h': before.computations['1h'],
      '24h': before.computations['24h'] + 1,
      '7d': before.computations['7d'] + 1,
    });
    expect(after.snapshotAgeMs['24h']).toBe(0);
    expect(await getAlarm(stub)).toBe(later + 30_000);

    // Once the shard is repaired, the next alarm refreshes the 1h window again.
    await repair();
    pinClock(later + 30_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const repaired = await stub.stats();
    expect(repaired.computations['1h']).toBe(before.computations['1h'] + 1);
    expect(repaired.alarmFailures.refresh['1h']).toBe(1);
    expect(await getAlarm(stub)).toBe(later + 60_000);
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

    // Each shard prunes its own rollups (its alarm does, every 30 s).
    const prune = async (at: number) => {
      let deleted = 0;
      for (const shard of shardsOf(stub)) deleted += await pruneRollups(shard, at);
      return deleted;
    };
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

describe('peek (the DO snapshot layer)', () => {
  it('serves only a held snapshot of the current generation up to 60 s old, and never computes', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    await stub.ingest(distinctViews(video, 5));

    expect(await stub.peek('24h')).toBeNull();
    expect((await stub.stats()).computations).toEqual({ '1h': 0, '24h': 0, '7d': 0 });

    const { snapshot } = await stub.read('24h');
    expect(snapshot.videos.map((v) => v.videoId)).toEqual([video]);
    expect(await stub.peek('24h')).toEqual(snapshot);
    expect(await stub.peek('1h')).toBeNull();

    // Past the refresh interval (30 s) read() would recompute, but peek still serves up to 60 s.
    pinClock(snapshot.computedAt + 60_000);
    expect(await stub.peek('24h')).toEqual(snapshot);
    pinClock(snapshot.computedAt + 60_001);
    expect(await stub.peek('24h')).toBeNull();

    pinClock(snapshot.computedAt);
    expect(await stub.peek('24h')).toEqual(snapshot);
    await stub.dropSnapshot('24h');
    expect(await stub.peek('24h')).toBeNull();

    expect((await stub.stats()).computations).toEqual({ '1h': 0, '24h': 1, '7d': 0 });
  });
});

describe('invalidation', () => {
  it('recomputes every window it can when one fails, and names the one it could not', async () => {
    const start = pinClock(TEST_START);
    const stub = newAggregator();
    const video = randomVideoId();
    await stub.ingest(distinctViews(video, 5));
    await stub.refresh('1h');
    const repair = await refuseWindowTotals(shardOfVideo(stub, video), '1h');
    pinClock(start + 61 * 60_000);

    const result = await stub.invalidate({ all: true });
    expect(result.windows).toEqual([
      { window: '24h', generation: 2 },
      { window: '7d', generation: 2 },
    ]);
    expect(result.snapshots.map((s) => s.window)).toEqual(['24h', '7d']);
    expect(result.notRecomputed).toEqual([
      { window: '1h', generation: 2, error: expect.stringContaining('disk I/O error') },
    ]);
    // The bump stands: the window's next computation (a read, the alarm, the next precompute
    // run) carries the new generation.
    expect((await stub.stats()).generations).toEqual({ '1h': 2, '24h': 2, '7d': 2 });
    await repair();
    expect((await stub.refresh('1h')).generation).toBe(2);
  });

  it('a moderation change stays applied when a window fails to recompute, and says which', async () => {
    const start = pinClock(TEST_START);
    const stub = newAggregator();
    const [hidden, shown] = [randomVideoId(), randomVideoId()];
    await ingestAll(stub, [...distinctViews(hidden, 6), ...distinctViews(shown, 5)]);
    await stub.refresh('1h');
    await refuseWindowTotals(shardOfVideo(stub, hidden), '1h');
    pinClock(start + 61 * 60_000);

    const result = await stub.moderate({ kind: 'video', value: hidden, reason: 'r', action: 'hide' });
    expect(result.entry).toMatchObject({ value: hidden, changed: true });
    expect(result.windows.map((w) => w.window)).toEqual(['24h', '7d']);
    expect(result.notRecomputed.map((w) => w.window)).toEqual(['1h']);
    expect(result.snapshots.every((s) => s.videos.every((v) => v.videoId !== hidden))).toBe(true);
    expect((await stub.moderationList()).hidden.map((h) => h.value)).toEqual([hidden]);
  });

  it('refuses a target that is not one (RPC callers are checked again here): no generation is stored', async () => {
    const stub = newAggregator();
    await stub.ingest(distinctViews(randomVideoId(), 5));
    const bad = [{ window: 'bogus' }, {}, { videoId: 'ABC' }, { window: '24h', all: true }, { all: false }];
    for (const target of bad) {
      await expect(stub.invalidate(target as never)).rejects.toThrow(/invalid invalidation target/);
    }
    expect((await stub.stats()).generations).toEqual({ '1h': 1, '24h': 1, '7d': 1 });
    // An uppercase id is the same video: it is compared lowercase.
    expect((await stub.invalidate({ videoId: 'A'.repeat(64) })).windows.length).toBeGreaterThan(0);
  });

  it('bumps only the targeted window and returns its recomputed snapshot', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    await stub.ingest(distinctViews(video, 5));
    const before = (await stub.read('24h')).snapshot;
    expect(before.generation).toBe(1);

    const result = await stub.invalidate({ window: '24h' });
    expect(result.windows).toEqual([{ window: '24h', generation: 2 }]);
    expect(result.snapshots).toHaveLength(1);
    const [fresh] = result.snapshots;
    expect(fresh).toMatchObject({ window: '24h', generation: 2 });
    expect(fresh?.videos.map((v) => v.videoId)).toEqual([video]);
    expect((await stub.stats()).generations).toEqual({ '1h': 1, '24h': 2, '7d': 1 });

    // The memory layer now serves the new generation, never the one it replaced.
    expect(await stub.peek('24h')).toEqual(fresh);
    const read = await stub.read('24h');
    expect(read).toEqual({ snapshot: fresh, computed: false, held: true });

    const all = await stub.invalidate({ all: true });
    expect(all.windows).toEqual([
      { window: '1h', generation: 2 },
      { window: '24h', generation: 3 },
      { window: '7d', generation: 2 },
    ]);
    expect(all.snapshots.map((s) => [s.window, s.generation])).toEqual([
      ['1h', 2],
      ['24h', 3],
      ['7d', 2],
    ]);
    expect((await stub.stats()).generations).toEqual({ '1h': 2, '24h': 3, '7d': 2 });
    expect((await stub.peek('7d'))?.generation).toBe(2);
  });

  it('bumps exactly the windows whose list holds the video', async () => {
    const stub = newAggregator();
    const old = randomVideoId();
    const recent = randomVideoId();
    const now = Date.now();
    // Viewed only 3 days ago: in the 7d list, not in 1h or 24h.
    await stub.ingest([
      ...distinctViews(old, 5, { at: () => now - 3 * DAY_MS }),
      ...distinctViews(recent, 5),
    ]);
    const lists = {
      '1h': (await stub.read('1h')).snapshot,
      '24h': (await stub.read('24h')).snapshot,
      '7d': (await stub.read('7d')).snapshot,
    };
    expect(lists['1h'].videos.map((v) => v.videoId)).toEqual([recent]);
    expect(lists['24h'].videos.map((v) => v.videoId)).toEqual([recent]);
    expect(lists['7d'].videos.map((v) => v.videoId).sort()).toEqual([old, recent].sort());

    const result = await stub.invalidate({ videoId: old });
    expect(result.windows).toEqual([{ window: '7d', generation: 2 }]);
    expect(result.snapshots.map((s) => s.window)).toEqual(['7d']);
    expect((await stub.stats()).generations).toEqual({ '1h': 1, '24h': 1, '7d': 2 });
    // The untouched windows keep serving their snapshots.
    expect(await stub.peek('1h')).toEqual(lists['1h']);
    expect(await stub.peek('24h')).toEqual(lists['24h']);

    // A video that no held list contains bumps nothing.
    const unknown = await stub.invalidate({ videoId: randomVideoId() });
    expect(unknown).toEqual({ windows: [], snapshots: [], notRecomputed: [] });
    expect((await stub.stats()).generations).toEqual({ '1h': 1, '24h': 1, '7d': 2 });
  });

  it('keeps bumped generations across an eviction of the object', async () => {
    const stub = newAggregator();
    await stub.ingest(distinctViews(randomVideoId(), 5));
    await stub.invalidate({ window: '24h' });
    await stub.invalidate({ window: '24h' });
    await stub.invalidate({ window: '1h' });
    const persisted = await runInDurableObject(stub, (_instance: TrendingAggregator, state) =>
      state.storage.sql
        .exec<{ trending_window: string; generation: number }>(
          'SELECT trending_window, generation FROM generations ORDER BY trending_window',
        )
        .toArray(),
    );
    expect(persisted).toEqual([
      { trending_window: '1h', generation: 2 },
      { trending_window: '24h', generation: 3 },
    ]);

    await evictDurableObject(stub);
    const after = await stub.stats();
    // A new instance: memory is gone, the generations are not.
    expect(after.computations).toEqual({ '1h': 0, '24h': 0, '7d': 0 });
    expect(after.snapshotAgeMs).toEqual({ '1h': null, '24h': null, '7d': null });
    expect(after.generations).toEqual({ '1h': 2, '24h': 3, '7d': 1 });
    expect((await stub.read('24h')).snapshot.generation).toBe(3);
  });
});

describe('adopt (refilling memory from KV)', () => {
  it('takes only a snapshot of the current generation that is newer than the held one', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    await stub.ingest(distinctViews(video, 5));
    const gen1 = (await stub.read('24h')).snapshot;
    const { snapshots } = await stub.invalidate({ window: '24h' });
    const held = snapshots[0] as TrendingSnapshot;
    expect(held.generation).toBe(2);

    // A KV copy from before the invalidation, even if newer, is refused.
    expect(await stub.adopt({ ...gen1, computedAt: held.computedAt + 1_000 })).toBe(false);
    expect(await stub.peek('24h')).toEqual(held);

    // Same generation, older: refused.
    expect(await stub.adopt({ ...held, computedAt: held.computedAt - 1_000, videos: [] })).toBe(false);
    expect(await stub.peek('24h')).toEqual(held);

    // Same generation, newer: taken and served.
    const newer: TrendingSnapshot = { ...held, computedAt: held.computedAt + 1_000, videos: [] };
    expect(await stub.adopt(newer)).toBe(true);
    expect(await stub.peek('24h')).toEqual(newer);
    expect((await stub.read('24h')).computed).toBe(false);

    // After an eviction-like loss of memory, a current copy from KV fills the layer again.
    await stub.dropSnapshot('24h');
    expect(await stub.adopt(held)).toBe(true);
    expect(await stub.peek('24h')).toEqual(held);
  });
});

describe('generation bump on a new top-10 entry', () => {
  it('bumps once when a video enters the top 10, and not on an unchanged refresh', async () => {
    const stub = newAggregator();
    const existing = [randomVideoId(), randomVideoId(), randomVideoId()];
    await ingestAll(
      stub,
      existing.flatMap((v, i) => distinctViews(v, 5 + i)),
    );
    const first = await stub.refresh('24h');
    expect(first.generation).toBe(1);
    expect(first.videos).toHaveLength(3);
    expect((await stub.refresh('24h')).generation).toBe(1);

    const viral = randomVideoId();
    await ingestAll(stub, distinctViews(viral, 200));
    const second = await stub.refresh('24h');
    expect(second.generation).toBe(2);
    expect(second.videos[0]?.videoId).toBe(viral);
    expect((await stub.stats()).generations).toEqual({ '1h': 1, '24h': 2, '7d': 1 });
    expect(await stub.peek('24h')).toEqual(second);

    const third = await stub.refresh('24h');
    expect(third.generation).toBe(2);
    expect(third.videos.map((v) => v.videoId)).toEqual(second.videos.map((v) => v.videoId));
    expect((await stub.stats()).generations['24h']).toBe(2);
  });
});

describe('single flight', () => {
  it('computes a cold window once for 50 concurrent reads', async () => {
    const stub = newAggregator();
    await stub.ingest(distinctViews(randomVideoId(), 5));
    // Start from a new instance with nothing in memory.
    await evictDurableObject(stub);

    const reads = await Promise.all(Array.from({ length: 50 }, () => stub.read('24h')));
    expect((await stub.stats()).computations['24h']).toBe(1);
    expect(new Set(reads.map((r) => r.snapshot.computedAt)).size).toBe(1);
    expect(reads.filter((r) => r.computed)).toHaveLength(1);
    // The one that computed was not a memory answer (the api labels those HIT-DO, these MISS).
    expect(reads.find((r) => r.computed)?.held).toBe(false);
  });
});
