import { RETRY_AFTER_S } from '@openvine/trending-core';
import type { ApiEnv } from './env.ts';
import { ApiError } from './errors.ts';

/**
 * Per-client ingest rate (the INGEST_LIMITER Rate Limiting binding, counted per data center):
 * over it, 429 with Retry-After before the body is read, so nothing is stored. The OpenVine app
 * does not retry a 429. The key is the client's IP within its aggregator (one in production; tests
 * each have their own). Without the binding, or when it fails, ingest is not limited: losing views
 * to a limiter outage would be worse than admitting a burst.
 */
export async function enforceIngestLimit(request: Request, env: ApiEnv, aggregator: string): Promise<void> {
  if (!env.INGEST_LIMITER) return;
  const client = request.headers.get('cf-connecting-ip') ?? 'unknown';
  let allowed = true;
  try {
    allowed = (await env.INGEST_LIMITER.limit({ key: `${aggregator}:${client}` })).success;
  } catch (err) {
    console.warn(`ingest limiter unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!allowed) {
    throw new ApiError(429, 'rate_limited', 'Too many view events from this client; retry later', {
      headers: { 'Retry-After': String(RETRY_AFTER_S.rateLimited) },
    });
  }
}
