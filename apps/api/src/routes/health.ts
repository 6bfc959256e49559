import {
  type ClientHealth,
  type HealthDegraded,
  type HealthOk,
  LIMITS,
  RETRY_AFTER_S,
  TTL_POLICY,
} from '@openvine/trending-core';
import { aggregatorName } from '../aggregator-name.ts';
import { aggregatorStub } from '../cascade/aggregator-stub.ts';
import type { ApiEnv } from '../env.ts';
import { PeriodicRead } from '../periodic-read.ts';

type AggregatorStats = Awaited<ReturnType<ReturnType<typeof aggregatorStub>['stats']>>;

/**
 * The aggregator's stats as this isolate last read them: at most one stats() call per aggregator
 * and isolate per TTL_POLICY.health.cacheMs, however many health checks arrive (one entry per
 * key scope, as the isolate's snapshots: LIMITS.heldSnapshots).
 */
const heldStats = new PeriodicRead<AggregatorStats>(TTL_POLICY.health.cacheMs, LIMITS.heldSnapshots);

/**
 * GET /v1/health: the api and its event store. 503 when the store does not answer; `degraded`
 * (200) when it answers but its storage is past the budget (docs/scaling.md).
 */
export async function getHealth(_request: Request, env: ApiEnv): Promise<Response> {
  const name = aggregatorName(env);
  const now = Date.now();
  const read = await heldStats.get(
    name,
    () =>
      aggregatorStub(env, name)
        .stats()
        .catch((err: unknown) => {
          console.error('health: aggregator failed', err);
          throw err;
        }),
    now,
  );
  if (read.ok) {
    const stats = read.value;
    return Response.json(
      {
        status: stats.storage.overBudget ? 'degraded' : 'ok',
        timestamp: new Date(now).toISOString(),
        aggregator: {
          ok: true,
          latencyMs: read.latencyMs,
          ageMs: Math.max(0, now - read.readAt),
          rows: stats.rows,
          generations: stats.generations,
          storage: stats.storage,
        },
      } satisfies HealthOk,
      { headers: { 'Cache-Control': 'no-store' } },
    );
  }
  return Response.json(
    {
      status: 'degraded',
      timestamp: new Date(now).toISOString(),
      aggregator: { ok: false },
    } satisfies HealthDegraded,
    {
      status: 503,
      headers: { 'Cache-Control': 'no-store', 'Retry-After': String(RETRY_AFTER_S.unavailable) },
    },
  );
}

/** GET /analytics/health: the old backend's shape. */
export async function getClientHealth(): Promise<Response> {
  return Response.json(
    {
      status: 'healthy',
      environment: 'openvine-trending',
      timestamp: new Date().toISOString(),
    } satisfies ClientHealth,
    { headers: { 'Cache-Control': 'no-store' } },
  );
}
