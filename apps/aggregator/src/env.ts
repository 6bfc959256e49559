/// <reference path="../worker-bindings.d.ts" />

/**
 * The aggregator's bindings, as `wrangler types` generates them from wrangler.jsonc
 * (worker-bindings.d.ts, `pnpm types`). Generated under a name of their own rather than taken
 * from the global `Env`, because the api and precompute programs compile this source beside
 * their own `Env`; wrangler.jsonc expresses all of them, so nothing is added here.
 */
export type AggregatorEnv = AggregatorBindings;
