// Everything the simulation takes from the code it models, in one place: trending-core's policy
// table (freshness, stale windows, budgets, intervals, limits), its key scheme (formats, windows,
// canonical and KV keys, precomputed limits) and its freshness and generation rules. Imported from
// the source files themselves (Node runs them as they are; the package index also loads modules
// Node's type stripping cannot run), so a changed number or rule changes the simulation too.
export { type Computation, isOlder } from '../../../packages/trending-core/src/computation.ts';
export { freshness } from '../../../packages/trending-core/src/freshness.ts';
export {
  canonicalKey,
  kvReadKey,
  kvTopKey,
  RESPONSE_FORMATS,
  type ResponseFormat,
} from '../../../packages/trending-core/src/keys.ts';
export {
  INTERVALS,
  LAYER_BUDGETS_MS,
  LIMITS,
  PRECOMPUTED_LIMITS,
  READ_LAYERS,
  type ReadLayer,
  TTL_POLICY,
} from '../../../packages/trending-core/src/ttl-policy.ts';
export { type TrendingWindow, WINDOWS } from '../../../packages/trending-core/src/windows.ts';
