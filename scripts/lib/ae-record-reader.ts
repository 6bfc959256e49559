// Workerd side of the Analytics Engine stand-in (ae-record-stand-in.js), test-only: what a test
// reads back through the AE_RECORD binding its vitest.config.ts adds (scripts/lib/ae-record.ts).

/** One data point as the stand-in stored it. */
export interface RecordedPoint {
  indexes: (string | null)[];
  blobs: (string | null)[];
  doubles: number[];
}

/** The stand-in's `Record` entrypoint. */
interface AeRecord {
  points(dataset: string, index?: string): Promise<RecordedPoint[]>;
  refuse(index: string): Promise<void>;
}

/**
 * The points the view record (VIEW_EVENTS, dataset `openvine_view_events`) received, in arrival
 * order; with `videoId`, only that video's (index1 is the videoId). `bindings` is the test's env.
 */
export function recordedViewEvents(bindings: object, videoId?: string): Promise<RecordedPoint[]> {
  const record = (bindings as { AE_RECORD: AeRecord }).AE_RECORD;
  return record.points('openvine_view_events', videoId);
}

/** Makes Analytics Engine refuse (throw on) every point of `videoId` from now on. */
export function refuseViewEvents(bindings: object, videoId: string): Promise<void> {
  return (bindings as { AE_RECORD: AeRecord }).AE_RECORD.refuse(videoId);
}
