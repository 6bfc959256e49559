import {
  type ClientHealth,
  type HealthDegraded,
  type HealthOk,
  RETRY_AFTER_S,
} from '@openvine/trending-core';
import { aggregatorName } from '../aggregator-name.ts';
import { aggregatorStub } from '../cascade/aggregator-stub.ts';
import type { ApiEnv } from '../env.ts';

/** GET /v1/health: the api and its event store. 503 when the store does not answer. */
export async function getHealth(_request: Request, env: ApiEnv): Promise<Response> {
  const started = performance.now();
  try {
    const stats = await aggregatorStub(env, aggregatorName(env)).stats();
    return Response.json(
      {
        status: 'ok',
        timestamp: new Date().toISOString(),
        aggregator: {
          ok: true,
          latencyMs: Math.round(performance.now() - started),
          rows: stats.rows,
          generations: stats.generations,
        },
      } satisfies HealthOk,
      { headers: { 'Cache-Control': 'no-store' } },
    );
  } catch (err) {
    console.error('health: aggregator failed', err);
    return Response.json(
      {
        status: 'degraded',
        timestamp: new Date().toISOString(),
        aggregator: { ok: false },
      } satisfies HealthDegraded,
      {
        status: 503,
        headers: { 'Cache-Control': 'no-store', 'Retry-After': String(RETRY_AFTER_S.unavailable) },
      },
    );
  }
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
