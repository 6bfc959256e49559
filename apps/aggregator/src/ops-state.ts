import {
  isResponseFormat,
  MAX_LIMIT,
  MINUTE_MS,
  RETENTION,
  type ResponseFormat,
  type TrendingWindow,
  WINDOWS,
} from '@openvine/trending-core';

/**
 * Operational state kept beside the event store, in the same strongly consistent object:
 * the precompute run lock (overlapping cron runs must not double the work), the last run's
 * report (for status), and which (window, limit) pairs clients ask for (to warm them first).
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS run_lock (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     owner TEXT NOT NULL,
     expires_ms INTEGER NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS run_reports (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     report TEXT NOT NULL,
     finished_ms INTEGER NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS access_counts (
     minute INTEGER NOT NULL,
     format TEXT NOT NULL,
     trending_window TEXT NOT NULL,
     read_limit INTEGER NOT NULL,
     count INTEGER NOT NULL,
     PRIMARY KEY (minute, format, trending_window, read_limit)
   ) WITHOUT ROWID`,
];

/** Pairs asked for within this span are warmed; older counts are dropped. */
export const ACCESS_MEMORY_MS = RETENTION.accessCountsMs;

export interface AccessCount {
  format: ResponseFormat;
  window: TrendingWindow;
  limit: number;
  count: number;
}

export class OpsState {
  constructor(private readonly sql: SqlStorage) {}

  migrate(): void {
    for (const statement of SCHEMA) this.sql.exec(statement);
  }

  /** Takes the run lock unless another owner holds an unexpired one. */
  tryLock(owner: string, ttlMs: number, now: number): boolean {
    const held = this.sql
      .exec<{ owner: string; expires_ms: number }>('SELECT owner, expires_ms FROM run_lock WHERE id = 1')
      .toArray()[0];
    if (held && held.owner !== owner && held.expires_ms > now) return false;
    this.sql.exec(
      `INSERT INTO run_lock (id, owner, expires_ms) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms`,
      owner,
      now + ttlMs,
    );
    return true;
  }

  /**
   * Extends `owner`'s lock, whether or not it expired meanwhile, as long as nobody took it since:
   * false once another owner holds it or took and released it (a lock is never taken back).
   */
  renewLock(owner: string, ttlMs: number, now: number): boolean {
    return (
      this.sql.exec('UPDATE run_lock SET expires_ms = ? WHERE id = 1 AND owner = ?', now + ttlMs, owner)
        .rowsWritten > 0
    );
  }

  unlock(owner: string): void {
    this.sql.exec('DELETE FROM run_lock WHERE id = 1 AND owner = ?', owner);
  }

  saveReport(report: unknown, now: number): void {
    this.sql.exec(
      `INSERT INTO run_reports (id, report, finished_ms) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET report = excluded.report, finished_ms = excluded.finished_ms`,
      JSON.stringify(report),
      now,
    );
  }

  lastReport(): unknown {
    const row = this.sql.exec<{ report: string }>('SELECT report FROM run_reports WHERE id = 1').toArray()[0];
    return row ? (JSON.parse(row.report) as unknown) : null;
  }

  recordAccess(counts: readonly AccessCount[], now: number): void {
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    for (const { format, window, limit, count } of counts) {
      if (!isResponseFormat(format)) continue;
      if (!(WINDOWS as readonly string[]).includes(window)) continue;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT || !(count > 0)) continue;
      this.sql.exec(
        `INSERT INTO access_counts (minute, format, trending_window, read_limit, count) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (minute, format, trending_window, read_limit) DO UPDATE SET count = count + excluded.count`,
        minute,
        format,
        window,
        limit,
        Math.floor(count),
      );
    }
  }

  /** The most requested pairs of the last hour, most requested first; older counts are pruned. */
  popularReads(now: number, max: number): AccessCount[] {
    const since = now - ACCESS_MEMORY_MS;
    this.sql.exec('DELETE FROM access_counts WHERE minute < ?', since - MINUTE_MS);
    return this.sql
      .exec<{ format: string; trending_window: string; read_limit: number; count: number }>(
        `SELECT format, trending_window, read_limit, SUM(count) AS count FROM access_counts
         WHERE minute >= ? GROUP BY format, trending_window, read_limit
         ORDER BY count DESC, format, trending_window, read_limit LIMIT ?`,
        since,
        max,
      )
      .toArray()
      .map((r) => ({
        format: r.format as ResponseFormat,
        window: r.trending_window as TrendingWindow,
        limit: r.read_limit,
        count: r.count,
      }));
  }
}
