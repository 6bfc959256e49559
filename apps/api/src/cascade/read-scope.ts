import { keyScope, LAYER_BUDGETS_MS, type LayerBudgets } from '@openvine/trending-core';
import type { ApiEnv } from '../env.ts';
import { aggregatorName, testFaults } from '../test-seams.ts';

export type Fault = 'kv-throw' | 'do-hang' | 'source-fail';

/** The cache layers that can be switched off (LAYERS_OFF), e.g. to measure the ones below. */
export type SwitchableLayer = 'memory' | 'edge' | 'do' | 'kv';
const SWITCHABLE: readonly SwitchableLayer[] = ['memory', 'edge', 'do', 'kv'];

/** What one request reads through: which aggregator, which key space, which budgets. */
export interface ReadScope {
  aggregator: string;
  /** Prefix of every cache key derived from this aggregator ('' in production). */
  keys: string;
  budgets: LayerBudgets;
  /** Injected failures (test seam; always empty in production). */
  faults: ReadonlySet<Fault>;
  /** Layers neither read nor filled (LAYERS_OFF var; empty by default). */
  off: ReadonlySet<SwitchableLayer>;
}

function layersOff(value: string | undefined): ReadonlySet<SwitchableLayer> {
  const names = (value ?? '').split(',').map((s) => s.trim());
  return new Set(SWITCHABLE.filter((layer) => names.includes(layer)));
}

function budget(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * Without the test seams a scope depends on the env alone (its vars): built once per isolate and
 * env, not on every request of the hot path.
 */
const envScopes = new WeakMap<ApiEnv, ReadScope>();

export function readScope(request: Request, env: ApiEnv): ReadScope {
  if (env.TEST_SEAMS === '1') return buildScope(request, env);
  let scope = envScopes.get(env);
  if (!scope) {
    scope = buildScope(request, env);
    envScopes.set(env, scope);
  }
  return scope;
}

function buildScope(request: Request, env: ApiEnv): ReadScope {
  const aggregator = aggregatorName(request, env);
  return {
    aggregator,
    keys: keyScope(aggregator),
    budgets: {
      edge: budget(env.EDGE_BUDGET_MS, LAYER_BUDGETS_MS.edge),
      doSnapshot: budget(env.DO_BUDGET_MS, LAYER_BUDGETS_MS.doSnapshot),
      kv: budget(env.KV_BUDGET_MS, LAYER_BUDGETS_MS.kv),
      compute: budget(env.COMPUTE_BUDGET_MS, LAYER_BUDGETS_MS.compute),
    },
    faults: testFaults(request, env),
    off: layersOff(env.LAYERS_OFF),
  };
}
