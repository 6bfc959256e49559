import { runInDurableObject } from 'cloudflare:test';
import { DAY_MS, type ModerationChange } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { Rollups } from './rollups.ts';
import {
  type AggregatorStub,
  distinctViews,
  ingestAll,
  newStore,
  pruneRollups,
  randomVideoId,
  registerVideos,
  signedVideo,
  viewStart,
} from './testing.ts';
import { guardSql } from './testing-sql-guard.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';
import { VideoEvents } from './video-events.ts';

/** stats().rows as a full count of each table would give it (what the kept counts must equal). */
function countedInFull(stub: AggregatorStub) {
  return runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
    const count = (table: string) =>
      state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
    return {
      videos: count('videos'),
      bucketsMinute: count('minute_buckets'),
      bucketsHour: count('hour_buckets'),
      viewers: count('video_viewers'),
      seenKeys: count('seen_digests'),
      windowTotals: count('window_totals'),
      videoAddresses: count('video_addresses'),
      videoVersions: count('video_versions'),
    };
  });
}

describe('row counts in stats()', () => {
  it('stay equal to the rows of each table across ingest, duplicates, moderation and pruning', async () => {
    const stub = newStore();
    const expectExact = async () => expect((await stub.stats()).rows).toEqual(await countedInFull(stub));
    const now = Date.now();
    const video = signedVideo(`counts-${crypto.randomUUID()}`, { title: 'counted' });
    await registerVideos(stub, video);
    const old = randomVideoId();
    const keyed = distinctViews(video.id, 30).map((e, i) => ({ ...e, dedupKey: `k:${i}` }));
    await ingestAll(stub, [
      ...keyed,
      ...distinctViews(old, 10, { at: () => now - 3 * DAY_MS }),
      viewStart(video.id, 'starter'),
    ]);
    await stub.refresh('7d');
    await expectExact();
    expect((await stub.stats()).rows).toMatchObject({
      videos: 2,
      viewers: 40,
      seenKeys: 30,
      videoVersions: 1,
    });

    // A retry is all duplicates: nothing new is stored, and nothing is counted twice.
    expect(await stub.ingest(keyed)).toMatchObject({ duplicates: 30 });
    await expectExact();

    await stub.moderate({
      kind: 'video',
      value: video.id,
      action: 'hide',
      reason: 'test',
    } as ModerationChange);
    await expectExact();

    const prune = (at: number) => pruneRollups(stub, at);
    // Three hours on: the minute buckets are gone, the rest kept.
    expect(await prune(now + 3 * 3_600_000)).toBeGreaterThan(0);
    await expectExact();
    expect((await stub.stats()).rows.bucketsMinute).toBe(0);
    // Past every retention: nothing is left, and the counts say so.
    await prune(now + 8 * DAY_MS);
    await expectExact();
    expect((await stub.stats()).rows).toMatchObject({ videos: 0, viewers: 0, seenKeys: 0, windowTotals: 0 });
  });

  it('are read from a few rows, not counted over every table, however much is stored', async () => {
    const stub = newStore();
    const videos = Array.from({ length: 20 }, () => randomVideoId());
    await ingestAll(
      stub,
      videos.flatMap((v) => distinctViews(v, 50).map((e, i) => ({ ...e, dedupKey: `${v}:${i}` }))),
    );
    await stub.refresh('7d');
    const { rowsRead, rows } = await runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
      const guarded = guardSql(state.storage.sql);
      const rows = { ...new Rollups(guarded.sql).counts(), ...new VideoEvents(guarded.sql).counts() };
      return { rows, rowsRead: guarded.rowsRead() };
    });
    expect(rows).toMatchObject({ viewers: 1_000, seenKeys: 1_000 });
    // A full count visits every row of every table (here over 3,000); each counts() reads the
    // kept counts, one row per counted table (8 of them).
    expect(rowsRead).toBeLessThanOrEqual(20);
  });
});
