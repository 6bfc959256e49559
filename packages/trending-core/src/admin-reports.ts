import * as v from 'valibot';
import { ReadTargetSchema } from './keys.ts';
import { perWindowSchema, TrendingWindowSchema } from './response-schemas.ts';

/**
 * What the admin routes answer (precompute's RPC results, passed through by the api), as valibot
 * schemas: precompute's types are inferred from them and the api's OpenAPI document is generated
 * from them.
 */

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

export const WindowReportSchema = v.object({
  window: TrendingWindowSchema,
  generation: Count,
  videos: Count,
  /** Time the aggregator spent ranking the window (one computation per window per run). */
  computeMs: v.number(),
  kvKeys: v.array(v.string()),
});
export type WindowReport = v.InferOutput<typeof WindowReportSchema>;

/** `POST /v1/admin/precompute`, and the last run in `GET /v1/admin/status`. */
export const PrecomputeReportSchema = v.object({
  startedAt: Count,
  durationMs: v.number(),
  /** True when another run held the lock: this one did nothing. */
  skipped: v.boolean(),
  windows: v.array(WindowReportSchema),
  /** Edge entries written through the api's EdgeWarmer, most requested first. */
  warmed: v.array(ReadTargetSchema),
  /** Why warming the edge failed, if it did (the rest of the run still counts). */
  warmError: v.optional(v.string()),
  /** Set when the run failed part-way (what it wrote before that stays written). */
  error: v.optional(v.string()),
});
export type PrecomputeReport = v.InferOutput<typeof PrecomputeReportSchema>;

/** `POST /v1/admin/invalidate`: the windows bumped, their new generations and the KV keys rewritten. */
export const InvalidateReportSchema = v.object({
  windows: v.array(
    v.object({ window: TrendingWindowSchema, generation: Count, kvKeys: v.array(v.string()) }),
  ),
});
export type InvalidateReport = v.InferOutput<typeof InvalidateReportSchema>;

/** `GET /v1/admin/status`: the last run, the next cron, each window's generation and age. */
export const PrecomputeStatusSchema = v.object({
  now: Count,
  lastRun: v.nullable(PrecomputeReportSchema),
  /** Seconds since the last run finished (null before the first). */
  lastRunAgeS: v.nullable(v.number()),
  nextCronAt: Count,
  windows: perWindowSchema(
    v.object({ generation: Count, snapshotAgeMs: v.nullable(v.number()), computations: Count }),
  ),
  lastAlarmAt: v.nullable(Count),
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
