import * as v from 'valibot';
import { DESCRIPTIONS } from './api-docs.ts';
import { type TrendingWindow, WINDOWS } from './windows.ts';

/**
 * What the api answers, as valibot schemas: the types below are inferred from them, the api's
 * OpenAPI document is generated from them (apps/api/src/openapi.ts), and values read back from
 * storage (KV) are validated with them. Change a shape here and all three follow.
 */

/** A whole number (JSON integer: the OpenVine app's Dart parser throws on 12.0). */
export const IntegerSchema = v.pipe(v.number(), v.integer());
/** A count: a non-negative integer (every count every response carries). */
export const CountSchema = v.pipe(v.number(), v.integer(), v.minValue(0));
const Count = CountSchema;

/** A Nostr event id or pubkey as stored and served: 64 lowercase hex characters. */
export const StoredHex64Schema = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));

export const TrendingWindowSchema = v.picklist(WINDOWS);

/** An object with one entry per window, each of `item`'s shape. */
export function perWindowSchema<T extends v.GenericSchema>(item: T) {
  return v.object(Object.fromEntries(WINDOWS.map((w) => [w, item])) as Record<TrendingWindow, T>);
}

export const RankedVideoSchema = v.object({
  rank: v.pipe(IntegerSchema, v.minValue(1)),
  videoId: StoredHex64Schema,
  score: v.number(),
  /** Counted views (view_end, capped per viewer and hour) in the window. */
  views: Count,
  uniqueViewers: Count,
  avgCompletion: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  loops: Count,
  title: v.optional(v.string()),
  creatorPubkey: v.optional(StoredHex64Schema),
  hashtags: v.optional(v.array(v.string())),
});
export type RankedVideo = v.InferOutput<typeof RankedVideoSchema>;

/** A hashtag across the window's ranked videos (the OpenVine app's TrendingHashtag). */
export const TrendingHashtagSchema = v.object({
  tag: v.string(),
  /** Counted views of the tag's videos in the window. */
  views: Count,
  videoCount: Count,
  /** Mean trending score of the tag's videos. */
  avgViralScore: v.number(),
});
export type TrendingHashtag = v.InferOutput<typeof TrendingHashtagSchema>;

/** A creator across the window's ranked videos (the OpenVine app's TopCreator). */
export const TrendingCreatorSchema = v.object({
  pubkey: StoredHex64Schema,
  totalViews: Count,
  videoCount: Count,
  avgViralScore: v.number(),
});
export type TrendingCreator = v.InferOutput<typeof TrendingCreatorSchema>;

/** One window's ranked top list as every layer stores it. */
export const TrendingSnapshotSchema = v.object({
  window: TrendingWindowSchema,
  /** Bumped by every invalidation; no layer may serve an older one afterwards. */
  generation: Count,
  /** Epoch ms when the ranking was computed. */
  computedAt: Count,
  computeMs: v.number(),
  /** Rollup rows the computation read (its cost, for monitoring). */
  rowsScanned: v.optional(Count),
  videos: v.array(RankedVideoSchema),
  /** The window's top hashtags and creators (see groups.ts); absent in snapshots of older versions. */
  hashtags: v.optional(v.array(TrendingHashtagSchema)),
  creators: v.optional(v.array(TrendingCreatorSchema)),
});
export type TrendingSnapshot = v.InferOutput<typeof TrendingSnapshotSchema>;

/** `GET /v1/trending/videos`. */
export const TrendingVideosResponseSchema = v.object({
  window: TrendingWindowSchema,
  limit: v.pipe(IntegerSchema, v.minValue(1)),
  generatedAt: v.pipe(v.string(), v.isoTimestamp()),
  videos: v.array(RankedVideoSchema),
});
export type TrendingVideosResponse = v.InferOutput<typeof TrendingVideosResponseSchema>;

export const ClientVineSchema = v.object({
  eventId: StoredHex64Schema,
  views: Count,
  score: v.number(),
  uniqueViewers: Count,
  avgCompletion: v.number(),
  completionRate: v.number(),
  title: v.optional(v.string()),
  creatorPubkey: v.optional(StoredHex64Schema),
  hashtags: v.optional(v.array(v.string())),
});
export type ClientVine = v.InferOutput<typeof ClientVineSchema>;

const UpdatedAt = v.pipe(Count, v.description(DESCRIPTIONS.epochMs));

/** `GET /analytics/trending/vines`: the shape the OpenVine app parses. */
export const ClientVinesResponseSchema = v.object({
  vines: v.array(ClientVineSchema),
  algorithm: v.string(),
  updatedAt: UpdatedAt,
  period: TrendingWindowSchema,
  totalVines: Count,
});
export type ClientVinesResponse = v.InferOutput<typeof ClientVinesResponseSchema>;

/** `GET /analytics/trending/hashtags`. */
export const ClientHashtagsResponseSchema = v.object({
  hashtags: v.array(TrendingHashtagSchema),
  algorithm: v.string(),
  updatedAt: UpdatedAt,
  period: TrendingWindowSchema,
  totalHashtags: Count,
});
export type ClientHashtagsResponse = v.InferOutput<typeof ClientHashtagsResponseSchema>;

/** `GET /analytics/trending/creators`. */
export const ClientCreatorsResponseSchema = v.object({
  creators: v.array(TrendingCreatorSchema),
  algorithm: v.string(),
  updatedAt: UpdatedAt,
  period: TrendingWindowSchema,
  totalCreators: Count,
});
export type ClientCreatorsResponse = v.InferOutput<typeof ClientCreatorsResponseSchema>;

/**
 * `POST /v1/events/views` (202): `accepted` events were validated, keyed and enqueued (durably, on
 * the ingest queue). Whether an event is a retry of one already counted is decided when the queue
 * consumer commits it, after this answer: so no `duplicates` here (retries still count once).
 */
export const IngestResultSchema = v.object({ accepted: Count });
export type IngestResult = v.InferOutput<typeof IngestResultSchema>;

/**
 * What became of one event of `POST /v1/videos`: `stored` (the first version of its address),
 * `replaced` (newer than the stored version, whose metadata it replaced), `unchanged` (already
 * the stored version: a retry), `superseded` (recorded, but a newer version of its address in the
 * same request won).
 */
export const VIDEO_REGISTRATION_STATUSES = ['stored', 'replaced', 'unchanged', 'superseded'] as const;
export type VideoRegistrationStatus = (typeof VIDEO_REGISTRATION_STATUSES)[number];

export const VideoRegistrationItemSchema = v.object({
  /** The event id: the video's id. */
  videoId: StoredHex64Schema,
  /** `34236:<pubkey>:<d>` for diVine's addressable events; the event id for kinds 21 and 22. */
  address: v.string(),
  status: v.picklist(VIDEO_REGISTRATION_STATUSES),
});

/** `POST /v1/videos` (200), one result per event in request order. */
export const VideoRegistrationResultSchema = v.object({
  /** Events recorded by this request (stored, replaced or superseded). */
  accepted: Count,
  /** Of those, events that replaced a stored version's metadata. */
  replaced: Count,
  /** Events already stored as their address's version (retries). */
  unchanged: Count,
  results: v.array(VideoRegistrationItemSchema),
});
export type VideoRegistrationResult = v.InferOutput<typeof VideoRegistrationResultSchema>;

/** `POST /analytics/view` (200). */
export const ClientViewResultSchema = v.object({
  success: v.literal(true),
  eventId: StoredHex64Schema,
  timestamp: v.pipe(v.string(), v.isoTimestamp()),
});
export type ClientViewResult = v.InferOutput<typeof ClientViewResultSchema>;

/** The one error envelope of every 4xx and 5xx. */
export const ErrorBodySchema = v.object({
  error: v.object({
    /** Stable and machine-readable, e.g. invalid_request, not_found, method_not_allowed. */
    code: v.string(),
    message: v.string(),
    /** Validation failures: one per field, `path` in dot notation (`events.3.videoId`). */
    issues: v.optional(v.array(v.object({ path: v.string(), message: v.string() }))),
  }),
});
export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;

/** `GET /v1/health`: 200 when the event store answers. */
/**
 * An aggregator shard's SQLite storage (docs/scaling.md, "Storage per shard"): its size, the
 * budget it is sized to stay under (LIMITS.shardStorage), and whether it is past it. Past the
 * budget every event is still counted: it is ops' signal to add shards, not a cut-off.
 */
export const ShardStorageSchema = v.object({
  bytes: Count,
  budgetBytes: Count,
  overBudget: v.boolean(),
});
export type ShardStorage = v.InferOutput<typeof ShardStorageSchema>;

/**
 * `GET /v1/health` 200: the event store answers. `degraded` (still 200) when its storage is past
 * the budget. The stats are at most TTL_POLICY.health.cacheMs old (`ageMs`): one read per api
 * isolate per period, whatever the number of health checks.
 */
export const HealthOkSchema = v.object({
  status: v.picklist(['ok', 'degraded']),
  timestamp: v.pipe(v.string(), v.isoTimestamp()),
  aggregator: v.object({
    ok: v.literal(true),
    latencyMs: Count,
    /** How long ago this isolate read the stats below. */
    ageMs: Count,
    /** Rows per table of the event store. */
    rows: v.record(v.string(), Count),
    generations: perWindowSchema(Count),
    storage: ShardStorageSchema,
  }),
});
export type HealthOk = v.InferOutput<typeof HealthOkSchema>;

/** `GET /v1/health`: 503 when it does not. */
export const HealthDegradedSchema = v.object({
  status: v.literal('degraded'),
  timestamp: v.pipe(v.string(), v.isoTimestamp()),
  aggregator: v.object({ ok: v.literal(false) }),
});
export type HealthDegraded = v.InferOutput<typeof HealthDegradedSchema>;

/** `GET /analytics/health`: the old backend's shape. */
export const ClientHealthSchema = v.object({
  status: v.literal('healthy'),
  environment: v.string(),
  timestamp: v.pipe(v.string(), v.isoTimestamp()),
});
export type ClientHealth = v.InferOutput<typeof ClientHealthSchema>;
