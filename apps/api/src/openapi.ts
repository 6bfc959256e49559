import {
  DEFAULT_LIMIT,
  LIMITS,
  MAX_EVENTS_PER_BATCH,
  MAX_LIMIT,
  VIEW_FIELD_LIMITS,
  WINDOWS,
} from '@openvine/trending-core';

/**
 * The public API as OpenAPI 3.1 (GET /v1/openapi.json). Written by hand beside the routes; a test
 * checks that it lists exactly the routes and methods the router serves, and that every
 * reference resolves.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(ref('Error'), description);

const windowParam = (fallback: string) => ({
  name: 'window',
  in: 'query',
  schema: { type: 'string', enum: [...WINDOWS], default: fallback },
});
const strictLimit = {
  name: 'limit',
  in: 'query',
  description: 'Out of range is a 400.',
  schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
};
const clampedLimit = {
  name: 'limit',
  in: 'query',
  description: `Clamped to 1..${MAX_LIMIT} (as the old backend did), never rejected.`,
  schema: { type: 'integer', default: DEFAULT_LIMIT },
};

const cachedRead = {
  headers: {
    'X-Cache': {
      description: 'HIT-MEMORY, HIT-EDGE, HIT-DO, HIT-KV or MISS; ", STALE" when a stale copy answered.',
      schema: { type: 'string' },
    },
    ETag: { schema: { type: 'string' } },
    'Server-Timing': { schema: { type: 'string' } },
    Age: { schema: { type: 'integer' } },
  },
};

const trendingRead = (summary: string, schema: string, windowDefault: string, limit: object) => ({
  get: {
    summary,
    parameters: [windowParam(windowDefault), limit],
    responses: {
      '200': { ...json(ref(schema), 'Served by the first cache layer that holds it.'), ...cachedRead },
      '304': { description: 'If-None-Match matched the ETag.' },
      '400': error('Invalid query (issues name the parameter).'),
      '503': error('No layer could answer; Retry-After says when to retry.'),
    },
  },
});

const adminResponses = {
  '200': { description: 'Done; the body reports what happened.' },
  '400': error('Invalid body.'),
  '401': error('Missing or wrong Bearer token.'),
  '404': error('No ADMIN_TOKEN is configured: admin routes are off.'),
};
const admin = (summary: string, method: 'get' | 'post', body?: object) => ({
  [method]: {
    summary,
    security: [{ adminToken: [] }],
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    responses: adminResponses,
  },
});

const integer = { type: 'integer' };
const number = { type: 'number' };
const string = { type: 'string' };
const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const L = VIEW_FIELD_LIMITS;

const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: string,
          message: string,
          issues: {
            type: 'array',
            items: { type: 'object', properties: { path: string, message: string } },
          },
        },
      },
    },
  },
  InvalidatedWindow: {
    type: 'object',
    required: ['window', 'generation', 'kvKeys', 'kvFailed'],
    properties: {
      window: { type: 'string', enum: [...WINDOWS] },
      generation: { ...integer, description: 'The new generation (it stands whatever KV did).' },
      kvKeys: { type: 'array', items: string, description: 'KV keys now holding the new snapshot.' },
      kvSuperseded: {
        type: 'array',
        items: string,
        description: 'Keys left alone: they already held a newer copy. Absent when none.',
      },
      kvFailed: {
        type: 'array',
        description: "Keys KV refused after the retries (a 429 is retried twice), with KV's message.",
        items: {
          type: 'object',
          required: ['key', 'error'],
          properties: { key: string, error: string },
        },
      },
    },
  },
  RankedVideo: {
    type: 'object',
    required: ['rank', 'videoId', 'score', 'views', 'uniqueViewers', 'avgCompletion', 'loops'],
    properties: {
      rank: integer,
      videoId: hex64,
      score: number,
      views: integer,
      uniqueViewers: integer,
      avgCompletion: { type: 'number', minimum: 0, maximum: 1 },
      loops: integer,
      title: string,
      creatorPubkey: hex64,
      hashtags: { type: 'array', items: string },
    },
  },
  TrendingVideos: {
    type: 'object',
    required: ['window', 'limit', 'generatedAt', 'videos'],
    properties: {
      window: { type: 'string', enum: [...WINDOWS] },
      limit: integer,
      generatedAt: { type: 'string', format: 'date-time' },
      videos: { type: 'array', items: ref('RankedVideo') },
    },
  },
  ClientVines: {
    type: 'object',
    required: ['vines', 'algorithm', 'updatedAt', 'period', 'totalVines'],
    properties: {
      vines: {
        type: 'array',
        items: {
          type: 'object',
          required: ['eventId', 'views', 'score', 'uniqueViewers', 'avgCompletion', 'completionRate'],
          properties: {
            eventId: hex64,
            views: integer,
            score: number,
            uniqueViewers: integer,
            avgCompletion: number,
            completionRate: number,
            title: string,
            creatorPubkey: hex64,
            hashtags: { type: 'array', items: string },
          },
        },
      },
      algorithm: string,
      updatedAt: { type: 'integer', description: 'epoch milliseconds' },
      period: { type: 'string', enum: [...WINDOWS] },
      totalVines: integer,
    },
  },
  ClientHashtags: {
    type: 'object',
    required: ['hashtags', 'algorithm', 'updatedAt', 'period', 'totalHashtags'],
    properties: {
      hashtags: {
        type: 'array',
        items: {
          type: 'object',
          required: ['tag', 'views', 'videoCount', 'avgViralScore'],
          properties: { tag: string, views: integer, videoCount: integer, avgViralScore: number },
        },
      },
      algorithm: string,
      updatedAt: integer,
      period: { type: 'string', enum: [...WINDOWS] },
      totalHashtags: integer,
    },
  },
  ClientCreators: {
    type: 'object',
    required: ['creators', 'algorithm', 'updatedAt', 'period', 'totalCreators'],
    properties: {
      creators: {
        type: 'array',
        items: {
          type: 'object',
          required: ['pubkey', 'totalViews', 'videoCount', 'avgViralScore'],
          properties: { pubkey: hex64, totalViews: integer, videoCount: integer, avgViralScore: number },
        },
      },
      algorithm: string,
      updatedAt: integer,
      period: { type: 'string', enum: [...WINDOWS] },
      totalCreators: integer,
    },
  },
  ViewEvent: {
    type: 'object',
    required: ['videoId', 'viewerId', 'eventType'],
    properties: {
      videoId: hex64,
      viewerId: { type: 'string', minLength: 1, maxLength: 128 },
      eventType: { type: 'string', enum: ['view_start', 'view_end'] },
      idempotencyKey: {
        type: 'string',
        maxLength: 128,
        description: 'Retries with the same key count once.',
      },
      watchMs: integer,
      durationMs: integer,
      loops: integer,
      completion: { type: 'number', minimum: 0, maximum: 1 },
      creatorPubkey: hex64,
      hashtags: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 64 } },
      title: { type: 'string', maxLength: 300 },
      country: { type: 'string', pattern: '^[A-Za-z]{2}$' },
      source: { type: 'string', maxLength: 32 },
      timestamp: {
        oneOf: [integer, { type: 'string', format: 'date-time' }],
        description: 'Epoch ms or ISO-8601, within the last 7 days.',
      },
    },
  },
  ClientView: {
    type: 'object',
    required: ['eventId'],
    description:
      'Clamped, never refused: only a missing or invalid eventId (or a body that is not a JSON ' +
      'object) is a 400. Longer strings, more hashtags and larger numbers than described are ' +
      'accepted and cut or clamped, and a field of the wrong type is ignored as if absent.',
    properties: {
      eventId: {
        type: 'string',
        pattern: '^[0-9a-fA-F]{64}$',
        description: 'The video id: required, strict.',
      },
      userId: {
        type: ['string', 'null'],
        description: `Cut to ${L.viewerIdChars} characters; null or not a string: a signed-out viewer.`,
      },
      source: { type: ['string', 'null'], description: `Cut to ${L.sourceChars} characters.` },
      eventType: {
        type: 'string',
        enum: ['view_start', 'view_end'],
        default: 'view_start',
        description: 'Any other value reads as view_start (not a view).',
      },
      creatorPubkey: { type: ['string', 'null'], description: '64 hex, or empty; anything else is ignored.' },
      hashtags: {
        type: ['array', 'null'],
        items: string,
        description:
          `Lowercased, leading # stripped, each cut to ${L.hashtagChars} characters, the first ` +
          `${L.hashtags} distinct kept; items that are not strings are ignored.`,
      },
      title: { type: ['string', 'null'], description: `Cut to ${L.titleChars} characters.` },
      timestamp: {
        type: ['string', 'number', 'null'],
        description: `Only identifies retries (cut to ${L.timestampChars} characters); the event time is the receive time.`,
      },
      watchDuration: {
        type: ['number', 'null'],
        description: 'ms; rounded and clamped to 0..86,400,000 (24 h).',
      },
      totalDuration: {
        type: ['number', 'null'],
        description: 'ms; rounded and clamped to 0..86,400,000 (24 h).',
      },
      loopCount: { type: ['number', 'null'], description: `Rounded and clamped to 0..${L.loops}.` },
      completedVideo: { type: ['boolean', 'null'] },
      completionRate: { type: ['number', 'null'], description: 'Ignored: computed from the durations.' },
    },
  },
};

const ingestErrors = {
  '400': error('Invalid body (issues name each field); nothing is stored.'),
  '413': error('Body over 64 KiB.'),
  '415': error('Not application/json.'),
  '429': error("Over the client's ingest rate; Retry-After says when to retry. Nothing is stored."),
  '503': error(
    'The event store is unavailable (store_unavailable; retry), or VIEWER_KEY_SECRET is unset (misconfigured).',
  ),
};

/** An integer body field's bounds and default, from the policy table. */
const integerRange = (r: { min: number; max: number; default: number }) => ({
  type: 'integer' as const,
  minimum: r.min,
  maximum: r.max,
  default: r.default,
});

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'OpenVine Trending',
    version: '1.0.0',
    description:
      'Trending videos for OpenVine, answered from a cascade of caches; the /analytics routes ' +
      "are the OpenVine mobile app's. Every GET route also answers HEAD (same status and " +
      'headers, no body).',
  },
  paths: {
    '/v1/trending/videos': trendingRead('Ranked videos of a window', 'TrendingVideos', '24h', strictLimit),
    '/analytics/trending/vines': trendingRead(
      "The app's trending videos",
      'ClientVines',
      '24h',
      clampedLimit,
    ),
    '/analytics/trending/hashtags': trendingRead(
      "Hashtags of the window's trending videos",
      'ClientHashtags',
      '24h',
      clampedLimit,
    ),
    '/analytics/trending/creators': trendingRead(
      "Creators of the window's trending videos",
      'ClientCreators',
      '24h',
      clampedLimit,
    ),
    '/v1/events/views': {
      post: {
        summary: `One view event, or { events: [...] } with 1..${MAX_EVENTS_PER_BATCH}`,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                oneOf: [
                  ref('ViewEvent'),
                  {
                    type: 'object',
                    required: ['events'],
                    properties: {
                      events: {
                        type: 'array',
                        minItems: 1,
                        maxItems: MAX_EVENTS_PER_BATCH,
                        items: ref('ViewEvent'),
                      },
                    },
                  },
                ],
              },
            },
          },
        },
        responses: {
          '202': json(
            { type: 'object', properties: { accepted: integer, duplicates: integer } },
            'Stored; duplicates were already counted.',
          ),
          ...ingestErrors,
        },
      },
    },
    '/analytics/view': {
      post: {
        summary: "The app's view event (200, never 202: the app retries every other status but 429)",
        requestBody: { required: true, content: { 'application/json': { schema: ref('ClientView') } } },
        responses: {
          '200': json(
            {
              type: 'object',
              properties: { success: { type: 'boolean' }, eventId: string, timestamp: string },
            },
            'Stored (a retry counts once); over-long or invalid fields were clamped or ignored.',
          ),
          ...ingestErrors,
          '400': error(
            'No valid eventId, or the body is not a JSON object (or not JSON); nothing is stored.',
          ),
        },
      },
    },
    '/v1/health': {
      get: {
        summary: 'The api and its event store',
        responses: { '200': { description: 'ok' }, '503': { description: 'degraded' } },
      },
    },
    '/analytics/health': {
      get: { summary: "The old backend's health shape", responses: { '200': { description: 'ok' } } },
    },
    '/v1/metrics': {
      get: {
        summary: 'Per-layer hits, ratios, latency percentiles, computes (last 5 minutes, last hour)',
        parameters: [
          { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'prometheus'] } },
        ],
        responses: { '200': { description: 'JSON, or Prometheus text with format=prometheus' } },
      },
    },
    '/dashboard': {
      get: { summary: 'Charts of the metrics', responses: { '200': { description: 'HTML' } } },
    },
    '/v1/openapi.json': {
      get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } },
    },
    '/v1/admin/invalidate': {
      post: {
        ...admin(
          "Bump a window's generation (or every window listing a video) and recompute, under the " +
            'precompute run lock (waiting up to 20 s for a running precompute); then overwrite KV, ' +
            "raise this isolate's generation floor and purge this data center's edge",
          'post',
          {
            oneOf: [
              {
                type: 'object',
                required: ['window'],
                properties: { window: { type: 'string', enum: [...WINDOWS] } },
              },
              { type: 'object', required: ['videoId'], properties: { videoId: hex64 } },
              { type: 'object', required: ['all'], properties: { all: { const: true } } },
            ],
          },
        ).post,
        responses: {
          ...adminResponses,
          '200': json(
            {
              type: 'object',
              required: ['windows'],
              properties: { windows: { type: 'array', items: ref('InvalidatedWindow') } },
            },
            'Invalidated; every KV key of each window was written (or already held a newer copy).',
          ),
          '502': json(
            {
              allOf: [
                ref('Error'),
                {
                  type: 'object',
                  required: ['windows'],
                  properties: { windows: { type: 'array', items: ref('InvalidatedWindow') } },
                },
              ],
            },
            '`kv_write_failed`: invalidated (the generations are raised, the floor too, the edge ' +
              'purged), but KV refused some writes even after retrying; `kvFailed` names them. ' +
              'They keep the older generation until the next precompute run (within a minute).',
          ),
          '503': error(
            '`run_lock_busy`: a precompute run kept the run lock for the whole wait; nothing was ' +
              'invalidated. Retry-After says when to try again.',
          ),
        },
      },
    },
    '/v1/admin/precompute': admin('Run a precompute now', 'post', {
      type: 'object',
      properties: { windows: { type: 'array', items: { type: 'string', enum: [...WINDOWS] } } },
    }),
    '/v1/admin/status': admin('Last run, next cron, per-window generation and age', 'get'),
    '/v1/admin/seed': admin(
      'Ingest one page (200 events) of the demo workload (idempotent per seed); repeat with the ' +
        "answer's `next` as the body until it is null (Analytics Engine takes at most 250 points " +
        'per invocation)',
      'post',
      {
        type: 'object',
        properties: {
          events: integerRange(LIMITS.seed.events),
          videos: integerRange(LIMITS.seed.videos),
          seed: { type: 'integer', minimum: 0, default: 42 },
          now: { type: 'integer', description: "From `next`: the workload's time (within the last hour)." },
          offset: { type: 'integer', minimum: 0, default: 0, description: 'From `next`: the first event.' },
        },
      },
    ),
    '/v1/admin/record-check': {
      get: {
        ...admin("The live top 20 against the record's (Analytics Engine), per window", 'get').get,
        parameters: [windowParam('24h')],
      },
    },
  },
  components: {
    schemas,
    securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } },
  },
} as const;
