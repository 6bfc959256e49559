/**
 * Every freshness number of the cascade, in one table. Change a TTL here and nowhere else.
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
  /** Layer 3: Workers KV. expirationTtl must be >= 60 s (KV rejects less). */
  kv: { expirationTtlS: 300, minWriteIntervalMs: 1_000 },
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
/** Limits precomputed into KV as pre:{window}:{limit}; every other limit is sliced from top-100. */
export const PRECOMPUTED_LIMITS = [10, 20, 50, 100] as const;

/**
 * Cloudflare Workers Analytics Engine: "You can write a maximum of 250 data points per Worker
 * invocation (client HTTP request). Each call to writeDataPoint counts towards this limit."
 * (developers.cloudflare.com/analytics/analytics-engine/limits/, read 2026-12-01). Past it,
 * points are dropped, so no request may ingest more events than this at once.
 */
export const MAX_AE_WRITES_PER_INVOCATION = 250;
