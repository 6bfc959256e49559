import type { IngestResult, NormalizedViewEvent } from '@openvine/trending-core';
import { aggregatorStub } from './cascade/do-snapshot.ts';
import type { ApiEnv } from './env.ts';
import { ApiError } from './errors.ts';
import { viewerKey } from './viewer-key.ts';

/**
 * Analytics Engine layout of one view event (dataset `openvine_view_events`); production SQL
 * counts with SUM(_sample_interval). index1 = videoId.
 * blobs:   1 eventType, 2 viewerKey, 3 creatorPubkey, 4 country, 5 source, 6 hashtags (comma), 7 title
 * doubles: 1 timestampMs, 2 watchMs, 3 durationMs, 4 completion (-1 when unknown), 5 loops
 */
function toDataPoint(event: NormalizedViewEvent): AnalyticsEngineDataPoint {
  return {
    indexes: [event.videoId],
    blobs: [
      event.eventType,
      event.viewerId,
      event.creatorPubkey ?? '',
      event.country ?? '',
      event.source ?? '',
      (event.hashtags ?? []).join(','),
      (event.title ?? '').slice(0, 200),
    ],
    doubles: [
      event.timestampMs,
      event.watchMs ?? 0,
      event.durationMs ?? 0,
      event.completion ?? -1,
      event.loops,
    ],
  };
}

/**
 * Stores validated events: the aggregator (live store) decides which are duplicates, and only
 * the others go to Analytics Engine (the production record), so retries count once in both.
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
      headers: { 'Retry-After': '5' },
    });
  }
  const duplicates = new Set(outcome.duplicateIndexes);
  keyed.forEach((event, i) => {
    if (!duplicates.has(i)) env.VIEW_EVENTS.writeDataPoint(toDataPoint(event));
  });
  return { accepted: outcome.accepted, duplicates: outcome.duplicates };
}
