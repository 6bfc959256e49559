import * as v from 'valibot';
import { ReadTargetSchema } from './keys.ts';
import {
  CountSchema,
  ErrorBodySchema,
  perWindowSchema,
  ShardStorageSchema,
  TrendingWindowSchema,
} from './response-schemas.ts';

/**
 * What the admin routes answer (precompute's RPC results, passed through by the api), as valibot
 * schemas: precompute's types are inferred from them and the api's OpenAPI document is generated
 * from them.
 */

const Count = CountSchema;

/** A KV key that KV refused after the retries (a 429 is retried twice), with KV's message. */
export const KvWriteFailureSchema = v.object({ key: v.string(), error: v.string() });
export type KvWriteFailure = v.InferOutput<typeof KvWriteFailureSchema>;

export const WindowReportSchema = v.object({
  window: TrendingWindowSchema,
  generation: Count,
  videos: Count,
  /** Time the aggregator spent ranking the window (one computation per window per run). */
  computeMs: v.number(),
  /** KV keys written with this run's snapshot. */
  kvKeys: v.array(v.string()),
  /** Keys left alone because they held a newer copy (an invalidation's, say); absent when none. */
  kvSuperseded: v.optional(v.array(v.string())),
  /** Keys KV refused after the retries (the next run rewrites them); absent when none. */
  kvFailed: v.optional(v.array(KvWriteFailureSchema)),
});
export type WindowReport = v.InferOutput<typeof WindowReportSchema>;

/** A window a run could not compute or write: the others still ran (the next run tries again). */
export const FailedWindowSchema = v.object({ window: TrendingWindowSchema, error: v.string() });
export type FailedWindow = v.InferOutput<typeof FailedWindowSchema>;

/** `POST /v1/admin/precompute`, and the last run in `GET /v1/admin/status`. */
export const PrecomputeReportSchema = v.object({
  startedAt: Count,
  durationMs: v.number(),
  /** True when another run held the lock: this one did nothing. */
  skipped: v.boolean(),
  windows: v.array(WindowReportSchema),
  /**
   * Edge entries written through the api's EdgeWarmer, most requested first (not those the edge
   * already held a newer copy of).
   */
  warmed: v.array(ReadTargetSchema),
  /** Why warming the edge failed, if it did (the rest of the run still counts). */
  warmError: v.optional(v.string()),
  /** Windows that failed (the others were computed, written and warmed); absent when none. */
  failed: v.optional(v.array(FailedWindowSchema)),
  /**
   * Set when the run failed, part-way or in a window (`failed`, or keys KV refused): what it
   * wrote stays written.
   */
  error: v.optional(v.string()),
});
export type PrecomputeReport = v.InferOutput<typeof PrecomputeReportSchema>;

/**
 * `POST /v1/admin/precompute` 502 `precompute_failed`: the error envelope with the run's report
 * (its `error` line is the envelope's message).
 */
export const PrecomputePartlyFailedSchema = v.object({
  ...v.omit(PrecomputeReportSchema, ['error']).entries,
  ...ErrorBodySchema.entries,
});
export type PrecomputePartlyFailed = v.InferOutput<typeof PrecomputePartlyFailedSchema>;

/** One window an invalidation bumped. */
export const InvalidatedWindowSchema = v.object({
  window: TrendingWindowSchema,
  /** The window's new generation: the aggregator's bump stands whatever KV did. */
  generation: Count,
  /** KV keys now holding the new snapshot. */
  kvKeys: v.array(v.string()),
  /** Keys left alone because they already held a newer copy; absent when none. */
  kvSuperseded: v.optional(v.array(v.string())),
  /**
   * Keys KV refused after the retries (e.g. a 429 that outlasted them). They keep the older
   * generation until the next precompute run (within a minute) overwrites them; readers that have
   * seen the new generation refuse it meanwhile.
   */
  kvFailed: v.array(KvWriteFailureSchema),
});
export type InvalidatedWindow = v.InferOutput<typeof InvalidatedWindowSchema>;

/**
 * A window an invalidation bumped but could not recompute (one of the aggregator's shards out of
 * reach or failing): its new generation stands, and its next computation (the next precompute
 * run, within a minute) carries it; until then its layers keep the list from before. Repeating
 * the call is safe.
 */
export const NotRecomputedWindowSchema = v.object({ window: TrendingWindowSchema, generation: Count });
export type NotRecomputedWindow = v.InferOutput<typeof NotRecomputedWindowSchema>;

/** One line naming the windows that were bumped but not recomputed, for an error or a log. */
export function describeNotRecomputed(windows: readonly NotRecomputedWindow[]): string {
  const names = windows.map((w) => `${w.window} (generation ${w.generation})`).join(', ');
  return `window${windows.length === 1 ? '' : 's'} ${names} could not be recomputed`;
}

/**
 * `POST /v1/admin/invalidate` 200: the windows bumped and recomputed, their new generations and
 * KV keys; `notRecomputed` (only in the 502 `recompute_failed`) those whose recomputation failed.
 */
export const InvalidateReportSchema = v.object({
  windows: v.array(InvalidatedWindowSchema),
  notRecomputed: v.optional(v.array(NotRecomputedWindowSchema)),
});
export type InvalidateReport = v.InferOutput<typeof InvalidateReportSchema>;

/**
 * `POST /v1/admin/invalidate` 502 `kv_write_failed` or `recompute_failed`: the error envelope with
 * the report (the generations stand; `kvFailed` names the keys KV refused, `notRecomputed` the
 * windows not recomputed).
 */
export const InvalidatePartlyFailedSchema = v.object({
  ...ErrorBodySchema.entries,
  ...InvalidateReportSchema.entries,
});
export type InvalidatePartlyFailed = v.InferOutput<typeof InvalidatePartlyFailedSchema>;

/**
 * What precompute's `invalidate` RPC returns: the report, or (a precompute run held the run lock
 * for as long as the invalidation waited) that nothing changed.
 */
export type InvalidateOutcome =
  | ({ ok: true } & InvalidateReport)
  | { ok: false; reason: 'run_lock_busy'; message: string };

/** What a relay's socket is doing: opening, subscribed, waiting to retry, or not started. */
export const RELAY_STATES = ['connecting', 'open', 'backoff', 'idle'] as const;
export type RelayState = (typeof RELAY_STATES)[number];

/** One relay the bridge (NOSTR_RELAYS) subscribes to for video events. */
export const RelayStatusSchema = v.object({
  url: v.string(),
  state: v.picklist(RELAY_STATES),
  /** When the last EVENT message came (ms), null before the first. */
  lastEventAt: v.nullable(Count),
  /** The newest created_at (s) of the events handled: the next subscription's `since`, less an overlap. */
  lastCreatedAt: v.nullable(Count),
  eventsReceived: Count,
  /** Events the aggregator recorded (stored, replaced or superseded; re-sent ones are not counted). */
  eventsRegistered: Count,
  /** Events refused: failed verification (verifyVideoEvent) or older than the stored version. */
  eventsRefused: Count,
  /** Connection attempts after the first. */
  reconnects: Count,
  lastError: v.optional(v.string()),
});
export type RelayStatus = v.InferOutput<typeof RelayStatusSchema>;

/** `GET /v1/admin/status`: the last run, the next cron, each window's generation and age. */
export const PrecomputeStatusSchema = v.object({
  now: Count,
  lastRun: v.nullable(PrecomputeReportSchema),
  /** Seconds since the last run finished (null before the first). */
  lastRunAgeS: v.nullable(v.number()),
  nextCronAt: Count,
  windows: perWindowSchema(
    v.object({
      generation: Count,
      snapshotAgeMs: v.nullable(v.number()),
      computations: Count,
      /** Alarm refreshes of this window that failed since the aggregator started (logged). */
      refreshFailures: Count,
    }),
  ),
  lastAlarmAt: v.nullable(Count),
  /**
   * The aggregator alarm's failed steps since it started: its pruning, and when the last step of
   * any kind failed (each window's are in `windows`). The alarm always schedules the next one.
   */
  alarmFailures: v.object({ prune: Count, lastAt: v.nullable(Count) }),
  /** The aggregator's storage against its budget (docs/scaling.md). */
  storage: ShardStorageSchema,
  /** The relay bridge's relays (empty unless NOSTR_RELAYS names some). */
  relays: v.array(RelayStatusSchema),
});
export type PrecomputeStatus = v.InferOutput<typeof PrecomputeStatusSchema>;

/** The body of the next `POST /v1/admin/seed` page: the same workload, from `offset` on. */
export const SeedCursorSchema = v.object({
  events: Count,
  videos: Count,
  seed: Count,
  now: Count,
  offset: Count,
});

/** `POST /v1/admin/seed`: one page of the demo workload. */
export const SeedResultSchema = v.object({
  videos: Count,
  events: Count,
  offset: Count,
  ingested: Count,
  accepted: Count,
  duplicates: Count,
  /**
   * Signed video events the page registered through POST /v1/videos' path (the first page
   * registers every video's: titles, creators and hashtags come from them only), else 0.
   */
  videosRegistered: Count,
  /** null after the last page. */
  next: v.nullable(SeedCursorSchema),
});
export type SeedResult = v.InferOutput<typeof SeedResultSchema>;

/**
 * A run report as the aggregator returns it (it keeps what any version of precompute stored), if
 * it is of the report's shape; else null, as before the first run.
 */
export function asPrecomputeReport(value: unknown): PrecomputeReport | null {
  return v.is(PrecomputeReportSchema, value) ? value : null;
}
