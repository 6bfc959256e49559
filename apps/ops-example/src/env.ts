/**
 * This Worker's bindings: the global `Env` that `wrangler types` generates from wrangler.jsonc
 * (worker-configuration.d.ts; precompute's config types PRECOMPUTE with its RPC methods).
 * wrangler.jsonc expresses all of them, and no other program compiles this file.
 */
export type OpsExampleEnv = Env;
