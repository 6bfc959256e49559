import { runInDurableObject } from 'cloudflare:test';
import { LIMITS, MAX_LIMIT, NOTHING_HIDDEN, SCORING } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { rankStats, rankWindow } from './ranking.ts';
import { Rollups } from './rollups.ts';
import { newStore } from './testing.ts';
import { guardSql, SqlLimitError } from './testing-sql-guard.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';
import { VideoEvents } from './video-events.ts';
import { cursorAt, type WindowVideoStats } from './window-totals.ts';

/** Rankable videos in the window: past the ~18,000 at which one JSON value of them all passes 2 MB. */
const RANKABLE = 25_000;

describe("production's 2 MB SQL value limit", () => {
  it('the test guard refuses what production refuses: a bound parameter, a column, a row over 2 MB', async () => {
    await runInDurableObject(newStore(), (_instance: TrendingAggregator, state) => {
      const { sql } = guardSql(state.storage.sql);
      const big = 'x'.repeat(LIMITS.sqlValueBytes + 1);
      expect(() => sql.exec('SELECT ? AS v', big)).toThrow(SqlLimitError);
      // hex() of n zero bytes: a text of 2n characters, made inside SQLite.
      const halfPlusOne = LIMITS.sqlValueBytes / 2 + 1;
      expect(() => sql.exec('SELECT hex(zeroblob(?)) AS v', halfPlusOne).one()).toThrow(
        /column v is 2000002 bytes/,
      );
      const quarterPlusOne = LIMITS.sqlValueBytes / 4 + 1;
      expect(() =>
        sql
          .exec('SELECT hex(zeroblob(?)) AS a, hex(zeroblob(?)) AS b', quarterPlusOne, quarterPlusOne)
          .toArray(),
      ).toThrow(/a returned row is 2000004 bytes/);
      // At the limit it passes.
      expect(sql.exec('SELECT length(?) AS n', 'x'.repeat(LIMITS.sqlValueBytes)).one().n).toBe(
        LIMITS.sqlValueBytes,
      );
    });
  });

  it(`ranks ${RANKABLE.toLocaleString('en')} rankable videos through the guard, as a row-by-row read of the same totals ranks them`, async () => {
    const stub = newStore();
    const now = Date.now();
    const result = await runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
      const raw = state.storage.sql;
      // The 24h window's running totals as ingest would have left them (bulk SQL, not 75,000
      // ingested events), at a cursor standing at `now`, so the read advances nothing.
      const cursor = cursorAt('24h', now);
      raw.exec(
        `INSERT INTO window_cursors (trending_window, bucket_from, viewers_from, baseline_from, baseline_to, epoch_ms)
         VALUES ('24h', ?, ?, ?, ?, ?)`,
        cursor.bucketFrom,
        cursor.viewersFrom,
        cursor.baselineFrom,
        cursor.baselineTo,
        now,
      );
      raw.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO window_totals (trending_window, video_id, views, decayed, completion_sum,
                                    completion_count, loops, viewers, baseline_views, networks)
         SELECT '24h', printf('%064x', i * 2654435761 % 4294967296), 10 + i * 7919 % 1000,
                (10 + i * 7919 % 1000) * 0.9 + i * 0.000001, (10 + i * 7919 % 1000) * 0.5,
                10 + i * 7919 % 1000, i % 50, 5 + i % 20, i % 13, 3 + i % 5
         FROM n`,
        RANKABLE,
      );

      const guarded = guardSql(raw);
      const rollups = new Rollups(guarded.sql);
      const ranked = rankWindow(rollups, new VideoEvents(guarded.sql), '24h', now);
      const { stats } = rollups.windowStats('24h', now, SCORING.minUniqueViewers);

      // The same rows read one by one (each row a few dozen bytes), ranked by the same rules.
      const expected = new Map<string, WindowVideoStats>(
        raw
          .exec<{
            video_id: string;
            views: number;
            decayed: number;
            completion_sum: number;
            completion_count: number;
            loops: number;
            viewers: number;
            baseline_views: number;
            networks: number;
          }>("SELECT * FROM window_totals WHERE trending_window = '24h'")
          .toArray()
          .map((r) => [
            r.video_id,
            {
              views: r.views,
              decayedViews: r.decayed,
              uniqueViewers: r.viewers,
              networks: r.networks,
              completionSum: r.completion_sum,
              completionCount: r.completion_count,
              baselineViews: r.baseline_views,
              loops: r.loops,
            },
          ]),
      );
      const reference = rankStats(new VideoEvents(raw), '24h', expected, NOTHING_HIDDEN, MAX_LIMIT);
      return { ranked, reference, read: stats.size };
    });
    expect(result.read).toBe(RANKABLE);
    expect(result.ranked.rowsScanned).toBe(RANKABLE);
    expect(result.ranked.videos).toHaveLength(MAX_LIMIT);
    expect(result.ranked.videos).toEqual(result.reference.videos);
    // And the object's own computation (its storage is behind the guard too: test-entry.ts).
    expect((await stub.refresh('24h')).videos).toEqual(result.reference.videos);
  });

  it("runs every aggregator test's objects behind the guard (test-entry.ts)", async () => {
    await runInDurableObject(newStore(), (_instance: TrendingAggregator, state) => {
      expect(() => state.storage.sql.exec('SELECT ? AS v', 'x'.repeat(LIMITS.sqlValueBytes + 1))).toThrow(
        SqlLimitError,
      );
    });
  });
});
