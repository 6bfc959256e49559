import {
  HOUR_MS,
  MINUTE_MS,
  type NormalizedViewEvent,
  RETENTION_MS,
  SCORING,
  type TrendingWindow,
} from '@openvine/trending-core';

/**
 * SQLite schema and queries of the event store. One row per (video, minute) for the 1h window,
 * one per (video, hour) for 24h and 7d, one per (video, viewer) for exact distinct viewers, one
 * per (video, viewer, hour) for the per-viewer cap, and the seen idempotency keys. Everything older
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
  `CREATE TABLE IF NOT EXISTS seen_events (
     dedup_key TEXT PRIMARY KEY,
     seen_ms INTEGER NOT NULL
   ) WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS seen_events_by_time ON seen_events (seen_ms)',
  `CREATE TABLE IF NOT EXISTS video_viewers (
     video_id TEXT NOT NULL,
     viewer_key TEXT NOT NULL,
     first_ms INTEGER NOT NULL,
     last_ms INTEGER NOT NULL,
     PRIMARY KEY (video_id, viewer_key)
   ) WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS video_viewers_by_last ON video_viewers (last_ms, video_id)',
  // Views per (video, viewer, hour) for the per-viewer cap: kept per hour, so events arriving out
  // of order (timestamps are the client's) can neither reset the cap nor lose counted views.
  `CREATE TABLE IF NOT EXISTS viewer_hours (
     video_id TEXT NOT NULL,
     viewer_key TEXT NOT NULL,
     hour INTEGER NOT NULL,
     views INTEGER NOT NULL,
     PRIMARY KEY (video_id, viewer_key, hour)
   ) WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS viewer_hours_by_hour ON viewer_hours (hour)',
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
const MINUTE_RETENTION_MS = 2 * HOUR_MS;
const HOUR_RETENTION_MS = RETENTION_MS + HOUR_MS;
/** Idempotency keys outlive the oldest accepted timestamp (7 d) plus clock skew. */
const DEDUP_RETENTION_MS = RETENTION_MS + HOUR_MS;

export type BucketRow = {
  video_id: string;
  bucket: number;
  views: number;
  completion_sum: number;
  completion_count: number;
  loops: number;
};

export type VideoMetaRow = {
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

export class Rollups {
  constructor(private readonly sql: SqlStorage) {}

  migrate(): void {
    for (const statement of SCHEMA) this.sql.exec(statement);
  }

  /** Applies a batch; call inside a storage transaction so a batch counts whole or not at all. */
  ingest(events: readonly NormalizedViewEvent[], now: number): IngestOutcome {
    const duplicateIndexes: number[] = [];
    events.forEach((event, index) => {
      if (event.dedupKey !== undefined) {
        const inserted = this.sql.exec(
          'INSERT INTO seen_events (dedup_key, seen_ms) VALUES (?, ?) ON CONFLICT DO NOTHING',
          event.dedupKey,
          now,
        ).rowsWritten;
        if (inserted === 0) {
          duplicateIndexes.push(index);
          return;
        }
      }
      this.upsertVideo(event);
      if (event.eventType === 'view_start') {
        this.addToBuckets(event, { starts: 1 });
        return;
      }
      const counted = this.recordViewer(event);
      this.addToBuckets(event, counted ? { views: 1 } : { cappedViews: 1 });
    });
    return {
      accepted: events.length - duplicateIndexes.length,
      duplicates: duplicateIndexes.length,
      duplicateIndexes,
    };
  }

  private upsertVideo(event: NormalizedViewEvent): void {
    this.sql.exec(
      `INSERT INTO videos (video_id, title, creator_pubkey, hashtags, first_seen_ms, last_event_ms)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (video_id) DO UPDATE SET
         title = COALESCE(excluded.title, title),
         creator_pubkey = COALESCE(excluded.creator_pubkey, creator_pubkey),
         hashtags = COALESCE(excluded.hashtags, hashtags),
         last_event_ms = MAX(last_event_ms, excluded.last_event_ms)`,
      event.videoId,
      event.title ?? null,
      event.creatorPubkey ?? null,
      event.hashtags ? JSON.stringify(event.hashtags) : null,
      event.timestampMs,
      event.timestampMs,
    );
  }

  /** Tracks the viewer and tells whether this view is within the viewer's cap for its hour. */
  private recordViewer(event: NormalizedViewEvent): boolean {
    const hour = Math.floor(event.timestampMs / HOUR_MS);
    this.sql.exec(
      `INSERT INTO video_viewers (video_id, viewer_key, first_ms, last_ms)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (video_id, viewer_key) DO UPDATE SET
         first_ms = MIN(first_ms, excluded.first_ms),
         last_ms = MAX(last_ms, excluded.last_ms)`,
      event.videoId,
      event.viewerId,
      event.timestampMs,
      event.timestampMs,
    );
    const row = this.sql
      .exec<{ views: number }>(
        `INSERT INTO viewer_hours (video_id, viewer_key, hour, views) VALUES (?, ?, ?, 1)
         ON CONFLICT (video_id, viewer_key, hour) DO UPDATE SET views = views + 1
         RETURNING views`,
        event.videoId,
        event.viewerId,
        hour,
      )
      .one();
    return row.views <= SCORING.viewsCapPerViewerHour;
  }

  private addToBuckets(
    event: NormalizedViewEvent,
    add: { views?: number; cappedViews?: number; starts?: number },
  ): void {
    const views = add.views ?? 0;
    const completionKnown = views > 0 && event.completion !== undefined;
    for (const [table, size] of [
      ['minute_buckets', MINUTE_MS],
      ['hour_buckets', HOUR_MS],
    ] as const) {
      this.sql.exec(
        `INSERT INTO ${table} (bucket, video_id, views, capped_views, starts, completion_sum, completion_count, loops, watch_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (bucket, video_id) DO UPDATE SET
           views = views + excluded.views,
           capped_views = capped_views + excluded.capped_views,
           starts = starts + excluded.starts,
           completion_sum = completion_sum + excluded.completion_sum,
           completion_count = completion_count + excluded.completion_count,
           loops = loops + excluded.loops,
           watch_ms = watch_ms + excluded.watch_ms`,
        Math.floor(event.timestampMs / size) * size,
        event.videoId,
        views,
        add.cappedViews ?? 0,
        add.starts ?? 0,
        completionKnown ? (event.completion ?? 0) : 0,
        completionKnown ? 1 : 0,
        views > 0 ? event.loops : 0,
        views > 0 ? (event.watchMs ?? 0) : 0,
      );
    }
  }

  /** Per-bucket rows of a window, from the table of its granularity. */
  bucketsSince(bucket: 'minute' | 'hour', sinceMs: number): BucketRow[] {
    const table = bucket === 'minute' ? 'minute_buckets' : 'hour_buckets';
    return this.sql
      .exec<BucketRow>(
        `SELECT video_id, bucket, views, completion_sum, completion_count, loops
         FROM ${table} WHERE bucket >= ? AND views > 0`,
        sinceMs,
      )
      .toArray();
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

  /** Exact distinct viewers per video whose latest view is at or after sinceMs. */
  uniqueViewersSince(sinceMs: number): Map<string, number> {
    const rows = this.sql
      .exec<{ video_id: string; viewers: number }>(
        'SELECT video_id, COUNT(*) AS viewers FROM video_viewers WHERE last_ms >= ? GROUP BY video_id',
        sinceMs,
      )
      .toArray();
    return new Map(rows.map((r) => [r.video_id, r.viewers]));
  }

  videoMeta(videoIds: readonly string[]): Map<string, VideoMetaRow> {
    if (videoIds.length === 0) return new Map();
    const rows = this.sql
      .exec<VideoMetaRow>(
        `SELECT video_id, title, creator_pubkey, hashtags FROM videos
         WHERE video_id IN (${videoIds.map(() => '?').join(',')})`,
        ...videoIds,
      )
      .toArray();
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
    let deleted = 0;
    deleted += this.sql.exec(
      'DELETE FROM minute_buckets WHERE bucket < ?',
      now - MINUTE_RETENTION_MS,
    ).rowsWritten;
    deleted += this.sql.exec(
      'DELETE FROM hour_buckets WHERE bucket < ?',
      now - HOUR_RETENTION_MS,
    ).rowsWritten;
    deleted += this.sql.exec('DELETE FROM video_viewers WHERE last_ms < ?', now - RETENTION_MS).rowsWritten;
    // Hours that end before the oldest timestamp still accepted can receive no more views.
    deleted += this.sql.exec(
      'DELETE FROM viewer_hours WHERE hour < ?',
      Math.floor((now - RETENTION_MS) / HOUR_MS),
    ).rowsWritten;
    deleted += this.sql.exec(
      'DELETE FROM seen_events WHERE seen_ms < ?',
      now - DEDUP_RETENTION_MS,
    ).rowsWritten;
    deleted += this.sql.exec('DELETE FROM videos WHERE last_event_ms < ?', now - RETENTION_MS).rowsWritten;
    return deleted;
  }

  counts(): {
    videos: number;
    bucketsMinute: number;
    bucketsHour: number;
    viewers: number;
    viewerHours: number;
    seenKeys: number;
  } {
    const count = (table: string) =>
      this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
    return {
      videos: count('videos'),
      bucketsMinute: count('minute_buckets'),
      bucketsHour: count('hour_buckets'),
      viewers: count('video_viewers'),
      viewerHours: count('viewer_hours'),
      seenKeys: count('seen_events'),
    };
  }
}
