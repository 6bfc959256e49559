import {
  describeKvFailures,
  kvReadKey,
  kvTopKey,
  type TrendingSnapshot,
  TrendingSnapshotSchema,
  type TrendingWindow,
  TTL_POLICY,
  writeSnapshotToKv,
} from '@openvine/trending-core';
import * as v from 'valibot';
import type { ApiEnv } from '../env.ts';
import type { ReadScope } from './read-scope.ts';

/**
 * A KV value is only served if it is a snapshot of the window asked for: KV holds what any
 * version of the precompute Worker wrote, so the value is checked against the snapshot's schema
 * (the same one the responses are documented with). Runs on KV reads only, a few per minute per
 * isolate: the hot path reads isolate memory and the edge.
 */
function isSnapshot(value: unknown, window: TrendingWindow): value is TrendingSnapshot {
  return v.is(TrendingSnapshotSchema, value) && value.window === window;
}

export interface KvRead {
  snapshot: TrendingSnapshot;
  /** True when the value is the window's whole top-100 (it can then refill the aggregator). */
  complete: boolean;
}

/** The snapshot stored under `key`, when it is one of the window and within KV's lifetime. */
async function readKey(
  env: ApiEnv,
  key: string,
  topKey: string,
  window: TrendingWindow,
): Promise<KvRead | undefined> {
  const value = await env.TRENDING_KV.get<unknown>(key, {
    type: 'json',
    cacheTtl: TTL_POLICY.kv.readCacheTtlS,
  });
  if (!isSnapshot(value, window)) return undefined;
  if (Date.now() - value.computedAt > TTL_POLICY.kv.expirationTtlS * 1000) return undefined;
  return { snapshot: value, complete: key === topKey };
}

/**
 * Layer 3: Workers KV, `pre:{window}:{limit}` for the precomputed limits, else `top:{window}`.
 * KV is eventually consistent, so the read path compares generations rather than trusting order.
 */
export const kvSnapshot = {
  async get(
    env: ApiEnv,
    scope: ReadScope,
    window: TrendingWindow,
    limit: number,
  ): Promise<KvRead | undefined> {
    return readKey(env, kvReadKey(window, limit, scope.keys), kvTopKey(window, scope.keys), window);
  },

  /** The window's whole top-100 (`top:{window}`), whatever the limit. */
  async getWhole(env: ApiEnv, scope: ReadScope, window: TrendingWindow): Promise<KvRead | undefined> {
    const key = kvTopKey(window, scope.keys);
    return readKey(env, key, key, window);
  },

  /**
   * Writes a computed snapshot's entries (a newer copy already there stays); rejects naming the
   * keys KV refused, for the caller to log.
   */
  async fill(env: ApiEnv, scope: ReadScope, snapshot: TrendingSnapshot): Promise<string[]> {
    const outcome = await writeSnapshotToKv(env.TRENDING_KV, snapshot, scope.keys);
    if (outcome.failed.length > 0) throw new Error(describeKvFailures(outcome.failed));
    return outcome.written;
  },
};
