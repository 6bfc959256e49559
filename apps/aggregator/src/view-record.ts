import type { NormalizedViewEvent } from '@openvine/trending-core';

/**
 * Analytics Engine layout of one view event (dataset `openvine_view_events`, the production
 * record); production SQL counts with SUM(_sample_interval). index1 = videoId.
 * blobs:   1 eventType, 2 viewerKey, 3 creatorPubkey, 4 country, 5 source, 6 hashtags (comma), 7 title,
 *          8 networkKey (the keyed client network; '' on points written before 2026-12-03)
 * doubles: 1 timestampMs, 2 watchMs, 3 durationMs, 4 completion (-1 when unknown), 5 loops
 * The reader of this layout is trending-core's AnalyticsEngineViewSource.
 */
export function viewEventPoint(event: NormalizedViewEvent): AnalyticsEngineDataPoint {
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
      event.networkKey ?? '',
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
 * Writes the record of a committed batch: one point per event the commit stored, none for its
 * duplicates. Called right after the commit and before anything that can throw, so that a batch
 * whose answer is lost (a throw after the commit, a caller gone) is still recorded, and its retry
 * (all duplicates) writes nothing: each event is recorded exactly once. A point the binding
 * refuses is logged, not thrown: the batch is committed, and failing its answer would only make
 * the caller retry a batch that is now all duplicates.
 */
export function recordCommitted(
  dataset: AnalyticsEngineDataset,
  events: readonly NormalizedViewEvent[],
  duplicateIndexes: readonly number[],
): void {
  const duplicates = new Set(duplicateIndexes);
  events.forEach((event, i) => {
    if (duplicates.has(i)) return;
    const notWritten = (err: unknown) => console.error('view record: point not written', event.videoId, err);
    try {
      // Typed void; a binding answering through a service (the tests' stand-in) returns a promise.
      const written: unknown = dataset.writeDataPoint(viewEventPoint(event));
      if (typeof (written as PromiseLike<void> | undefined)?.then === 'function') {
        Promise.resolve(written).catch(notWritten);
      }
    } catch (err) {
      notWritten(err);
    }
  });
}
