/**
 * The api's bindings: the global `Env` that `wrangler types` generates from wrangler.jsonc
 * (worker-configuration.d.ts, `pnpm types`; the aggregator's and precompute's configs give the
 * Durable Object and service bindings their RPC types), with what it cannot express. The one
 * place they are declared. No other Worker's program compiles this file, so the global `Env` is
 * the api's here.
 */
export interface ApiEnv
  extends Omit<
    Env,
    | 'INGEST_LIMITER'
    | 'ADMIN_TOKEN'
    | 'VIEWER_KEY_SECRET'
    | 'EDGE_BUDGET_MS'
    | 'DO_BUDGET_MS'
    | 'KV_BUDGET_MS'
    | 'COMPUTE_BUDGET_MS'
    | 'AGGREGATOR_SHARDS'
  > {
  /** Per-client ingest rate (ratelimits in wrangler.jsonc); absent: ingest is not limited. */
  INGEST_LIMITER?: RateLimit;
  /** A secret; unset: the admin routes are off (404). */
  ADMIN_TOKEN?: string;
  /** The HMAC secret of viewer and network keys (keyed-digest.ts); unset: ingest answers 503. */
  VIEWER_KEY_SECRET?: string;
  /**
   * A secret: server-side senders' ingest keys, a JSON object of sender name to key
   * (ingest-keys.ts); unset: every sender is anonymous (a request with a key answers 503).
   */
  INGEST_KEYS?: string;
  /** Objects ingest spreads videos over (trending-core's shards.ts); unset: 1. */
  AGGREGATOR_SHARDS?: string;
  /** The aggregator object to use (aggregator-name.ts); unset: the production one. */
  AGGREGATOR_NAME?: string;
  /** Layer budgets in ms (vars in wrangler.jsonc, any value per deployment; defaults in trending-core's LAYER_BUDGETS_MS). */
  EDGE_BUDGET_MS?: string;
  DO_BUDGET_MS?: string;
  KV_BUDGET_MS?: string;
  COMPUTE_BUDGET_MS?: string;
  /** Cache layers switched off, comma separated (memory, edge, do, kv): for measurement and triage. */
  LAYERS_OFF?: string;
  /** "1" turns response metrics off (to measure what recording costs). */
  METRICS_OFF?: string;
  /** How often an isolate sends its metrics batch to the metrics object (ms; default 5000). */
  METRICS_FLUSH_MS?: string;
  /** How often an isolate sends its read counts to the aggregator (ms; default 10000). */
  ACCESS_FLUSH_MS?: string;
}
