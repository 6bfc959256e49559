import {
  ClientCreatorsResponseSchema,
  ClientHashtagsResponseSchema,
  ClientHealthSchema,
  ClientTrendingQuerySchema,
  ClientViewResultSchema,
  ClientViewSchema,
  ClientVinesResponseSchema,
  DeadLetterListSchema,
  DeadLetterReplayRequestSchema,
  DeadLetterReplayResultSchema,
  ErrorBodySchema,
  ExplainQuerySchema,
  ExplanationSchema,
  HealthDegradedSchema,
  HealthOkSchema,
  INTERVALS,
  IngestResultSchema,
  InvalidatePartlyFailedSchema,
  InvalidateReportSchema,
  InvalidationTargetSchema,
  LIMITS,
  MAX_EVENTS_PER_BATCH,
  MetricsSummarySchema,
  ModerationListSchema,
  ModerationPartlyFailedSchema,
  ModerationReportSchema,
  ModerationRequestSchema,
  NostrEventSchema,
  PrecomputePartlyFailedSchema,
  PrecomputeReportSchema,
  PrecomputeStatusSchema,
  RecordComparisonSchema,
  SeedResultSchema,
  TrendingQuerySchema,
  TrendingVideosResponseSchema,
  VideoEventsBatchDocSchema,
  VideoRegistrationResultSchema,
  ViewEventSchema,
  ViewEventsBatchSchema,
} from '@openvine/trending-core';
import * as v from 'valibot';
import type { ApiEnv } from './env.ts';
import { serveOpenApi } from './openapi.ts';
import {
  getExplain,
  getRecordCheck,
  getStatus,
  PrecomputeBodySchema,
  postInvalidate,
  postPrecompute,
  postSeed,
  RecordCheckQuerySchema,
  SeedBodySchema,
} from './routes/admin.ts';
import { getDashboard, getDashboardJs, getUplotCss, getUplotJs } from './routes/dashboard.ts';
import { getDeadLetters, postDeadLetterReplay } from './routes/dead-letters.ts';
import { postClientView, postViewEvents } from './routes/events.ts';
import { getClientHealth, getHealth } from './routes/health.ts';
import { getMetrics, MetricsQuerySchema } from './routes/metrics.ts';
import { getModeration, postHide, postUnhide } from './routes/moderation.ts';
import {
  getClientTrendingCreators,
  getClientTrendingHashtags,
  getClientTrendingVines,
  getTrendingVideos,
} from './routes/trending.ts';
import { postVideos } from './routes/videos.ts';

export type RouteHandler = (
  request: Request,
  env: ApiEnv,
  ctx: ExecutionContext,
) => Response | Promise<Response>;

/** A documented response header. */
export interface HeaderSpec {
  description?: string;
  type: 'string' | 'integer';
}

export interface ResponseSpec {
  description: string;
  /** The JSON body (application/json). */
  json?: v.GenericSchema;
  /** A body that is not JSON: its media type (with `json`: the other representation). */
  mediaType?: string;
  headers?: Record<string, HeaderSpec>;
}

export interface RouteSpec {
  method: 'GET' | 'POST';
  path: string;
  handler: RouteHandler;
  summary: string;
  /** Served but not part of the public API (the dashboard's own assets): no Allow, not documented. */
  unlisted?: boolean;
  /** Needs `Authorization: Bearer <ADMIN_TOKEN>`. */
  admin?: boolean;
  /** Most of the traffic (the trending reads): matched by exact path before the router (index.ts). */
  hot?: boolean;
  /** Takes an optional `X-Ingest-Key` (a server-side sender's, INGEST_KEYS). */
  ingestKey?: boolean;
  /** The query the handler parses (each entry one parameter). */
  query?: v.GenericSchema & { readonly entries: v.ObjectEntries };
  /** The JSON body: its schema as documented, and requests that the tests send and validate. */
  body?: { schema: v.GenericSchema; required: boolean; examples: Record<string, unknown> };
  responses: Record<string, ResponseSpec>;
}

const error = (description: string, headers?: Record<string, HeaderSpec>): ResponseSpec => ({
  description,
  json: ErrorBodySchema,
  ...(headers ? { headers } : {}),
});

const RETRY_AFTER: Record<string, HeaderSpec> = {
  'Retry-After': { type: 'integer', description: 'Seconds to wait before retrying.' },
};

const CACHED_READ: Record<string, HeaderSpec> = {
  'X-Cache': {
    type: 'string',
    description: 'HIT-MEMORY, HIT-EDGE, HIT-DO, HIT-KV or MISS; ", STALE" when a stale copy answered.',
  },
  ETag: { type: 'string' },
  'Server-Timing': { type: 'string' },
  Age: { type: 'integer' },
};

function trendingRead(
  path: string,
  summary: string,
  handler: RouteHandler,
  query: RouteSpec['query'],
  json: v.GenericSchema,
): RouteSpec {
  return {
    method: 'GET',
    path,
    handler,
    summary,
    query,
    hot: true,
    responses: {
      '200': { description: 'Served by the first cache layer that holds it.', json, headers: CACHED_READ },
      '304': { description: 'If-None-Match matched the ETag.' },
      '400': error('Invalid query (issues name the parameter).'),
      '503': error('No layer could answer; Retry-After says when to retry.', RETRY_AFTER),
    },
  };
}

const INGEST_ERRORS: Record<string, ResponseSpec> = {
  '400': error('Invalid body (issues name each field); nothing is stored.'),
  '413': error('Body over 64 KiB.'),
  '415': error('Not application/json.'),
  '429': error(
    "Over the client's ingest rate; Retry-After says when to retry. Nothing is stored.",
    RETRY_AFTER,
  ),
  '503': error(
    'The ingest queue refused the events (queue_unavailable; nothing was enqueued: retry after ' +
      'Retry-After), or VIEWER_KEY_SECRET or AGGREGATOR_SHARDS is misconfigured (misconfigured).',
    RETRY_AFTER,
  ),
};

function admin(
  route: Omit<RouteSpec, 'admin' | 'responses'>,
  ok: v.GenericSchema,
  more: Record<string, ResponseSpec> = {},
  okDescription = 'Done; the body reports what happened.',
): RouteSpec {
  return {
    ...route,
    admin: true,
    responses: {
      '200': { description: okDescription, json: ok },
      '400': error('Invalid body or query.'),
      '401': error('Missing or wrong Bearer token.'),
      '404': error('No ADMIN_TOKEN is configured: admin routes are off.'),
      ...more,
    },
  };
}

const text = (mediaType: string, description: string) => ({
  '200': { description, mediaType },
});

/** This document's own shape, in outline (OpenAPI's own schema describes the rest). */
const OPENAPI_DOCUMENT_SHAPE = v.looseObject({
  openapi: v.pipe(v.string(), v.startsWith('3.1.')),
  info: v.looseObject({ title: v.string(), version: v.string() }),
  paths: v.record(v.string(), v.looseObject({})),
  components: v.looseObject({ schemas: v.record(v.string(), v.looseObject({})) }),
});

const EXAMPLE_VIDEO = '3f9a1c0b8e7d6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a';
const EXAMPLE_CREATOR = 'b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a3f9a1c0b8e7d6f5a4b3c2d1e0f9a8';

const MODERATION_EXAMPLES = {
  video: { kind: 'video', value: EXAMPLE_VIDEO, reason: 'reported as spam', by: 'ops@openvine' },
  creator: { kind: 'creator', value: EXAMPLE_CREATOR, reason: 'impersonation' },
  hashtag: { kind: 'hashtag', value: 'spam', reason: 'coordinated boosting' },
};

/** The hide and unhide routes: the same body, opposite changes. */
function moderationChange(path: string, handler: RouteHandler, summary: string): RouteSpec {
  return admin(
    {
      method: 'POST',
      path,
      handler,
      summary,
      body: { schema: ModerationRequestSchema, required: true, examples: MODERATION_EXAMPLES },
    },
    ModerationReportSchema,
    {
      '502': {
        description:
          '`recompute_failed`: applied (the audit row written, the generations raised), but some ' +
          'windows could not be recomputed (a shard of the aggregator did not answer); `notRecomputed` ' +
          'names them, `windows` the others. Those keep the list from before until the next precompute ' +
          'run (within a minute); repeating the change is safe. `kv_write_failed`: applied (the audit ' +
          "row written, the generations raised, this data center's edge purged), but KV refused some " +
          'writes even after retrying; `kvFailed` names them.',
        json: ModerationPartlyFailedSchema,
      },
      '503': error(
        '`run_lock_busy`: a precompute run kept the run lock for the whole wait; nothing changed. ' +
          'Retry-After says when to try again.',
        RETRY_AFTER,
      ),
    },
    "Applied; `edgePurge` says whether every data center's edge was purged by tag (`skipped` " +
      'without a purge token, `failed` with the reason).',
  );
}

/**
 * A real signed event (deterministic test key of the seed "openapi-example"): its id and
 * signature verify, so the example can be posted as is.
 */
const EXAMPLE_SIGNED_VIDEO = {
  id: '941cdcad6045b83fddf6ea970928a8b9bc78dc016acb06d93a7d963849dd1c4d',
  pubkey: '07a797517f3aa61d8ebccbab7c82cb8f9647d6677b5836f8f2e649facdd6a8bb',
  created_at: 1764676800,
  kind: 34236,
  tags: [
    ['d', 'cat-ladder'],
    ['title', 'A cat and a ladder'],
    ['t', 'funny'],
    ['t', 'cats'],
  ],
  content: '',
  sig: '2cee55a578939801c00a1447c535936b2d8aeea7aa5f91f5701b45b940de58d9a5c84a82f6f1d626eec785ef942f4db3692102be4a6f2f1873201f15d03e207a',
};

/**
 * Every route the api serves, in one place: the router (index.ts) registers them, 405's Allow
 * and CORS preflights (routes/fallback.ts) are derived from them, and so is the OpenAPI
 * document (openapi.ts), with each request and response schema taken from the valibot schemas
 * the handlers parse and the responses are typed with.
 */
export const ROUTES: readonly RouteSpec[] = [
  trendingRead(
    '/v1/trending/videos',
    'Ranked videos of a window',
    getTrendingVideos,
    TrendingQuerySchema,
    TrendingVideosResponseSchema,
  ),
  {
    method: 'POST',
    path: '/v1/events/views',
    handler: postViewEvents,
    summary: `One view event, or { events: [...] } with 1..${MAX_EVENTS_PER_BATCH}`,
    ingestKey: true,
    // The handler picks the shape by the presence of `events` (see ViewEventsBodySchema).
    body: {
      schema: v.union([ViewEventSchema, ViewEventsBatchSchema]),
      required: true,
      examples: {
        one: {
          videoId: EXAMPLE_VIDEO,
          viewerId: 'viewer-1',
          eventType: 'view_end',
          idempotencyKey: 'viewer-1:3f9a1c0b:1',
          watchMs: 6000,
          durationMs: 6000,
          loops: 1,
          creatorPubkey: EXAMPLE_CREATOR,
          hashtags: ['funny', 'cats'],
          title: 'A cat and a ladder',
          country: 'DE',
          source: 'home_feed',
        },
        batch: {
          events: [
            { videoId: EXAMPLE_VIDEO, viewerId: 'viewer-2', eventType: 'view_start' },
            { videoId: EXAMPLE_VIDEO, viewerId: 'viewer-2', eventType: 'view_end', watchMs: 3000 },
          ],
        },
      },
    },
    responses: {
      '202': {
        description:
          'Validated and enqueued (durably, on the ingest queue); the queue consumer counts them within ' +
          'seconds, and a retry of an event with an idempotencyKey counts once. No `duplicates`: ' +
          'whether an event is a retry is known only when the consumer commits it.',
        json: IngestResultSchema,
      },
      ...INGEST_ERRORS,
      '400': error(
        'Invalid body (issues name each field), or a clientIp without X-Ingest-Key; nothing is stored.',
      ),
      '401': error('X-Ingest-Key is not a known sender key (invalid_ingest_key); nothing is stored.'),
      '503': error(
        'The ingest queue refused the events (queue_unavailable; nothing was enqueued: retry after ' +
          'Retry-After), or VIEWER_KEY_SECRET or AGGREGATOR_SHARDS is misconfigured, or an ' +
          'X-Ingest-Key was sent and INGEST_KEYS is unset (misconfigured).',
        RETRY_AFTER,
      ),
    },
  },
  {
    method: 'POST',
    path: '/v1/videos',
    handler: postVideos,
    summary:
      `One signed Nostr video event (kind 34236, 21 or 22), or { events: [...] } with 1..${LIMITS.videoEvents.perBatch}: ` +
      "the only source of a video's title, creator and hashtags",
    // The handler picks the shape by the presence of `events`; each event is verified alone.
    body: {
      schema: v.union([NostrEventSchema, VideoEventsBatchDocSchema]),
      required: true,
      examples: {
        one: EXAMPLE_SIGNED_VIDEO,
        batch: { events: [EXAMPLE_SIGNED_VIDEO] },
      },
    },
    responses: {
      '200': {
        description:
          'Registered, all events of the request or none: each result says stored, replaced, unchanged or superseded.',
        json: VideoRegistrationResultSchema,
      },
      '400': error(
        'An event refused (code of the first: invalid_event, unsigned_event, unsupported_kind, ' +
          'event_too_large, event_in_future, bad_event_id, bad_signature; issues name each), a malformed ' +
          'batch (invalid_request) or body (invalid_json); nothing is stored.',
      ),
      '409': error(
        '`stale_version`: an event is older than the stored version of its address (issues name it); nothing is stored.',
      ),
      '413': INGEST_ERRORS['413'] as ResponseSpec,
      '415': INGEST_ERRORS['415'] as ResponseSpec,
      '429': INGEST_ERRORS['429'] as ResponseSpec,
      '503': error('The video store is unavailable (store_unavailable); retry.'),
    },
  },
  {
    method: 'GET',
    path: '/v1/health',
    handler: getHealth,
    summary: 'The api and its event store',
    responses: {
      '200': {
        description: 'ok; degraded when the store answers but is past its storage budget',
        json: HealthOkSchema,
      },
      '503': { description: 'degraded', json: HealthDegradedSchema, headers: RETRY_AFTER },
    },
  },
  {
    method: 'GET',
    path: '/v1/metrics',
    handler: getMetrics,
    summary: 'Per-layer hits, ratios, latency percentiles, computes (last 5 minutes, last hour)',
    query: MetricsQuerySchema,
    responses: {
      '200': {
        description: 'JSON, or Prometheus text with format=prometheus',
        json: MetricsSummarySchema,
        mediaType: 'text/plain',
      },
    },
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    handler: () => serveOpenApi(ROUTES),
    summary: 'This document',
    responses: { '200': { description: 'OpenAPI 3.1', json: OPENAPI_DOCUMENT_SHAPE } },
  },
  {
    method: 'GET',
    path: '/dashboard',
    handler: getDashboard,
    summary: 'Charts of the metrics',
    responses: text('text/html', 'HTML'),
  },
  {
    method: 'GET',
    path: '/dashboard/app.js',
    handler: getDashboardJs,
    summary: "The dashboard's script",
    unlisted: true,
    responses: text('text/javascript', 'JavaScript'),
  },
  {
    method: 'GET',
    path: '/dashboard/uplot.iife.min.js',
    handler: getUplotJs,
    summary: "The dashboard's chart library",
    unlisted: true,
    responses: text('text/javascript', 'JavaScript'),
  },
  {
    method: 'GET',
    path: '/dashboard/uplot.min.css',
    handler: getUplotCss,
    summary: "The chart library's styles",
    unlisted: true,
    responses: text('text/css', 'CSS'),
  },
  trendingRead(
    '/analytics/trending/vines',
    "The app's trending videos",
    getClientTrendingVines,
    ClientTrendingQuerySchema,
    ClientVinesResponseSchema,
  ),
  trendingRead(
    '/analytics/trending/hashtags',
    "Hashtags of the window's trending videos",
    getClientTrendingHashtags,
    ClientTrendingQuerySchema,
    ClientHashtagsResponseSchema,
  ),
  trendingRead(
    '/analytics/trending/creators',
    "Creators of the window's trending videos",
    getClientTrendingCreators,
    ClientTrendingQuerySchema,
    ClientCreatorsResponseSchema,
  ),
  {
    method: 'POST',
    path: '/analytics/view',
    handler: postClientView,
    summary: "The app's view event (200, never 202: the app retries every other status but 429)",
    body: {
      schema: ClientViewSchema,
      required: true,
      examples: {
        signedIn: {
          eventId: EXAMPLE_VIDEO,
          userId: EXAMPLE_CREATOR,
          source: 'mobile',
          eventType: 'view_end',
          creatorPubkey: EXAMPLE_CREATOR,
          hashtags: ['#Funny', 'cats'],
          title: 'A cat and a ladder',
          timestamp: '2026-11-30T12:00:00.000',
          watchDuration: 6000,
          totalDuration: 6000,
          loopCount: 1,
          completedVideo: true,
          completionRate: 1,
        },
        signedOut: { eventId: EXAMPLE_VIDEO, userId: null, eventType: 'view_start' },
      },
    },
    responses: {
      '200': {
        description:
          'Enqueued (a retry counts once, when the queue consumer commits it); over-long or invalid ' +
          'fields were clamped or ignored.',
        json: ClientViewResultSchema,
      },
      ...INGEST_ERRORS,
      '400': error('No valid eventId, or the body is not a JSON object (or not JSON); nothing is stored.'),
    },
  },
  {
    method: 'GET',
    path: '/analytics/health',
    handler: getClientHealth,
    summary: "The old backend's health shape",
    responses: { '200': { description: 'ok', json: ClientHealthSchema } },
  },
  admin(
    {
      method: 'POST',
      path: '/v1/admin/invalidate',
      handler: postInvalidate,
      summary:
        "Bump a window's generation (or every window listing a video) and recompute, under the " +
        `precompute run lock (waiting up to ${INTERVALS.invalidateLockWaitMs / 1000} s for a running precompute); ` +
        "then overwrite KV, raise this isolate's generation floor and purge this data center's edge",
      body: {
        schema: InvalidationTargetSchema,
        required: true,
        examples: { window: { window: '24h' }, video: { videoId: EXAMPLE_VIDEO }, all: { all: true } },
      },
    },
    InvalidateReportSchema,
    {
      '502': {
        description:
          '`recompute_failed`: the generations are raised, but some windows could not be recomputed ' +
          '(a shard of the aggregator did not answer); `notRecomputed` names them, `windows` the ' +
          'others. Those keep the list from before until the next precompute run (within a minute); ' +
          'repeating the call is safe. `kv_write_failed`: invalidated (the generations are raised, ' +
          'the floor too, the edge purged), but KV refused some writes even after retrying; ' +
          '`kvFailed` names them. They keep the older generation until the next precompute run ' +
          '(within a minute).',
        json: InvalidatePartlyFailedSchema,
      },
      '503': error(
        '`run_lock_busy`: a precompute run kept the run lock for the whole wait; nothing was ' +
          'invalidated. Retry-After says when to try again.',
        RETRY_AFTER,
      ),
    },
    'Invalidated; every KV key of each window was written (or already held a newer copy).',
  ),
  admin(
    {
      method: 'POST',
      path: '/v1/admin/precompute',
      handler: postPrecompute,
      summary: 'Run a precompute now (every window, or the listed ones)',
      body: { schema: PrecomputeBodySchema, required: false, examples: { oneWindow: { windows: ['1h'] } } },
    },
    PrecomputeReportSchema,
    {
      '502': {
        description:
          '`precompute_failed`: the run finished, but not every window was computed and written ' +
          '(`failed`; `kvFailed` in a window names keys KV refused; or the run lost its lock to an ' +
          'invalidation and stopped). What was written is in `windows`; the next run (within a ' +
          'minute) tries again.',
        json: PrecomputePartlyFailedSchema,
      },
    },
  ),
  admin(
    {
      method: 'GET',
      path: '/v1/admin/status',
      handler: getStatus,
      summary: 'Last run, next cron, per-window generation and age',
    },
    PrecomputeStatusSchema,
  ),
  admin(
    {
      method: 'GET',
      path: '/v1/admin/record-check',
      handler: getRecordCheck,
      summary: "The live top 20 against the record's (Analytics Engine), per window",
      query: RecordCheckQuerySchema,
    },
    RecordComparisonSchema,
    {
      '503': error('The record is not configured (not_configured) or did not answer (record_failed).'),
    },
  ),
  admin(
    {
      method: 'GET',
      path: '/v1/admin/explain',
      handler: getExplain,
      summary: 'Why a video ranks where it does in a window: every part of its score',
      query: ExplainQuerySchema,
    },
    ExplanationSchema,
  ),
  admin(
    {
      method: 'POST',
      path: '/v1/admin/seed',
      handler: postSeed,
      summary:
        'Ingest one page (200 events) of the demo workload (idempotent per seed); repeat with the ' +
        "answer's `next` as the body until it is null (Analytics Engine takes at most 250 points " +
        'per invocation)',
      body: {
        schema: SeedBodySchema,
        required: false,
        examples: { small: { events: 1000, videos: 20, seed: 7 } },
      },
    },
    SeedResultSchema,
  ),
  moderationChange(
    '/v1/admin/moderation/hide',
    postHide,
    'Hide a video, a creator (pubkey: all their videos) or a hashtag (every video carrying it) ' +
      'from every trending list, with a reason (an audit row); every window is bumped and ' +
      "recomputed under the run lock, KV rewritten, this data center's edge and memory dropped " +
      'and, with a purge token, every edge purged by tag',
  ),
  moderationChange(
    '/v1/admin/moderation/unhide',
    postUnhide,
    'Bring back what was hidden, with a reason (an audit row); the same invalidation as hiding',
  ),
  admin(
    {
      method: 'GET',
      path: '/v1/admin/dead-letters',
      handler: getDeadLetters,
      summary:
        'Ingest messages the queue consumer gave up (poison, or retries exhausted), newest first: ' +
        'id, when, attempts, reason, event count and a preview',
    },
    DeadLetterListSchema,
  ),
  admin(
    {
      method: 'POST',
      path: '/v1/admin/dead-letters/replay',
      handler: postDeadLetterReplay,
      summary:
        'Re-enqueue the given dead letters (or the oldest 100) to the ingest queue, removing each ' +
        'once its send resolved; their events count once (each carries its dedup key)',
      body: {
        schema: DeadLetterReplayRequestSchema,
        required: false,
        examples: { oldest: {}, some: { ids: ['b5e1a6c2d3f4e5a6b7c8d9e0f1a2b3c4'] } },
      },
    },
    DeadLetterReplayResultSchema,
    {
      '503': error(
        'The ingest queue refused a send (queue_unavailable); the letters sent before it were ' +
          'replayed and removed, the rest stay. Retry-After says when to retry.',
        RETRY_AFTER,
      ),
    },
  ),
  admin(
    {
      method: 'GET',
      path: '/v1/admin/moderation',
      handler: getModeration,
      summary: 'What is hidden now, and the audit list of every hide and unhide, newest first',
    },
    ModerationListSchema,
  ),
];
