import {
  type BucketedVideoStats,
  HOUR_MS,
  LIMITS,
  type TrendingWindow,
  WINDOW_SPECS,
  WINDOWS,
} from '@openvine/trending-core';
import { insertRows, type SqlValue } from './sql-rows.ts';

/**
 * Running per-video totals of each window, so that ranking reads one row per video instead of
 * rescanning every bucket and viewer of the window (7 d over a million events: about 0.8 M rows).
 *
 * Each window has a cursor: the totals hold exactly the buckets at or after `bucketFrom`, the
 * viewers whose latest view is at or after `viewersFrom`, and the baseline hours in
 * [baselineFrom, baselineTo). Ingest adds what falls inside the cursor; advancing the cursor
 * to a later time subtracts what left the window and adds the hours that entered the baseline.
 * Both read the same bucket rows, so the totals always equal a rescan at the cursor's time.
 *
 * Decay: a view at time t weighs 2^(-(now - t) / halfLife). Stored sums are relative to a fixed
 * epoch, 2^((t - epoch) / halfLife), and multiplied by 2^((epoch - now) / halfLife) when read;
 * the epoch moves forward (one UPDATE) before the factors grow large.
 */

export interface WindowCursor {
  bucketFrom: number;
  viewersFrom: number;
  baselineFrom: number;
  baselineTo: number;
  epochMs: number;
}

/** Per video, what a window's ranking needs: the stats plus loops (shown, not scored). */
export type WindowVideoStats = BucketedVideoStats;

/** A rollup bucket row, as read for folding into totals. */
export interface FoldableBucket {
  video_id: string;
  bucket: number;
  views: number;
  completion_sum: number;
  completion_count: number;
  loops: number;
}

/** What the totals read from the event store; implemented by Rollups over its own tables. */
export interface TotalsSource {
  /** Rows with counted views of the window's bucket table, bucket in [from, to). */
  bucketRows(bucket: 'minute' | 'hour', from: number, to: number): FoldableBucket[];
  /** Distinct viewers per video whose latest view is in [from, to). */
  viewersLastSeenBetween(from: number, to: number): Map<string, number>;
  /** Distinct client networks per video whose latest counted view is in [from, to). */
  networksLastSeenBetween(from: number, to: number): Map<string, number>;
  /** Counted views per video in the hour buckets in [from, to). */
  viewsBetween(from: number, to: number): Map<string, number>;
}

export const TOTALS_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS window_totals (
     trending_window TEXT NOT NULL,
     video_id TEXT NOT NULL,
     views INTEGER NOT NULL DEFAULT 0,
     decayed REAL NOT NULL DEFAULT 0,
     completion_sum REAL NOT NULL DEFAULT 0,
     completion_count INTEGER NOT NULL DEFAULT 0,
     loops INTEGER NOT NULL DEFAULT 0,
     viewers INTEGER NOT NULL DEFAULT 0,
     baseline_views INTEGER NOT NULL DEFAULT 0,
     networks INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (trending_window, video_id)
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS window_cursors (
     trending_window TEXT PRIMARY KEY,
     bucket_from INTEGER NOT NULL,
     viewers_from INTEGER NOT NULL,
     baseline_from INTEGER NOT NULL,
     baseline_to INTEGER NOT NULL,
     epoch_ms INTEGER NOT NULL
   ) WITHOUT ROWID`,
];

/**
 * Objects created before the network evidence (network-evidence.ts) have totals without a
 * `networks` column: add it and drop every cursor, so each window rebuilds from the rollups (and
 * the networks migrateNetworkEvidence seeded) when it is next read or written.
 */
export function migrateTotalsNetworks(sql: SqlStorage): void {
  const definition = sql
    .exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'window_totals'")
    .toArray()[0]?.sql;
  if (definition?.includes('networks')) return;
  sql.exec('ALTER TABLE window_totals ADD COLUMN networks INTEGER NOT NULL DEFAULT 0');
  sql.exec('DELETE FROM window_cursors');
}

/** A window_totals row as the ranking read packs it (json_array of its columns, in this order). */
type PackedTotalsRow = [
  videoId: string,
  views: number,
  decayed: number,
  completionSum: number,
  completionCount: number,
  loops: number,
  viewers: number,
  baselineViews: number,
  networks: number,
];

/** Rebase the decay epoch once sums have grown by 2^20 (the 1h window: every 10 hours). */
const REBASE_AFTER_HALF_LIVES = 20;

/** The cursor of a window at `now` (epoch not included). */
export function cursorAt(window: TrendingWindow, now: number): Omit<WindowCursor, 'epochMs'> {
  const spec = WINDOW_SPECS[window];
  const windowStart = now - spec.durationMs;
  // Baselines end at the hour holding the window's start, or the 1h window's own views would
  // also count as "expected" ones (more so early in each hour).
  const baselineTo = Math.floor(windowStart / HOUR_MS) * HOUR_MS;
  const bucketFrom = Math.floor(windowStart / spec.bucketMs) * spec.bucketMs;
  return {
    bucketFrom,
    // Distinct viewers are counted over the same buckets as views: between two bucket boundaries
    // nothing leaves the window, so refreshes with no new events give the same ranking.
    viewersFrom: bucketFrom,
    baselineFrom: baselineTo - spec.baselineMs,
    baselineTo,
  };
}

/** The middle of a bucket: the time its views are decayed from. */
export function bucketMid(window: TrendingWindow, bucket: number): number {
  return bucket + WINDOW_SPECS[window].bucketMs / 2;
}

/**
 * Past this many half-lives after the epoch a weight stops growing. Rows that far ahead exist only
 * when the clock went back by weeks (a rebuild at the earlier time keeps the later rows): their
 * weight would overflow to Infinity, travel to SQLite as JSON `null` (sql-rows.ts) and fail the
 * NOT NULL column, and with it every prune of the object. Capped, they stay finite.
 */
const MAX_WEIGHT_HALF_LIVES = 4 * REBASE_AFTER_HALF_LIVES;

/** 2^((t - epoch) / halfLife): a view's weight relative to the epoch. */
function relativeWeight(window: TrendingWindow, t: number, epochMs: number): number {
  return 2 ** Math.min((t - epochMs) / WINDOW_SPECS[window].halfLifeMs, MAX_WEIGHT_HALF_LIVES);
}

type Delta = [
  views: number,
  decayed: number,
  completionSum: number,
  completionCount: number,
  loops: number,
  viewers: number,
  baselineViews: number,
  networks: number,
];

/** Changes to the totals, folded per (window, video) in memory and written in one statement. */
export class TotalsDelta {
  private readonly rows = new Map<string, { window: TrendingWindow; videoId: string; d: Delta }>();

  constructor(private readonly cursors: ReadonlyMap<TrendingWindow, WindowCursor>) {}

  private row(window: TrendingWindow, videoId: string): Delta {
    const key = `${window}\u0000${videoId}`;
    let entry = this.rows.get(key);
    if (!entry) {
      entry = { window, videoId, d: [0, 0, 0, 0, 0, 0, 0, 0] };
      this.rows.set(key, entry);
    }
    return entry.d;
  }

  /**
   * Adds (sign 1) or removes (sign -1) a bucket's counted views in a window, relative to the
   * window's epoch. The caller decides whether the bucket is inside the cursor.
   */
  bucket(window: TrendingWindow, row: FoldableBucket, sign: 1 | -1): void {
    const epochMs = this.cursor(window).epochMs;
    const d = this.row(window, row.video_id);
    d[0] += sign * row.views;
    d[1] += sign * row.views * relativeWeight(window, bucketMid(window, row.bucket), epochMs);
    d[2] += sign * row.completion_sum;
    d[3] += sign * row.completion_count;
    d[4] += sign * row.loops;
  }

  viewers(window: TrendingWindow, videoId: string, count: number): void {
    this.row(window, videoId)[5] += count;
  }

  baseline(window: TrendingWindow, videoId: string, views: number): void {
    this.row(window, videoId)[6] += views;
  }

  networks(window: TrendingWindow, videoId: string, count: number): void {
    this.row(window, videoId)[7] += count;
  }

  cursor(window: TrendingWindow): WindowCursor {
    const cursor = this.cursors.get(window);
    if (!cursor) throw new Error(`no cursor for window ${window}`);
    return cursor;
  }

  /** Writes the folded changes; a total whose views drop to zero has its float sums reset. */
  apply(sql: SqlStorage): void {
    const rows: SqlValue[][] = [];
    for (const { window, videoId, d } of this.rows.values()) {
      if (d.some((v) => v !== 0)) rows.push([window, videoId, ...d]);
    }
    insertRows(
      sql,
      'window_totals',
      [
        'trending_window',
        'video_id',
        'views',
        'decayed',
        'completion_sum',
        'completion_count',
        'loops',
        'viewers',
        'baseline_views',
        'networks',
      ],
      rows,
      `ON CONFLICT (trending_window, video_id) DO UPDATE SET
         views = views + excluded.views,
         decayed = CASE WHEN views + excluded.views <= 0 THEN 0 ELSE decayed + excluded.decayed END,
         completion_sum = CASE WHEN views + excluded.views <= 0 THEN 0
                               ELSE completion_sum + excluded.completion_sum END,
         completion_count = completion_count + excluded.completion_count,
         loops = loops + excluded.loops,
         viewers = viewers + excluded.viewers,
         baseline_views = baseline_views + excluded.baseline_views,
         networks = networks + excluded.networks`,
    );
  }
}

export class WindowTotals {
  constructor(
    private readonly sql: SqlStorage,
    private readonly source: TotalsSource,
  ) {}

  /** Every window's cursor; a window without one (a new or upgraded object) is built at `now`. */
  cursors(now: number): Map<TrendingWindow, WindowCursor> {
    const rows = this.sql
      .exec<{
        trending_window: TrendingWindow;
        bucket_from: number;
        viewers_from: number;
        baseline_from: number;
        baseline_to: number;
        epoch_ms: number;
      }>('SELECT * FROM window_cursors')
      .toArray();
    const cursors = new Map<TrendingWindow, WindowCursor>(
      rows.map((r) => [
        r.trending_window,
        {
          bucketFrom: r.bucket_from,
          viewersFrom: r.viewers_from,
          baselineFrom: r.baseline_from,
          baselineTo: r.baseline_to,
          epochMs: r.epoch_ms,
        },
      ]),
    );
    for (const window of WINDOWS) {
      if (!cursors.has(window)) cursors.set(window, this.rebuild(window, now));
    }
    return cursors;
  }

  /**
   * Moves a window's totals to `now`: subtracts the buckets and viewers that left the window,
   * moves the baseline span, rebases the decay epoch when due. A clock that went backwards (the
   * totals cannot un-subtract) rebuilds the window from the rollups instead. Returns the cursor
   * the totals now stand at.
   */
  advance(window: TrendingWindow, now: number): WindowCursor {
    const current = this.cursors(now).get(window);
    const next = cursorAt(window, now);
    if (
      !current ||
      next.bucketFrom < current.bucketFrom ||
      next.viewersFrom < current.viewersFrom ||
      next.baselineTo < current.baselineTo
    ) {
      return this.rebuild(window, now);
    }
    const spec = WINDOW_SPECS[window];
    const delta = new TotalsDelta(new Map([[window, current]]));
    if (next.bucketFrom > current.bucketFrom) {
      for (const row of this.source.bucketRows(spec.bucket, current.bucketFrom, next.bucketFrom)) {
        delta.bucket(window, row, -1);
      }
    }
    if (next.viewersFrom > current.viewersFrom) {
      for (const [videoId, n] of this.source.viewersLastSeenBetween(current.viewersFrom, next.viewersFrom)) {
        delta.viewers(window, videoId, -n);
      }
      for (const [videoId, n] of this.source.networksLastSeenBetween(current.viewersFrom, next.viewersFrom)) {
        delta.networks(window, videoId, -n);
      }
    }
    if (spec.baselineMs > 0 && next.baselineTo > current.baselineTo) {
      for (const [videoId, n] of this.source.viewsBetween(current.baselineTo, next.baselineTo)) {
        delta.baseline(window, videoId, n);
      }
      for (const [videoId, n] of this.source.viewsBetween(current.baselineFrom, next.baselineFrom)) {
        delta.baseline(window, videoId, -n);
      }
    }
    delta.apply(this.sql);

    let epochMs = current.epochMs;
    if (now - epochMs > REBASE_AFTER_HALF_LIVES * spec.halfLifeMs) {
      this.sql.exec(
        'UPDATE window_totals SET decayed = decayed * ? WHERE trending_window = ?',
        relativeWeight(window, epochMs, now),
        window,
      );
      epochMs = now;
    }
    const advanced = { ...next, epochMs };
    this.saveCursor(window, advanced);
    return advanced;
  }

  /**
   * Every window's cursor, advanced first where its decay epoch is due for a rebase (the alarm
   * advances every 30 s; this keeps weights finite even if it has not run for weeks).
   */
  cursorsForIngest(now: number): Map<TrendingWindow, WindowCursor> {
    const cursors = this.cursors(now);
    for (const [window, cursor] of cursors) {
      if (now - cursor.epochMs > REBASE_AFTER_HALF_LIVES * WINDOW_SPECS[window].halfLifeMs) {
        cursors.set(window, this.advance(window, now));
      }
    }
    return cursors;
  }

  /** Recomputes a window's totals from the rollups (new objects, and a clock that went back). */
  rebuild(window: TrendingWindow, now: number): WindowCursor {
    const spec = WINDOW_SPECS[window];
    const cursor: WindowCursor = { ...cursorAt(window, now), epochMs: now };
    this.sql.exec('DELETE FROM window_totals WHERE trending_window = ?', window);
    const delta = new TotalsDelta(new Map([[window, cursor]]));
    for (const row of this.source.bucketRows(spec.bucket, cursor.bucketFrom, Number.MAX_SAFE_INTEGER)) {
      delta.bucket(window, row, 1);
    }
    for (const [videoId, n] of this.source.viewersLastSeenBetween(
      cursor.viewersFrom,
      Number.MAX_SAFE_INTEGER,
    )) {
      delta.viewers(window, videoId, n);
    }
    for (const [videoId, n] of this.source.networksLastSeenBetween(
      cursor.viewersFrom,
      Number.MAX_SAFE_INTEGER,
    )) {
      delta.networks(window, videoId, n);
    }
    if (spec.baselineMs > 0) {
      for (const [videoId, n] of this.source.viewsBetween(cursor.baselineFrom, cursor.baselineTo)) {
        delta.baseline(window, videoId, n);
      }
    }
    delta.apply(this.sql);
    this.saveCursor(window, cursor);
    return cursor;
  }

  /**
   * Per video with counted views in the window at `now`, from totals advanced to `now` (the
   * cursor advance returned): views, exact distinct viewers and networks, decayed views, completion, loops and
   * baseline, with at least `minViewers` viewers.
   */
  read(
    window: TrendingWindow,
    cursor: WindowCursor,
    now: number,
    minViewers: number,
  ): { stats: Map<string, WindowVideoStats>; rowsRead: number } {
    const spec = WINDOW_SPECS[window];
    const toNow = relativeWeight(window, cursor.epochMs, now);
    const stats = new Map<string, WindowVideoStats>();
    // Rows cross from SQLite to JS as JSON values, a page each (crossing once per page instead of
    // once per row keeps this read, most of a ranking's cost at scale, fast), in pages of
    // LIMITS.rankingPageRows by video id: one value of the whole window would pass production's
    // 2 MB value limit at about 18,000 rankable videos.
    let rowsRead = 0;
    let after = '';
    for (;;) {
      const page = this.sql
        .exec<{ rows: string; last: string | null }>(
          `SELECT json_group_array(json_array(video_id, views, decayed, completion_sum, completion_count,
                                              loops, viewers, baseline_views, networks)) AS rows,
                  MAX(video_id) AS last
           FROM (SELECT * FROM window_totals
                 WHERE trending_window = ? AND video_id > ? AND views > 0 AND viewers >= ?
                 ORDER BY video_id LIMIT ?)`,
          window,
          after,
          minViewers,
          LIMITS.rankingPageRows,
        )
        .one();
      const rows = JSON.parse(page.rows) as PackedTotalsRow[];
      rowsRead += rows.length;
      for (const [
        videoId,
        views,
        decayed,
        completionSum,
        completionCount,
        loops,
        viewers,
        baselineViews,
        networks,
      ] of rows) {
        stats.set(videoId, {
          views,
          decayedViews: decayed * toNow,
          uniqueViewers: viewers,
          networks,
          completionSum,
          completionCount,
          baselineViews,
          loops,
        });
      }
      if (rows.length < LIMITS.rankingPageRows || page.last === null) break;
      after = page.last;
    }
    // A bucket whose middle is still ahead of now (the current one) weighs 1, not more.
    const ahead = this.source.bucketRows(
      spec.bucket,
      Math.max(cursor.bucketFrom, Math.floor(now - spec.bucketMs / 2) + 1),
      Number.MAX_SAFE_INTEGER,
    );
    for (const row of ahead) {
      const s = stats.get(row.video_id);
      if (!s) continue;
      s.decayedViews += row.views * (1 - relativeWeight(window, bucketMid(window, row.bucket), now));
    }
    return { stats, rowsRead: rowsRead + ahead.length };
  }

  /** Drops totals that hold nothing any more (videos that left a window). */
  prune(): number {
    return this.sql.exec(
      'DELETE FROM window_totals WHERE views = 0 AND viewers = 0 AND networks = 0 AND baseline_views = 0',
    ).rowsWritten;
  }

  private saveCursor(window: TrendingWindow, c: WindowCursor): void {
    this.sql.exec(
      `INSERT INTO window_cursors (trending_window, bucket_from, viewers_from, baseline_from, baseline_to, epoch_ms)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (trending_window) DO UPDATE SET
         bucket_from = excluded.bucket_from, viewers_from = excluded.viewers_from,
         baseline_from = excluded.baseline_from, baseline_to = excluded.baseline_to,
         epoch_ms = excluded.epoch_ms`,
      window,
      c.bucketFrom,
      c.viewersFrom,
      c.baselineFrom,
      c.baselineTo,
      c.epochMs,
    );
  }
}
