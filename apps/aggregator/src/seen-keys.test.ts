import { runInDurableObject } from 'cloudflare:test';
import { DAY_MS } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { Rollups } from './rollups.ts';
import { type AggregatorStub, distinctViews, newAggregator, randomVideoId, viewEnd } from './testing.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';

const databaseSize = (stub: AggregatorStub) =>
  runInDurableObject(stub, (_instance: TrendingAggregator, state) => state.storage.sql.databaseSize);

describe('idempotency keys as digests', () => {
  it('stores 100 events with 2,000-character keys in the bytes 100 with short keys take, and still counts their retries once', async () => {
    const video = randomVideoId();
    const events = distinctViews(video, 100);
    const short = newAggregator();
    const long = newAggregator();
    await short.ingest(events.map((e, i) => ({ ...e, dedupKey: `k:${i}` })));
    const longKeyed = events.map((e, i) => ({ ...e, dedupKey: `${i}:`.padEnd(2_000, 'x') }));
    expect(await long.ingest(longKeyed)).toMatchObject({ accepted: 100, duplicates: 0 });

    // As text the long keys took 2 x 200 KB (the table and its time index); as digests, the same
    // 8-byte integers as any key. The database grows by whole 4 KiB pages: allow one.
    expect((await databaseSize(long)) - (await databaseSize(short))).toBeLessThanOrEqual(4_096);
    expect(await long.ingest(longKeyed)).toMatchObject({ accepted: 0, duplicates: 100 });
    expect((await long.stats()).rows.seenKeys).toBe(100);
  });

  it('keeps an upgraded object’s text keys until they expire: their retries stay duplicates, then the old table goes', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    const now = Date.now();
    await runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
      const sql = state.storage.sql;
      // The table as objects before the digests hold it, with a key counted before the upgrade
      // (a lone surrogate was stored as U+FFFD, as SQLite stored it).
      sql.exec(
        `CREATE TABLE seen_events (dedup_key TEXT PRIMARY KEY, seen_ms INTEGER NOT NULL) WITHOUT ROWID`,
      );
      sql.exec('CREATE INDEX seen_events_by_time ON seen_events (seen_ms)');
      sql.exec('INSERT INTO seen_events VALUES (?, ?), (?, ?)', 'old-key', now, 'old-\ufffd', now);
      // The object starting with its new code: the migrate path runs again.
      const rollups = new Rollups(sql);
      rollups.migrate();
      expect(rollups.counts().seenKeys).toBe(2);
      const outcome = rollups.ingest(
        [
          viewEnd(video, 'a', { dedupKey: 'old-key' }),
          viewEnd(video, 'b', { dedupKey: 'old-\ud800' }),
          viewEnd(video, 'c', { dedupKey: 'new-key' }),
          viewEnd(video, 'd', { dedupKey: 'new-key' }),
        ],
        now,
      );
      expect(outcome).toEqual({ accepted: 1, duplicates: 3, duplicateIndexes: [0, 1, 3] });
      expect(rollups.counts().seenKeys).toBe(3);

      // Past the retention both kinds are forgotten, and the old table is dropped.
      rollups.prune(now + 8 * DAY_MS);
      expect(rollups.counts().seenKeys).toBe(0);
      expect(sql.exec("SELECT name FROM sqlite_master WHERE name LIKE 'seen_events%'").toArray()).toEqual([]);
      expect(rollups.ingest([viewEnd(video, 'a', { dedupKey: 'old-key' })], now + 8 * DAY_MS)).toMatchObject({
        accepted: 1,
      });
    });
  });
});
