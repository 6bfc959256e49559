import { ingestLimitKey, RETRY_AFTER_S } from '@openvine/trending-core';
import type { ApiEnv } from './env.ts';
import { ApiError } from './errors.ts';

/**
 * Per-client ingest rate in EVENTS, not requests (the INGEST_LIMITER Rate Limiting binding,
 * counted per data center): the binding counts calls, so a request calls it once per event it
 * carries, under its client: the connection's address reduced by ingestLimitKey to one IPv4
 * address or one IPv6 /64 (a client rotating through its /64 is one client). Over it, 429 with
 * Retry-After after the body is validated and before anything is stored. The OpenVine app does
 * not retry a 429. Senders with an ingest key are not limited here: they carry many users' views
 * by design, are known by name, and are stopped by revoking their key (ingest-keys.ts). Keys
 * are scoped to the aggregator (one in production; tests each have their own). Without the
 * binding, or when it fails, ingest is not limited: losing views to a limiter outage would be
 * worse than admitting a burst.
 */
export async function enforceIngestLimit(
  env: ApiEnv,
  aggregator: string,
  address: string | null,
  events: number,
): Promise<void> {
  const limiter = env.INGEST_LIMITER;
  if (!limiter) return;
  const key = `${aggregator}:${ingestLimitKey(address)}`;
  let allowed = true;
  try {
    const outcomes = await Promise.all(Array.from({ length: events }, () => limiter.limit({ key })));
    allowed = outcomes.every((o) => o.success);
  } catch (err) {
    console.warn(`ingest limiter unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!allowed) {
    throw new ApiError(429, 'rate_limited', 'Too many view events from this client; retry later', {
      headers: { 'Retry-After': String(RETRY_AFTER_S.rateLimited) },
    });
  }
}
