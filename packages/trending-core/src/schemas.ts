import * as v from 'valibot';
import { DEFAULT_LIMIT, MAX_LIMIT } from './ttl-policy.ts';
import { WINDOWS } from './windows.ts';

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** A Nostr event id or pubkey: 64 hex characters, stored lowercase. */
export const Hex64Schema = v.pipe(
  v.string('must be a string'),
  v.regex(HEX64, 'must be 64 hexadecimal characters'),
  v.toLowerCase(),
);

export const WindowSchema = v.picklist(WINDOWS, 'window must be one of 1h, 24h, 7d');

// ---------------------------------------------------------------------------------------------
// Queries. Inputs are the lowercased first value of each query parameter; unknown ones are dropped.

const LimitStrictSchema = v.pipe(
  v.string(),
  v.regex(/^\d{1,4}$/, 'limit must be an integer from 1 to 100'),
  v.transform(Number),
  v.minValue(1, 'limit must be an integer from 1 to 100'),
  v.maxValue(MAX_LIMIT, 'limit must be an integer from 1 to 100'),
);

/** `/v1/trending/videos`: strict, out-of-range values are a 400. */
export const TrendingQuerySchema = v.object({
  window: v.optional(WindowSchema, '24h'),
  limit: v.optional(LimitStrictSchema, String(DEFAULT_LIMIT)),
});
export type TrendingQuery = v.InferOutput<typeof TrendingQuerySchema>;

/** The OpenVine client's `/analytics/trending/*`: limit is clamped, as the old backend did. */
export const ClientTrendingQuerySchema = v.object({
  window: v.optional(WindowSchema, '24h'),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.transform((raw) => {
        const n = Number.parseInt(raw, 10);
        return Number.isFinite(n) ? Math.min(MAX_LIMIT, Math.max(1, n)) : DEFAULT_LIMIT;
      }),
    ),
    String(DEFAULT_LIMIT),
  ),
});

// ---------------------------------------------------------------------------------------------
// View events.

const Milliseconds = (label: string) =>
  v.pipe(
    v.number(`${label} must be a number`),
    v.integer(`${label} must be whole milliseconds`),
    v.minValue(0, `${label} must not be negative`),
    v.maxValue(86_400_000, `${label} must be at most 24 hours`),
  );

const HashtagsSchema = v.pipe(
  v.array(v.pipe(v.string(), v.trim(), v.maxLength(64, 'a hashtag is at most 64 characters'))),
  v.maxLength(20, 'at most 20 hashtags'),
  v.transform((tags) => [
    ...new Set(tags.map((t) => t.replace(/^#+/, '').toLowerCase()).filter((t) => t.length > 0)),
  ]),
);

/** Epoch milliseconds, or an ISO-8601 string (read as UTC when it has no offset). */
export const TimestampSchema = v.union(
  [
    v.pipe(v.number(), v.integer(), v.minValue(0)),
    v.pipe(
      v.string(),
      v.maxLength(40),
      v.transform((s) => Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`)),
      v.check((ms) => Number.isFinite(ms), 'timestamp must be epoch milliseconds or an ISO-8601 date'),
    ),
  ],
  'timestamp must be epoch milliseconds or an ISO-8601 date',
);

export const EventTypeSchema = v.picklist(
  ['view_start', 'view_end'],
  'eventType must be view_start or view_end',
);

export const ViewEventSchema = v.object({
  videoId: Hex64Schema,
  viewerId: v.pipe(
    v.string('viewerId is required'),
    v.minLength(1),
    v.maxLength(128, 'viewerId is at most 128 characters'),
  ),
  eventType: EventTypeSchema,
  idempotencyKey: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
  watchMs: v.optional(Milliseconds('watchMs')),
  durationMs: v.optional(Milliseconds('durationMs')),
  loops: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000))),
  completion: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  creatorPubkey: v.optional(Hex64Schema),
  hashtags: v.optional(HashtagsSchema),
  title: v.optional(v.pipe(v.string(), v.maxLength(300, 'title is at most 300 characters'))),
  country: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z]{2}$/, 'country is an ISO 3166 alpha-2 code'), v.toUpperCase()),
  ),
  source: v.optional(v.pipe(v.string(), v.maxLength(32))),
  timestamp: v.optional(TimestampSchema),
});
export type ViewEventInput = v.InferOutput<typeof ViewEventSchema>;

export const MAX_EVENTS_PER_BATCH = 100;

const ViewEventsBatchSchema = v.object(
  {
    events: v.pipe(
      v.array(ViewEventSchema),
      v.minLength(1, 'events must not be empty'),
      v.maxLength(MAX_EVENTS_PER_BATCH, `at most ${MAX_EVENTS_PER_BATCH} events per request`),
    ),
  },
  'body must be a view event or { events: [...] }',
);

/**
 * `POST /v1/events/views`: one event, or `{ events: [...] }` with 1..100 of them.
 * The shape is chosen by the presence of `events` (not a union), so issues keep their paths
 * (`videoId`, `events.3.videoId`) instead of collapsing into one pathless union issue.
 */
export const ViewEventsBodySchema = v.lazy((input) =>
  typeof input === 'object' && input !== null && !Array.isArray(input) && !('events' in input)
    ? ViewEventSchema
    : ViewEventsBatchSchema,
);

/**
 * The OpenVine mobile client's `POST /analytics/view` body (divine-mobile analytics_service.dart):
 * durations in milliseconds, `timestamp` a zone-less local ISO string (used only to recognise
 * retries), `userId` null when signed out, `completionRate` ignored (recomputed server-side).
 */
export const ClientViewSchema = v.object({
  eventId: Hex64Schema,
  userId: v.nullish(v.pipe(v.string(), v.maxLength(128, 'userId is at most 128 characters'))),
  source: v.nullish(v.pipe(v.string(), v.maxLength(32))),
  eventType: v.optional(EventTypeSchema, 'view_start'),
  creatorPubkey: v.nullish(v.union([Hex64Schema, v.literal('')])),
  hashtags: v.nullish(HashtagsSchema),
  title: v.nullish(v.pipe(v.string(), v.maxLength(300))),
  timestamp: v.nullish(v.pipe(v.string(), v.maxLength(40))),
  watchDuration: v.nullish(Milliseconds('watchDuration')),
  totalDuration: v.nullish(Milliseconds('totalDuration')),
  loopCount: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000))),
  completedVideo: v.nullish(v.boolean()),
  completionRate: v.nullish(v.number()),
});
export type ClientViewInput = v.InferOutput<typeof ClientViewSchema>;

// ---------------------------------------------------------------------------------------------
// Responses.

export interface RankedVideo {
  rank: number;
  videoId: string;
  score: number;
  views: number;
  uniqueViewers: number;
  avgCompletion: number;
  loops: number;
  title?: string;
  creatorPubkey?: string;
  hashtags?: string[];
}

/** One window's ranked top list as every layer stores it. */
export interface TrendingSnapshot {
  window: (typeof WINDOWS)[number];
  /** Bumped by every invalidation; no layer may serve an older one afterwards. */
  generation: number;
  /** Epoch ms when the ranking was computed. */
  computedAt: number;
  computeMs: number;
  /** Rollup rows the computation read (its cost, for monitoring). */
  rowsScanned?: number;
  videos: RankedVideo[];
  /** The window's top hashtags and creators (see groups.ts); absent in snapshots of older versions. */
  hashtags?: TrendingHashtag[];
  creators?: TrendingCreator[];
}

/** A hashtag across the window's ranked videos (the OpenVine app's TrendingHashtag). */
export interface TrendingHashtag {
  tag: string;
  /** Counted views of the tag's videos in the window (integer). */
  views: number;
  videoCount: number;
  /** Mean trending score of the tag's videos. */
  avgViralScore: number;
}

/** A creator across the window's ranked videos (the OpenVine app's TopCreator). */
export interface TrendingCreator {
  pubkey: string;
  totalViews: number;
  videoCount: number;
  avgViralScore: number;
}

export interface ClientHashtagsResponse {
  hashtags: TrendingHashtag[];
  algorithm: string;
  updatedAt: number;
  period: (typeof WINDOWS)[number];
  totalHashtags: number;
}

export interface ClientCreatorsResponse {
  creators: TrendingCreator[];
  algorithm: string;
  updatedAt: number;
  period: (typeof WINDOWS)[number];
  totalCreators: number;
}

export interface TrendingVideosResponse {
  window: (typeof WINDOWS)[number];
  limit: number;
  generatedAt: string;
  videos: RankedVideo[];
}

export interface ClientVine {
  eventId: string;
  views: number;
  score: number;
  uniqueViewers: number;
  avgCompletion: number;
  completionRate: number;
  title?: string;
  creatorPubkey?: string;
  hashtags?: string[];
}

export interface ClientVinesResponse {
  vines: ClientVine[];
  algorithm: string;
  updatedAt: number;
  period: (typeof WINDOWS)[number];
  totalVines: number;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

export interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** Flattens valibot issues into `{ path, message }` pairs clients can show. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): { path: string; message: string }[] {
  return issues.map((issue) => ({
    path: v.getDotPath(issue) ?? '',
    message: issue.message,
  }));
}
