import { addBucket, type BucketedVideoStats } from './scoring.ts';
import { type TrendingWindow, WINDOW_SPECS } from './windows.ts';

/**
 * The production record as a view source: the Workers Analytics Engine SQL API over the dataset
 * the aggregator writes every view event to (layout in apps/aggregator/src/view-record.ts: index1 videoId, blob1
 * eventType, blob2 viewerKey, blob8 networkKey, double4 completion or -1, double5 loops).
 *
 * - SQL is built only from constants and validated values: the window picks fixed fragments, the
 *   dataset name must be an identifier. Nothing from a request reaches it.
 * - Rows are sampled: every count and sum is weighted by `_sample_interval`. Distinct viewers are
 *   COUNT(DISTINCT) over the sampled rows, a lower bound once the dataset is sampled; the
 *   per-viewer cap cannot be applied to sampled rows. Both are exact in the aggregator's rollups,
 *   which is why the live ranking is computed there and this source serves as the record to
 *   check it against or rebuild from.
 * - Distinct client networks (the ranking's evidence rule) are COUNT(DISTINCT blob8) over the
 *   points that carry one: points written before the record held the network (2026-12-03) are
 *   left out, and a video none of whose points carry one is ranked without the rule, as the
 *   live ranking ranks a source that cannot tell.
 * - Time is the write time (`timestamp`), which the api sets when the event arrives.
 * - Each query is bounded by a timeout.
 */

/** The part of `fetch` this adapter uses (structural: this package carries no runtime types). */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal?: unknown },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface AnalyticsEngineSourceOptions {
  accountId: string;
  apiToken: string;
  /** The view events dataset (`openvine_view_events`). */
  dataset: string;
  /** API base; a test points it at its own server. */
  endpoint?: string;
  timeoutMs?: number;
  fetch: FetchLike;
}

export type SourceVideoStats = BucketedVideoStats;

/** A query the SQL API refused or did not answer in time; its message never holds the SQL. */
export class AnalyticsEngineError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AnalyticsEngineError';
  }
}

const DEFAULT_ENDPOINT = 'https://api.cloudflare.com/client/v4';
const DEFAULT_TIMEOUT_MS = 5_000;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ACCOUNT_ID = /^[0-9a-f]{32}$/;

/** Per window, from its spec (constants only): the bucket function, the window's and baseline's spans. */
function windowSql(window: TrendingWindow): { bucket: string; since: string; baselineSince?: string } {
  const spec = WINDOW_SPECS[window];
  const minutes = (ms: number) => `INTERVAL '${Math.round(ms / 60_000)}' MINUTE`;
  return {
    bucket: spec.bucket === 'minute' ? 'toStartOfMinute(timestamp)' : 'toStartOfHour(timestamp)',
    since: minutes(spec.durationMs),
    ...(spec.baselineMs > 0 ? { baselineSince: minutes(spec.durationMs + spec.baselineMs) } : {}),
  };
}

type Row = Record<string, string | number | null>;

export class AnalyticsEngineViewSource {
  private readonly url: string;

  constructor(private readonly options: AnalyticsEngineSourceOptions) {
    if (!ACCOUNT_ID.test(options.accountId)) throw new TypeError('accountId must be 32 hex characters');
    if (!IDENTIFIER.test(options.dataset)) throw new TypeError('dataset must be an identifier');
    if (!options.apiToken) throw new TypeError('apiToken is required');
    this.url = `${options.endpoint ?? DEFAULT_ENDPOINT}/accounts/${options.accountId}/analytics_engine/sql`;
  }

  /** The SQL this source sends for a window (for review and tests; constants only). */
  queries(window: TrendingWindow): { buckets: string; viewers: string; networks: string; baseline?: string } {
    const w = windowSql(window);
    const from = `FROM ${this.options.dataset} WHERE blob1 = 'view_end'`;
    const buckets =
      'SELECT index1 AS video_id, toUnixTimestamp(' +
      w.bucket +
      ') AS bucket_s, SUM(_sample_interval) AS views, ' +
      'sumIf(_sample_interval * double4, double4 >= 0) AS completion_sum, ' +
      'sumIf(_sample_interval, double4 >= 0) AS completion_count, ' +
      'SUM(_sample_interval * double5) AS loops ' +
      `${from} AND timestamp >= NOW() - ${w.since} GROUP BY video_id, bucket_s FORMAT JSON`;
    const viewers =
      'SELECT index1 AS video_id, COUNT(DISTINCT blob2) AS viewers ' +
      `${from} AND timestamp >= NOW() - ${w.since} GROUP BY video_id FORMAT JSON`;
    const networks =
      'SELECT index1 AS video_id, COUNT(DISTINCT blob8) AS networks ' +
      `${from} AND blob8 != '' AND timestamp >= NOW() - ${w.since} GROUP BY video_id FORMAT JSON`;
    if (!w.baselineSince) return { buckets, viewers, networks };
    // The span before the window: expected views for the rising boost.
    const baseline =
      'SELECT index1 AS video_id, SUM(_sample_interval) AS views ' +
      `${from} AND timestamp >= NOW() - ${w.baselineSince} AND timestamp < NOW() - ${w.since} ` +
      'GROUP BY video_id FORMAT JSON';
    return { buckets, viewers, networks, baseline };
  }

  /** Per-video stats of a window at `now`, as the rollups give them (approximations above). */
  async windowStats(window: TrendingWindow, now: number): Promise<Map<string, SourceVideoStats>> {
    const sql = this.queries(window);
    const [buckets, viewers, networks, baseline] = await Promise.all([
      this.query(sql.buckets),
      this.query(sql.viewers),
      this.query(sql.networks),
      sql.baseline ? this.query(sql.baseline) : Promise.resolve([]),
    ]);
    const stats = new Map<string, SourceVideoStats>();
    for (const row of buckets) {
      const videoId = String(row.video_id ?? '');
      if (!videoId) continue;
      addBucket(stats, window, now, {
        videoId,
        bucketStartMs: num(row.bucket_s) * 1000,
        views: num(row.views),
        completionSum: num(row.completion_sum),
        completionCount: num(row.completion_count),
        loops: num(row.loops),
      });
    }
    setColumn(stats, viewers, 'viewers', 'uniqueViewers');
    setColumn(stats, networks, 'networks', 'networks');
    setColumn(stats, baseline, 'views', 'baselineViews');
    return stats;
  }

  private async query(sql: string): Promise<Row[]> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const signal = timeoutSignal(timeoutMs);
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await this.options.fetch(this.url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.options.apiToken}`, 'Content-Type': 'text/plain' },
        body: sql,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new AnalyticsEngineError(
        timedOut ? `Analytics Engine did not answer within ${timeoutMs} ms` : 'Analytics Engine unreachable',
      );
    }
    const text = await response.text();
    if (!response.ok) {
      throw new AnalyticsEngineError(`Analytics Engine answered ${response.status}`, response.status);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AnalyticsEngineError('Analytics Engine answered something other than JSON', response.status);
    }
    const data = (parsed as { data?: unknown }).data;
    if (!Array.isArray(data)) throw new AnalyticsEngineError('Analytics Engine answer has no data rows');
    return data as Row[];
  }
}

/** Sets `field` of each video the buckets found from `column` of a per-video query's rows. */
function setColumn(
  stats: Map<string, SourceVideoStats>,
  rows: readonly Row[],
  column: string,
  field: 'uniqueViewers' | 'networks' | 'baselineViews',
): void {
  for (const row of rows) {
    const s = stats.get(String(row.video_id));
    if (s) s[field] = num(row[column]);
  }
}

/** 64-bit integers come back as JSON strings (ClickHouse's JSON format quotes them). */
function num(value: string | number | null | undefined): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** AbortSignal.timeout where the runtime has it (Workers, Node 18+). */
function timeoutSignal(ms: number): unknown {
  const abort = (globalThis as { AbortSignal?: { timeout?: (ms: number) => unknown } }).AbortSignal;
  return abort?.timeout ? abort.timeout(ms) : undefined;
}
