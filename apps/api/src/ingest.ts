import { type IngestResult, type NormalizedViewEvent, RETRY_AFTER_S } from '@openvine/trending-core';
import { aggregatorStub } from './cascade/aggregator-stub.ts';
import type { ApiEnv } from './env.ts';
import { ApiError } from './errors.ts';
import { viewerKey } from './viewer-key.ts';

/**
 * Stores validated events in the aggregator (the live store), which decides which are duplicates
 * and writes the others to Analytics Engine (the production record) where it commits them, so a
 * lost answer or a retry neither drops nor doubles a point (apps/aggregator/src/view-record.ts).
 * Viewer ids are replaced by their keys before they leave this Worker.
 */
export async function ingestEvents(
  env: ApiEnv,
  aggregator: string,
  events: NormalizedViewEvent[],
): Promise<IngestResult> {
  const keyed = await Promise.all(events.map(async (e) => ({ ...e, viewerId: await viewerKey(e.viewerId) })));
  let outcome: Awaited<ReturnType<ReturnType<typeof aggregatorStub>['ingest']>>;
  try {
    outcome = await aggregatorStub(env, aggregator).ingest(keyed);
  } catch (err) {
    console.error('aggregator ingest failed', err);
    throw new ApiError(503, 'store_unavailable', 'Event store unavailable, retry later', {
      headers: { 'Retry-After': String(RETRY_AFTER_S.unavailable) },
    });
  }
  return { accepted: outcome.accepted, duplicates: outcome.duplicates };
}
