import {
  HOUR_MS,
  MINUTE_MS,
  type NormalizedViewEvent,
  RETENTION,
  RETENTION_MS,
  SCORING,
  type TrendingWindow,
  WINDOW_SPECS,
  WINDOWS,
} from '@openvine/trending-core';
import {
  migrateNetworkEvidence,
  NetworkEvidenceBatch,
  networksLastSeenBetween,
  pruneNetworks,
} from './network-evidence.ts';
import { countRows, rowCounts } from './row-counts.ts';
import { SeenKeys } from './seen-keys.ts';
import { insertRows, type SqlValue, selectByKeys } from './sql-rows.ts';
import {
  migrateTotalsNetworks,
  TOTALS_SCHEMA,
  TotalsDelta,
  type TotalsSource,
  WindowTotals,
  type WindowVideoStats,
} from './window-totals.ts';

/**
 * SQLite schema and queries of the event store. `videos`: one row per video with events (its view
 * hints and activity; signed metadata lives in video-events.ts). One row per (video, minute) for
 * the 1h window, one per (video, hour) for 24h and 7d, one per (video, viewer) for exact distinct
 * viewers and the per-viewer cap, one per (video, client network) for distinct networks and the
 * per-network viewer cap (network-evidence.ts), and the seen idempotency keys (their digests:
 * seen-keys.ts). Everything older
 * than the 7 d window (plus slack) is pruned by the alarm, so storage is bounded by activity, not
 * by history.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS videos (
     video_id TEXT PRIMARY KEY,
     title TEXT,
     creator_pubkey TEXT,
     hashtags TEXT,
     first_seen_ms INTEGER NOT NULL,
     last_event_ms INTEGER NOT NULL
   ) WITHOUT ROWID`,
  // hour_views: the viewer's views of the video per arrival hour ({"<hour>": views}, server
  // time) for the per-viewer cap. Arrival, not the client's timestamp: timestamps may be up to
  // 7 days old, and a replay backdated into 169 hours would get the cap 169 times. Events still
  // land in the buckets of their own timestamp (out of order is fine), only the cap counts by
  // arrival; hours older than the oldest accepted timestamp are dropped on write. One row per viewer, not one per viewer and hour: the random keys of
  // these rows are the bulk of ingest's write cost.
  `CREATE TABLE IF NOT EXISTS video_viewers (
     video_id TEXT NOT NULL,
     viewer_key TEXT NOT NULL,
     first_ms INTEGER NOT NULL,
     last_ms INTEGER NOT NULL,
     hour_views TEXT NOT NULL DEFAULT '{}',
     PRIMARY KEY (video_id, viewer_key)
   ) WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS video_viewers_by_last ON video_viewers (last_ms, video_id)',
  ...(['minute_buckets', 'hour_buckets'] as const).flatMap((table) => [
    `CREATE TABLE IF NOT EXISTS ${table} (
       bucket INTEGER NOT NULL,
       video_id TEXT NOT NULL,
       views INTEGER NOT NULL DEFAULT 0,
       capped_views INTEGER NOT NULL DEFAULT 0,
       starts INTEGER NOT NULL DEFAULT 0,
       completion_sum REAL NOT NULL DEFAULT 0,
       completion_count INTEGER NOT NULL DEFAULT 0,
       loops INTEGER NOT NULL DEFAULT 0,
       watch_ms INTEGER NOT NULL DEFAULT 0,
       PRIMARY KEY (bucket, video_id)
     ) WITHOUT ROWID`,
  ]),
  `CREATE TABLE IF NOT EXISTS generations (
     trending_window TEXT PRIMARY KEY,
     generation INTEGER NOT NULL
   ) WITHOUT ROWID`,
];

/** The minute table keeps 1 h plus slack; the hour table the 7 d window plus its partial hour. */
const MINUTE_RETENTION_MS = RETENTION.minuteBucketsMs;
const HOUR_RETENTION_MS = RETENTION.hourBucketsMs;

export type BucketRow = {
  video_id: string;
  bucket: number;
  views: number;
  completion_sum: number;
  completion_count: number;
  loops: number;
};

/**
 * What view bodies said of a video (title, creatorPubkey, hashtags): hints only, kept apart in the
 * `videos` table, never ranked or shown (metadata comes from signed events: video-events.ts).
 */
export type ViewHintsRow = {
  video_id: string;
  title: string | null;
  creator_pubkey: string | null;
  hashtags: string | null;
};

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  /** Positions (in the batch) of events that were already counted. */
  duplicateIndexes: number[];
}

interface BucketAdd {
  views: number;
  cappedViews: number;
  starts: number;
  completionSum: number;
  completionCount: number;
  loops: number;
  watchMs: number;
}

/** The tables stats() reports the rows of (row-counts.ts keeps their counts). */
const COUNTED_TABLES = ['videos', 'minute_buckets', 'hour_buckets', 'video_viewers', 'window_totals'];

const BUCKET_TABLES = [
  ['minute_buckets', MINUTE_MS],
  ['hour_buckets', HOUR_MS],
] as const;

/** Separates the parts of composite map keys (ids never contain NUL). */
const SEP = '\u0000';

export class Rollups implements TotalsSource {
  private readonly totals: WindowTotals;
  private readonly seenKeys: SeenKeys;

  constructor(private readonly sql: SqlStorage) {
    this.totals = new WindowTotals(sql, this);
    this.seenKeys = new SeenKeys(sql);
  }

  migrate(): void {
    for (const statement of [...SCHEMA, ...TOTALS_SCHEMA]) this.sql.exec(statement);
    this.seenKeys.migrate();
    this.migrateViewerHours();
    migrateNetworkEvidence(this.sql);
    migrateTotalsNetworks(this.sql);
    countRows(this.sql, [...COUNTED_TABLES, ...this.seenKeys.tables()]);
  }

  /**
   * Objects created before hour_views kept the cap in a viewer_hours table, one row per (video,
   * viewer, hour): fold it into video_viewers once, then drop it.
   */
  private migrateViewerHours(): void {
    const definition = (table: string) =>
      this.sql
        .exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table)
        .toArray()[0]?.sql;
    if (!definition('video_viewers')?.includes('hour_views')) {
      this.sql.exec("ALTER TABLE video_viewers ADD COLUMN hour_views TEXT NOT NULL DEFAULT '{}'");
    }
    if (definition('viewer_hours') === undefined) return;
    this.sql.exec(
      `UPDATE video_viewers SET hour_views = (
         SELECT json_group_object(h.hour, h.views) FROM viewer_hours h
         WHERE h.video_id = video_viewers.video_id AND h.viewer_key = video_viewers.viewer_key)
       WHERE EXISTS (
         SELECT 1 FROM viewer_hours h
         WHERE h.video_id = video_viewers.video_id AND h.viewer_key = video_viewers.viewer_key)`,
    );
    this.sql.exec('DROP TABLE viewer_hours');
  }

  /**
   * Applies a batch; call inside a storage transaction so a batch counts whole or not at all.
   * The batch is folded in memory first (the per-viewer cap and distinct viewers in event order),
   * then written with one statement per table, not a handful per event.
   */
  ingest(events: readonly NormalizedViewEvent[], now: number): IngestOutcome {
    const accepted = this.claimDedupKeys(events, now);
    const duplicateIndexes = accepted.flatMap((ok, index) => (ok ? [] : [index]));
    const fresh = events.filter((_, index) => accepted[index]);

    const cursors = this.totals.cursorsForIngest(now);
    const totals = new TotalsDelta(cursors);
    const views = fresh.filter((e) => e.eventType === 'view_end');
    const stored = this.storedViewers(views);
    const networks = new NetworkEvidenceBatch(this.sql, views, now);
    const arrivalHour = String(Math.floor(now / HOUR_MS));
    const viewers = new Map<
      string,
      {
        videoId: string;
        viewerKey: string;
        firstMs: number;
        lastMs: number | undefined;
        hourViews: Record<string, number>;
      }
    >();
    const buckets = new Map<string, { table: string; bucket: number; videoId: string; add: BucketAdd }>();
    const videos = new Map<string, SqlValue[]>();

    const addToBuckets = (event: NormalizedViewEvent, add: Partial<BucketAdd>) => {
      for (const [table, size] of BUCKET_TABLES) {
        const bucket = Math.floor(event.timestampMs / size) * size;
        const key = `${table}${SEP}${bucket}${SEP}${event.videoId}`;
        let entry = buckets.get(key);
        if (!entry) {
          entry = {
            table,
            bucket,
            videoId: event.videoId,
            add: {
              views: 0,
              cappedViews: 0,
              starts: 0,
              completionSum: 0,
              completionCount: 0,
              loops: 0,
              watchMs: 0,
            },
          };
          buckets.set(key, entry);
        }
        for (const [field, value] of Object.entries(add) as [keyof BucketAdd, number][]) {
          entry.add[field] += value;
        }
        if (add.views)
          this.addViewToTotals(totals, event, table === 'minute_buckets' ? 'minute' : 'hour', bucket);
      }
    };

    for (const event of fresh) {
      this.foldVideo(videos, event);
      if (event.eventType === 'view_start') {
        addToBuckets(event, { starts: 1 });
        continue;
      }
      const pair = `${event.videoId}${SEP}${event.viewerId}`;
      let viewer = viewers.get(pair);
      const before = viewer ? undefined : stored.get(pair);
      // A viewer new to the video takes one of its network's places this hour, or counts nothing.
      if (!viewer && !before && !networks.admitNewViewer(event)) {
        addToBuckets(event, { cappedViews: 1 });
        continue;
      }
      if (!viewer) {
        viewer = {
          videoId: event.videoId,
          viewerKey: event.viewerId,
          firstMs: event.timestampMs,
          lastMs: before?.lastMs,
          hourViews: before?.hourViews ?? {},
        };
        viewers.set(pair, viewer);
      }
      viewer.firstMs = Math.min(viewer.firstMs, event.timestampMs);
      const viewsThisHour = (viewer.hourViews[arrivalHour] ?? 0) + 1;
      viewer.hourViews[arrivalHour] = viewsThisHour;
      if (viewsThisHour > SCORING.viewsCapPerViewerHour) {
        addToBuckets(event, { cappedViews: 1 });
        continue;
      }
      // Only a counted view makes the viewer one of the video's distinct viewers in a window (as
      // it does its network, below): a capped view stamped inside a window whose counted views
      // are older would show more viewers than views. lastMs is the latest COUNTED view.
      const previous = viewer.lastMs;
      const latest = Math.max(previous ?? event.timestampMs, event.timestampMs);
      viewer.lastMs = latest;
      for (const [window, cursor] of cursors) {
        const wasIn = previous !== undefined && previous >= cursor.viewersFrom;
        if (!wasIn && latest >= cursor.viewersFrom) totals.viewers(window, event.videoId, 1);
      }
      const networkBefore = networks.countView(event);
      const networkLatest = Math.max(networkBefore ?? event.timestampMs, event.timestampMs);
      for (const [window, cursor] of cursors) {
        const wasIn = networkBefore !== undefined && networkBefore >= cursor.viewersFrom;
        if (!wasIn && networkLatest >= cursor.viewersFrom) totals.networks(window, event.videoId, 1);
      }
      const completionKnown = event.completion !== undefined;
      addToBuckets(event, {
        views: 1,
        completionSum: completionKnown ? (event.completion ?? 0) : 0,
        completionCount: completionKnown ? 1 : 0,
        loops: event.loops,
        watchMs: event.watchMs ?? 0,
      });
    }

    this.writeVideos([...videos.values()]);
    networks.write();
    // Hours before the oldest timestamp still accepted can receive no more views: dropped.
    const oldestHour = Math.floor((now - RETENTION_MS) / HOUR_MS);
    insertRows(
      this.sql,
      'video_viewers',
      ['video_id', 'viewer_key', 'first_ms', 'last_ms', 'hour_views'],
      [...viewers.values()].map((v) => [
        v.videoId,
        v.viewerKey,
        v.firstMs,
        v.lastMs ?? v.firstMs,
        JSON.stringify(
          Object.fromEntries(Object.entries(v.hourViews).filter(([h]) => Number(h) >= oldestHour)),
        ),
      ]),
      `ON CONFLICT (video_id, viewer_key) DO UPDATE SET
         first_ms = MIN(first_ms, excluded.first_ms),
         last_ms = MAX(last_ms, excluded.last_ms),
         hour_views = excluded.hour_views`,
    );
    for (const [table] of BUCKET_TABLES) {
      const rows = [...buckets.values()]
        .filter((b) => b.table === table)
        .map(({ bucket, videoId, add }) => [
          bucket,
          videoId,
          add.views,
          add.cappedViews,
          add.starts,
          add.completionSum,
          add.completionCount,
          add.loops,
          add.watchMs,
        ]);
      insertRows(
        this.sql,
        table,
        [
          'bucket',
          'video_id',
          'views',
          'capped_views',
          'starts',
          'completion_sum',
          'completion_count',
          'loops',
          'watch_ms',
        ],
        rows,
        `ON CONFLICT (bucket, video_id) DO UPDATE SET
           views = views + excluded.views,
           capped_views = capped_views + excluded.capped_views,
           starts = starts + excluded.starts,
           completion_sum = completion_sum + excluded.completion_sum,
           completion_count = completion_count + excluded.completion_count,
           loops = loops + excluded.loops,
           watch_ms = watch_ms + excluded.watch_ms`,
      );
    }
    totals.apply(this.sql);
    return { accepted: fresh.length, duplicates: duplicateIndexes.length, duplicateIndexes };
  }

  /**
   * Records the batch's idempotency keys (as digests: seen-keys.ts); false for an event whose key
   * was seen before, or earlier in the batch. Keys are hashed well-formed: a lone surrogate has no
   * UTF-8 form (when SQLite stored the text, such a key came back changed, never matched itself,
   * and its event was dropped as a duplicate of nothing).
   */
  private claimDedupKeys(events: readonly NormalizedViewEvent[], now: number): boolean[] {
    return this.seenKeys.claim(
      events.map((e) => e.dedupKey),
      now,
    );
  }

  /** The batch's viewers as stored before it: latest view and views per hour. */
  private storedViewers(
    views: readonly NormalizedViewEvent[],
  ): Map<string, { lastMs: number; hourViews: Record<string, number> }> {
    const pairs = new Map(views.map((e) => [`${e.videoId}${SEP}${e.viewerId}`, [e.videoId, e.viewerId]]));
    const rows = selectByKeys<{ video_id: string; viewer_key: string; last_ms: number; hour_views: string }>(
      this.sql,
      'video_viewers',
      ['video_id', 'viewer_key'],
      ['video_id', 'viewer_key', 'last_ms', 'hour_views'],
      [...pairs.values()],
    );
    return new Map(
      rows.map((r) => [
        `${r.video_id}${SEP}${r.viewer_key}`,
        { lastMs: r.last_ms, hourViews: JSON.parse(r.hour_views) as Record<string, number> },
      ]),
    );
  }

  /** A counted view enters each window whose cursor holds its bucket, and baselines likewise. */
  private addViewToTotals(
    totals: TotalsDelta,
    event: NormalizedViewEvent,
    granularity: 'minute' | 'hour',
    bucket: number,
  ): void {
    const row = {
      video_id: event.videoId,
      bucket,
      views: 1,
      completion_sum: event.completion ?? 0,
      completion_count: event.completion === undefined ? 0 : 1,
      loops: event.loops,
    };
    for (const window of WINDOWS) {
      const spec = WINDOW_SPECS[window];
      const cursor = totals.cursor(window);
      if (spec.bucket === granularity && bucket >= cursor.bucketFrom) totals.bucket(window, row, 1);
      if (granularity === 'hour' && bucket >= cursor.baselineFrom && bucket < cursor.baselineTo) {
        totals.baseline(window, event.videoId, 1);
      }
    }
  }

  /** View hints per video: the batch's latest non-empty values win, as they would one by one. */
  private foldVideo(videos: Map<string, SqlValue[]>, event: NormalizedViewEvent): void {
    const held = videos.get(event.videoId);
    videos.set(event.videoId, [
      event.videoId,
      event.title ?? held?.[1] ?? null,
      event.creatorPubkey ?? held?.[2] ?? null,
      event.hashtags ? JSON.stringify(event.hashtags) : (held?.[3] ?? null),
      held?.[4] ?? event.timestampMs,
      Math.max(Number(held?.[5] ?? event.timestampMs), event.timestampMs),
    ]);
  }

  private writeVideos(rows: SqlValue[][]): void {
    insertRows(
      this.sql,
      'videos',
      ['video_id', 'title', 'creator_pubkey', 'hashtags', 'first_seen_ms', 'last_event_ms'],
      rows,
      `ON CONFLICT (video_id) DO UPDATE SET
         title = COALESCE(excluded.title, title),
         creator_pubkey = COALESCE(excluded.creator_pubkey, creator_pubkey),
         hashtags = COALESCE(excluded.hashtags, hashtags),
         last_event_ms = MAX(last_event_ms, excluded.last_event_ms)`,
    );
  }

  /** Per-video stats of a window at `now`, from its running totals (see window-totals.ts). */
  windowStats(
    window: TrendingWindow,
    now: number,
    minViewers: number,
  ): { stats: Map<string, WindowVideoStats>; rowsRead: number } {
    return this.totals.read(window, this.totals.advance(window, now), now, minViewers);
  }

  /** Views of one video the caps refused in its buckets from `from` on (for explain). */
  cappedViews(bucket: 'minute' | 'hour', videoId: string, from: number): number {
    const table = bucket === 'minute' ? 'minute_buckets' : 'hour_buckets';
    const row = this.sql
      .exec<{ capped: number | null }>(
        `SELECT SUM(capped_views) AS capped FROM ${table} WHERE video_id = ? AND bucket >= ?`,
        videoId,
        from,
      )
      .one();
    return row.capped ?? 0;
  }

  bucketRows(bucket: 'minute' | 'hour', from: number, to: number): BucketRow[] {
    const table = bucket === 'minute' ? 'minute_buckets' : 'hour_buckets';
    return this.sql
      .exec<BucketRow>(
        `SELECT video_id, bucket, views, completion_sum, completion_count, loops
         FROM ${table} WHERE bucket >= ? AND bucket < ? AND views > 0`,
        from,
        to,
      )
      .toArray();
  }

  networksLastSeenBetween(from: number, to: number): Map<string, number> {
    return networksLastSeenBetween(this.sql, from, to);
  }

  viewersLastSeenBetween(from: number, to: number): Map<string, number> {
    const rows = this.sql
      .exec<{ video_id: string; viewers: number }>(
        `SELECT video_id, COUNT(*) AS viewers FROM video_viewers
         WHERE last_ms >= ? AND last_ms < ? GROUP BY video_id`,
        from,
        to,
      )
      .toArray();
    return new Map(rows.map((r) => [r.video_id, r.viewers]));
  }

  /** Counted views per video in [fromMs, toMs), from the hour table (baselines). */
  viewsBetween(fromMs: number, toMs: number): Map<string, number> {
    const rows = this.sql
      .exec<{ video_id: string; views: number }>(
        `SELECT video_id, SUM(views) AS views FROM hour_buckets
         WHERE bucket >= ? AND bucket < ? GROUP BY video_id`,
        fromMs,
        toMs,
      )
      .toArray();
    return new Map(rows.map((r) => [r.video_id, r.views]));
  }

  /** The view hints of videos (not their metadata: see ViewHintsRow). */
  viewHints(videoIds: readonly string[]): Map<string, ViewHintsRow> {
    const rows = selectByKeys<ViewHintsRow>(
      this.sql,
      'videos',
      ['video_id'],
      ['video_id', 'title', 'creator_pubkey', 'hashtags'],
      videoIds.map((id) => [id]),
    );
    return new Map(rows.map((r) => [r.video_id, r]));
  }

  generation(window: TrendingWindow): number {
    const row = this.sql
      .exec<{ generation: number }>('SELECT generation FROM generations WHERE trending_window = ?', window)
      .toArray()[0];
    return row?.generation ?? 1;
  }

  bumpGeneration(window: TrendingWindow): number {
    return this.sql
      .exec<{ generation: number }>(
        `INSERT INTO generations (trending_window, generation) VALUES (?, 2)
         ON CONFLICT (trending_window) DO UPDATE SET generation = generation + 1
         RETURNING generation`,
        window,
      )
      .one().generation;
  }

  /** Drops everything no window can see any more. Returns rows deleted. */
  prune(now: number): number {
    // The totals subtract what leaves a window from the rows themselves: move them first.
    for (const window of WINDOWS) this.totals.advance(window, now);
    let deleted = this.totals.prune();
    deleted += this.sql.exec(
      'DELETE FROM minute_buckets WHERE bucket < ?',
      now - MINUTE_RETENTION_MS,
    ).rowsWritten;
    deleted += this.sql.exec(
      'DELETE FROM hour_buckets WHERE bucket < ?',
      now - HOUR_RETENTION_MS,
    ).rowsWritten;
    // Viewers and networks are counted over a window's buckets (cursorAt): kept as long as the
    // hour buckets, and, like networks (pruneNetworks), through an arrival hour they hold views
    // of: a view the queue delivers late can be older than the hour buckets on arrival, and
    // pruning its viewer would reopen the per-viewer cap for the rest of the hour.
    deleted += this.sql.exec(
      'DELETE FROM video_viewers WHERE last_ms < ? AND json_extract(hour_views, ?) IS NULL',
      now - HOUR_RETENTION_MS,
      `$."${Math.floor(now / HOUR_MS)}"`,
    ).rowsWritten;
    deleted += pruneNetworks(this.sql, now - HOUR_RETENTION_MS, now);
    deleted += this.seenKeys.prune(now);
    deleted += this.sql.exec('DELETE FROM videos WHERE last_event_ms < ?', now - RETENTION_MS).rowsWritten;
    return deleted;
  }

  counts(): {
    videos: number;
    bucketsMinute: number;
    bucketsHour: number;
    viewers: number;
    seenKeys: number;
    windowTotals: number;
  } {
    // Kept as rows change (row-counts.ts): one small read, not a count of every table.
    const count = rowCounts(this.sql);
    return {
      videos: count('videos'),
      bucketsMinute: count('minute_buckets'),
      bucketsHour: count('hour_buckets'),
      viewers: count('video_viewers'),
      seenKeys: this.seenKeys.tables().reduce((sum, table) => sum + count(table), 0),
      windowTotals: count('window_totals'),
    };
  }
}
