import { DAY_MS, HOUR_MS, MINUTE_MS, RETENTION_MS } from './windows.ts';

/**
 * The policy table: every TTL, budget, interval and limit of the three Workers, each named once
 * with why it is what it is. Change a number here and nowhere else; `windows.test.ts` pins each
 * as a literal (a changed number must change a test), and scripts/lib/stray-numbers.test.ts fails
 * on a duration-like literal anywhere else in the apps. Numbers a platform config must also
 * carry (the cron, the rate limiter, the budget vars) are checked against wrangler.jsonc by
 * scripts/lib/wrangler-policy.test.ts.
 */

/**
 * Every freshness number of the cascade, and the few responses outside it. Change a TTL here and
 * nowhere else.
 */
export const TTL_POLICY = {
  /** Browsers and shared caches downstream of us. */
  browser: { maxAgeS: 60 },
  /** Directives advertised to shared caches in front of us (the design's header values). */
  cdn: { sMaxAgeS: 300, staleWhileRevalidateS: 240 },
  /**
   * Layer 0: serialized responses in the api isolate's module scope, bounded by entries and by
   * bytes: 16 MiB (16 * 1024 * 1024 = 16,777,216), far below the 128 MB an isolate may use, with a
   * response of up to about 1 MB. An entry's bytes are 2 per UTF-16 code unit of its key, body
   * and ETag (the most V8 stores them in); the oldest go first when a new one would not fit.
   */
  memory: { freshMs: 5_000, maxEntries: 256, maxBytes: 16 * 1024 * 1024 },
  /**
   * Layer 1: caches.default. An entry is fresh for 30 s from when it was stored, then served stale
   * while one isolate of the data center refreshes it (the refresh lock lives `refreshLockS`).
   * `staleMs` is also every snapshot's own age budget: no layer serves a computation older than
   * 300 s (KV's lifetime), fresh or stale (see freshness.ts).
   */
  edge: { freshMs: 30_000, staleMs: 300_000, refreshLockS: 10 },
  /** Layer 2: the aggregator's in-memory snapshot, refreshed by its alarm. */
  doSnapshot: { refreshMs: 30_000, maxServeMs: 60_000 },
  /**
   * Layer 3: Workers KV. expirationTtl must be >= 60 s (KV rejects less). `readCacheTtlS`: how
   * long a data center's KV read cache may answer a get before asking storage again (the get's
   * `cacheTtl`; 30 s is the platform's minimum, so a precompute run's overwrite shows within it).
   */
  kv: { expirationTtlS: 300, minWriteIntervalMs: 1_000, readCacheTtlS: 30 },
  /** GET /v1/openapi.json: changes only with a deploy, so an hour in any cache is harmless. */
  openApi: { maxAgeS: 3_600 },
  /**
   * The dashboard: its page and script for a minute (a deploy shows within one), the chart
   * library (a pinned npm version, bundled) for a day.
   */
  dashboard: { pageMaxAgeS: 60, chartLibraryMaxAgeS: 86_400 },
  /** How long browsers may remember a CORS preflight's answer: a day (24 * 60 * 60 s). */
  corsPreflight: { maxAgeS: 86_400 },
  /**
   * GET /v1/health: an api isolate answers from the aggregator's stats it read at most this long
   * ago (one call in flight at a time), so a flood of health checks costs the aggregator at most
   * one stats() call per isolate per 5 s; a monitor polling every few seconds still sees a change
   * within one period.
   */
  health: { cacheMs: 5_000 },
} as const;

/** The precompute cron, `* * * * *` in apps/precompute/wrangler.jsonc: the most often cron fires. */
const PRECOMPUTE_CRON_MS = MINUTE_MS;

/** How often things happen, in ms. */
export const INTERVALS = {
  /** Between two precompute crons (wrangler-policy.test.ts checks the cron agrees). */
  precomputeCronMs: PRECOMPUTE_CRON_MS,
  /**
   * How long a precompute run holds its lock: 5 s less than the cron interval, so a crashed
   * run's lock has expired when the next cron fires, while a slow run still keeps an
   * overlapping one (a manual run, a late cron) from doing the work twice.
   */
  runLockTtlMs: PRECOMPUTE_CRON_MS - 5_000,
  /**
   * How long an invalidation waits for the run lock while a precompute run holds it. A run takes
   * about a second, a few more when KV answers 429 and its writes are retried; one that holds the
   * lock this long is stuck, and the invalidation answers so instead of waiting out its lock.
   */
  invalidateLockWaitMs: 20_000,
  /** How long a Cloudflare cache purge call (moderation) may take before it counts as failed. */
  cachePurgeTimeoutMs: 5_000,
  /** Between two asks for the run lock: the first wait, doubled up to the last. */
  runLockRetryFirstMs: 50,
  runLockRetryMaxMs: 1_000,
  /** How often an isolate sends its metrics batch to the metrics object (var METRICS_FLUSH_MS). */
  metricsFlushMs: 5_000,
  /**
   * How often an isolate sends its read counts to the aggregator (var ACCESS_FLUSH_MS): fresh
   * enough for the one-minute precompute cron, which warms what they rank first.
   */
  accessFlushMs: 10_000,
  /**
   * How long a read waits, after its response, for the aggregator's answer that came after its
   * layer's budget (a far data center's round trip is 150-250 ms): one newer than what the read
   * served refills the layers above (read-through.ts). Past this, it is left unread.
   */
  lateAnswerWaitMs: 1_000,
  /**
   * How often an isolate that answers from its own fresh edge entries also reads the window's
   * snapshot stored beside them (edge-window-watch.ts, off the response path): a newer one,
   * stored by another isolate of the data center, then answers every limit here too, so that two
   * isolates' pages of one window disagree for about this long instead of the edge's 30 s.
   */
  edgeWindowWatchMs: 1_000,
  /** How often the dashboard page polls /v1/metrics and the trending lists. */
  dashboardRefreshMs: 5_000,
  /**
   * The relay bridge (apps/precompute relay-bridge.ts): a lost relay is retried after the first
   * wait, doubled per failure up to the last (a relay down for hours is asked every 5 minutes);
   * its alarm wakes it this often to reconnect after an eviction (the cron pokes it too); and a
   * new subscription asks from the last created_at seen minus the overlap, so events a relay
   * stored late (clock skew, slow propagation between relays) are not skipped.
   */
  relayBackoffFirstMs: 1_000,
  /** How long opening a relay's WebSocket may take before it counts as failed (then the backoff). */
  relayConnectTimeoutMs: 10_000,
  relayBackoffMaxMs: 5 * MINUTE_MS,
  relayBridgeAlarmMs: PRECOMPUTE_CRON_MS,
  relaySinceOverlapS: 60,
  /**
   * How often an aggregator over its storage budget logs its warning (its alarm runs every 30 s):
   * once an hour keeps the log readable while ops add shards.
   */
  storageWarningMs: HOUR_MS,
} as const;

/** How long stored state is kept, in ms (older rows are pruned). */
export const RETENTION = {
  /** Per-minute metrics rows and precompute runs: the dashboard's longest view is a day. */
  metricsMs: DAY_MS,
  /** The aggregator's minute buckets: the 1h window plus an hour of slack. */
  minuteBucketsMs: 2 * HOUR_MS,
  /** Hour buckets: the 7d window (all of RETENTION_MS) plus its partial hour. */
  hourBucketsMs: RETENTION_MS + HOUR_MS,
  /** Idempotency keys outlive the oldest accepted timestamp (7 d) plus clock skew. */
  idempotencyKeysMs: RETENTION_MS + HOUR_MS,
  /** Read counts for warming: the pairs clients asked for in the last hour. */
  accessCountsMs: HOUR_MS,
} as const;

/** The spans /v1/metrics summarizes (its `last5m` and `last1h`; the dashboard charts the hour). */
export const METRICS_SPANS_MS = {
  last5m: 5 * MINUTE_MS,
  last1h: HOUR_MS,
} as const;

/** Sizes and counts: what a request, a call, a batch or a bounded map may hold. */
export const LIMITS = {
  /**
   * A request body (events, admin): 64 KiB = 65,536 bytes holds a full batch of 100 events with
   * every field at its longest; more is a 413 before it is parsed.
   */
  maxBodyBytes: 64 * 1024,
  /**
   * Ingest EVENTS (not requests) per client and data center: the INGEST_LIMITER binding's
   * `simple` in apps/api/wrangler.jsonc (wrangler-policy.test.ts checks they agree). A client is
   * its single IPv4 address or its IPv6 /64 (ingestLimitKey): an IPv6 subscriber holds a whole
   * /64 and rotates inside it for free, while one IPv4 address is already a carrier NAT's or an
   * office's many users (a /24 budget would throttle hundreds of NAT addresses as one). An app
   * user sends about 20 events a minute (a start and an end per 6 s loop); 6,000 a minute is
   * 300 of them watching at full speed behind one address.
   */
  ingestPerClient: { limit: 6_000, periodS: 60 },
  /** Items an isolate batch (metrics samples, read counts) holds before it is sent at once. */
  isolateBatchMaxPending: 500,
  /**
   * A keyless view without a client timestamp is told from a retry of the same request by its
   * arrival minute (events.ts keylessDedupKey): a retry within it (the api's Retry-After is 5 s)
   * counts once; the same view in a later minute counts again.
   */
  keylessRetryBucketMs: MINUTE_MS,
  /** Rows one metrics `record` or aggregator `recordAccess` call takes: above a full isolate batch. */
  rowsPerCall: 1_000,
  /**
   * Bytes a shard's answer to its coordinator's merge (rankShard: its best 1,000 candidates with
   * their signed titles and hashtags) may take at most, serialized: a quarter of the 32 MiB a
   * Workers RPC argument or return value may hold (1 MiB before April 2025, which the worst case
   * would exceed: about 5.0 MB, every title and hashtag at its longest in a 3-byte script), so a
   * field added to the candidates, or a longer title, leaves room (shard-ranking-size.test.ts holds
   * the worst case to it).
   */
  shardRankingBytes: 8 * 1024 * 1024,
  /** Requested (format, window, limit) pairs one precompute run warms at the edge, at most. */
  warmedReads: 60,
  /**
   * Cache API calls (match, put, delete) one invocation may make on the paid plan, a quota shared
   * with its subrequests (Cloudflare's Workers limits, "Cache API limits"): what bounds one edge
   * purge (apps/api/src/edge-purge.ts purges a window per invocation).
   */
  cacheApiCallsPerInvocation: 1000,
  /** Precompute runs /v1/metrics lists: the last hour's, one a cron. */
  metricsRuns: HOUR_MS / PRECOMPUTE_CRON_MS,
  /**
   * A video entering a window's top this many (the plan's "new video or significant views")
   * bumps the window's generation, so every layer drops its copy once it sees the new snapshot.
   */
  generationBumpTop: 10,
  /**
   * Complete snapshots an api isolate holds (one per key scope and window: 3 in production,
   * tests use a scope each); about 30 KB each, the oldest goes first.
   */
  heldSnapshots: 64,
  /** Parsed query strings an api isolate remembers per route; cleared when full. */
  parsedQueries: 1_024,
  /**
   * Parsed edge-entry ETags an api isolate remembers (one per stored read: format, window, limit
   * and generation); cleared when full.
   */
  parsedETags: 1_024,
  /**
   * POST /v1/admin/seed: the demo workload's sizes (events, videos: bounds and defaults), and how
   * long a page's `next` stays usable (its events are generated for the first page's time).
   */
  /**
   * POST /v1/videos, signed Nostr video events (nostr-video.ts). `perBatch`: events one request
   * takes (each costs a Schnorr verification, about a millisecond). The caps bound what one event
   * stores: a diVine event (title, `t` tags, an `imeta` tag of a dozen entries) is far below them,
   * and all of them together stay inside the 64 KiB body. `eventBytes`: an event's JSON (UTF-8) at
   * most 64 KiB, what one request body holds: the caps alone let an event from a relay (no body
   * limit) reach 6.5 MB, over the 2 MB SQL value limit (`sqlValueBytes`) the aggregator stores it
   * under; a relay batch of 10 such events is one 640 KiB parameter.
   */
  videoEvents: {
    perBatch: 50,
    eventBytes: 64 * 1024,
    contentChars: 8_192,
    tags: 100,
    tagEntries: 32,
    tagValueChars: 2_048,
  },
  seed: {
    events: { min: 1_000, max: 50_000, default: 24_000 },
    videos: { min: 20, max: 2_000, default: 320 },
    cursorMaxAgeMs: HOUR_MS,
  },
  /**
   * Moderation (POST /v1/admin/moderation/hide|unhide): a reason's and an actor's length, the
   * audit rows GET /v1/admin/moderation lists (newest first), and the tags one Cloudflare purge
   * call takes (its documented per-call maximum for purge by tag).
   */
  moderation: { reasonChars: 500, byChars: 100, auditListed: 500, purgeTagsPerCall: 30 },
  /**
   * The relay bridge: relays one bridge holds a socket to (NOSTR_RELAYS beyond it are ignored),
   * and verified events one registerVideos call takes (small, so a live event waits for no
   * backlog and a refused stale one costs a short retry).
   */
  relayBridge: { relays: 16, registerBatch: 10 },
  /**
   * Durable Object SQLite in production rejects any string, BLOB or row over 2 MB (the local
   * runtime does not enforce it: the aggregator's tests install a guard, testing-sql-guard.ts).
   * Read as 2,000,000 bytes, the stricter of 2 MB and 2 MiB.
   */
  sqlValueBytes: 2_000_000,
  /**
   * Window totals one ranking read takes per page (window-totals.ts): each page is one JSON value
   * of at most about 270 bytes a row (a 64-hex id and 8 numbers at their longest), 2,000 rows are
   * 540 KB, a quarter of sqlValueBytes, and 25,000 rankable videos cost 13 statements.
   */
  rankingPageRows: 2_000,
  /**
   * Storage of one aggregator shard (docs/scaling.md, "Storage per shard"): the platform's 10 GB
   * per object, and the budget a shard is sized to stay under (half of it: a re-shard's 7-day
   * dual-write period keeps the old placement's data while the new one fills). Past the budget
   * health reports `degraded` and the alarm logs a warning; events are still counted.
   * `bytesPerEvent`: what a view event costs at most when it is a new viewer of its video from a
   * new network (measured 1,146 bytes: storage-per-event.test.ts holds it under this ceiling);
   * `bytesPerRepeatEvent`: a viewer's further view (measured 46: its idempotency key, mostly).
   * 5 GB holds 4.3 million worst-case events a week, 108 million repeat ones.
   */
  shardStorage: {
    objectMaxBytes: 10_000_000_000,
    budgetBytes: 5_000_000_000,
    bytesPerEvent: 1_200,
    bytesPerRepeatEvent: 64,
  },
  /**
   * The ingest queue (Cloudflare Queues: `trending-ingest`, its consumer in apps/aggregator).
   * Platform limits: a message at most 128 KB, one `sendBatch` at most 100 messages and 256 KB
   * (the api sends one per request), a consumer batch at most 100 messages. `messageBytes` stays
   * 8 KB under a message's limit so a poison message still fits the dead-letter envelope (its
   * reason and attempts) that the consumer sends on. A consumer batch is delivered when it holds
   * `consumerBatchSize` messages or `consumerBatchTimeoutS` after its first one; a shard that
   * fails to commit is retried after `retryFirstS` doubled per attempt up to `retryMaxS`, at most
   * `maxRetries` times, then the queue moves its messages to `trending-ingest-dlq`.
   * apps/aggregator/wrangler.jsonc carries the consumer's numbers (wrangler-policy.test.ts).
   */
  ingestQueue: {
    messageBytes: 120_000,
    sendBatchMessages: 100,
    sendBatchBytes: 256_000,
    consumerBatchSize: 100,
    consumerBatchTimeoutS: 1,
    maxRetries: 5,
    retryFirstS: 1,
    retryMaxS: 60,
    /** Queues (shard groups) a deployment may bind at most (ingest-message.ts ingestQueueName). */
    maxGroups: 64,
  },
  /**
   * Dead letters (apps/aggregator dead-letter-store.ts): how many GET /v1/admin/dead-letters
   * lists (newest first) and one replay request re-enqueues, the characters of a letter's body its
   * preview shows, and of a reason kept; and how many one store keeps at most (`stored`: at the
   * 128 KB a message may hold, 1.28 GB, an eighth of the 10 GB an object may hold), beyond which
   * new letters are counted as dropped instead of stored.
   */
  deadLetters: { listed: 100, replayPerRequest: 100, previewChars: 200, reasonChars: 500, stored: 10_000 },
  /**
   * Aggregator shards (AGGREGATOR_SHARDS, shards.ts): at most this many objects a deployment's
   * events are spread over by video.
   */
  aggregatorShards: { max: 1_024 },
} as const;

/** Retry-After of the api's 429 and 503 answers, in seconds. */
export const RETRY_AFTER_S = {
  /** The store or every layer failed: a short wait (most outages here are a restart). */
  unavailable: 5,
  /** Over the ingest rate: the limiter's whole period, the most a limited client waits. */
  rateLimited: LIMITS.ingestPerClient.periodS,
  /** An invalidation found a precompute run holding the lock past its wait: runs take seconds. */
  runLockBusy: 5,
} as const;

/** The read path's layers, top to bottom: each answers what the ones above it miss. */
export const READ_LAYERS = ['memory', 'edge', 'do', 'kv', 'compute'] as const;
export type ReadLayer = (typeof READ_LAYERS)[number];

/**
 * How long each layer may take before it is skipped and the next one asked (the design's
 * "serves within" column). The api reads overrides from its vars (EDGE_BUDGET_MS, ...).
 */
export const LAYER_BUDGETS_MS = {
  edge: 20,
  doSnapshot: 30,
  kv: 50,
  /** A computation from the source: the last layer, so it gets the longest leash. */
  compute: 5_000,
} as const;
export type LayerBudgets = { -readonly [K in keyof typeof LAYER_BUDGETS_MS]: number };

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;
/**
 * Limits precomputed into KV as pre:{window}:{limit}; every other limit is sliced from top-100.
 * Also the metrics' limit labels (every other limit is "other"): the limits clients mostly ask for.
 */
export const PRECOMPUTED_LIMITS = [10, 20, 50, 100] as const;

/**
 * Cloudflare Workers Analytics Engine: "You can write a maximum of 250 data points per Worker
 * invocation (client HTTP request). Each call to writeDataPoint counts towards this limit."
 * (developers.cloudflare.com/analytics/analytics-engine/limits/, read 2026-12-01). Past it,
 * points are dropped, so no request may ingest more events than this at once.
 */
export const MAX_AE_WRITES_PER_INVOCATION = 250;
