import { keyScope, LAYER_BUDGETS_MS, type LayerBudgets, metricsObjectFor } from '@openvine/trending-core';
import { aggregatorName } from '../aggregator-name.ts';
import type { ApiEnv } from '../env.ts';
import type { Layer } from './layer.ts';
import { layerOrder } from './layer-order.ts';

/** The cache layers that can be switched off (LAYERS_OFF), e.g. to measure the ones below. */
export type SwitchableLayer = 'memory' | 'edge' | 'do' | 'kv';
const SWITCHABLE: readonly SwitchableLayer[] = ['memory', 'edge', 'do', 'kv'];

/** What one request reads through: which aggregator, which key space, which budgets. */
export interface ReadScope {
  aggregator: string;
  /** The metrics Durable Object its responses are counted in (metricsObjectFor the aggregator). */
  metricsObject: string;
  /** Prefix of every cache key derived from this aggregator ('' in production). */
  keys: string;
  budgets: LayerBudgets;
  /** Layers neither read nor filled (LAYERS_OFF var; empty by default). */
  off: ReadonlySet<SwitchableLayer>;
  /** The layers a read tries, top to bottom, without those that are off. */
  layers: readonly Layer[];
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
 * A scope depends on the env alone (its bindings and vars): built once per isolate and env, not
 * on every request of the hot path.
 */
const envScopes = new WeakMap<ApiEnv, ReadScope>();

export function readScope(env: ApiEnv): ReadScope {
  let scope = envScopes.get(env);
  if (!scope) {
    scope = buildScope(env);
    envScopes.set(env, scope);
  }
  return scope;
}

function buildScope(env: ApiEnv): ReadScope {
  const aggregator = aggregatorName(env);
  const off = layersOff(env.LAYERS_OFF);
  return {
    aggregator,
    metricsObject: metricsObjectFor(aggregator),
    keys: keyScope(aggregator),
    budgets: {
      edge: budget(env.EDGE_BUDGET_MS, LAYER_BUDGETS_MS.edge),
      doSnapshot: budget(env.DO_BUDGET_MS, LAYER_BUDGETS_MS.doSnapshot),
      kv: budget(env.KV_BUDGET_MS, LAYER_BUDGETS_MS.kv),
      compute: budget(env.COMPUTE_BUDGET_MS, LAYER_BUDGETS_MS.compute),
    },
    off,
    layers: layerOrder(off),
  };
}
