import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import {
  aggregatorShardCount,
  HOUR_MS,
  MAX_EVENTS_PER_BATCH,
  type NormalizedViewEvent,
  type RankedVideo,
  shardObjectNameOf,
  shardObjectNames,
  type TrendingWindow,
  type VideoEventRecord,
  verifyVideoEvent,
} from '@openvine/trending-core';
import { signedVideoEvent, type VideoTemplate } from '@openvine/trending-core/nostr-signing';
import { vi } from 'vitest';
import { type RecordedPoint, recordedViewEvents } from '../../../scripts/lib/ae-record-reader.ts';
import type { IngestOutcome } from './rollups.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';

/** Test helpers: every test gets its own Durable Object, so no state is shared. */
export type AggregatorStub = DurableObjectStub<TrendingAggregator>;

export function newAggregator(): AggregatorStub {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(crypto.randomUUID()));
}

/**
 * The aggregator's shards (AGGREGATOR_SHARDS in wrangler.jsonc: 2, so every test runs the
 * multi-shard path): the objects that store a test's events, for the tests that look inside one.
 */
export function shardsOf(aggregator: AggregatorStub): AggregatorStub[] {
  const name = aggregator.id.name ?? '';
  return shardObjectNames(name, aggregatorShardCount(env.AGGREGATOR_SHARDS) ?? 1).map((shard) =>
    env.AGGREGATOR.get(env.AGGREGATOR.idFromName(shard)),
  );
}

/**
 * One object that stores and ranks on its own: a shard (the one object of an unsharded deployment
 * behaves the same). For the tests that look into an object's own tables.
 */
export function newStore(): AggregatorStub {
  return shardsOf(newAggregator())[0] as AggregatorStub;
}

/** What the object's alarm does to its rollups at `now`: drops what no window can see. Rows deleted. */
export function pruneRollups(store: AggregatorStub, now: number): Promise<number> {
  return runInDurableObject(store, (instance: TrendingAggregator) =>
    (instance as unknown as { rollups: { prune(now: number): number } }).rollups.prune(now),
  );
}

/**
 * Makes a shard refuse every change to one window's running totals (a real SQLite error, as a
 * full or failing disk gives): that window's ranking there throws once the window must move on
 * (the hour has turned), the other windows' do not. Resolves to the repair.
 */
export async function refuseWindowTotals(
  shard: AggregatorStub,
  window: TrendingWindow,
): Promise<() => Promise<void>> {
  const verbs = ['INSERT', 'UPDATE', 'DELETE'] as const;
  const sqlOn = (statements: string[]) =>
    runInDurableObject(shard, (_instance: TrendingAggregator, state) => {
      for (const statement of statements) state.storage.sql.exec(statement);
    });
  const name = (verb: string) => `refuse_${window}_${verb}`;
  await sqlOn(
    verbs.map(
      (verb) => `CREATE TRIGGER ${name(verb)} BEFORE ${verb} ON window_totals
        WHEN ${verb === 'INSERT' ? 'NEW' : 'OLD'}.trending_window = '${window}'
        BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`,
    ),
  );
  return () => sqlOn(verbs.map((verb) => `DROP TRIGGER ${name(verb)}`));
}

/** The shard that stores `videoId`'s events. */
export function shardOfVideo(aggregator: AggregatorStub, videoId: string): AggregatorStub {
  const name = shardObjectNameOf(
    aggregator.id.name ?? '',
    videoId,
    aggregatorShardCount(env.AGGREGATOR_SHARDS) ?? 1,
  );
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(name));
}

/** stats().rows of an object that stores nothing. */
export const EMPTY_ROWS = {
  videos: 0,
  bucketsMinute: 0,
  bucketsHour: 0,
  viewers: 0,
  seenKeys: 0,
  windowTotals: 0,
  videoAddresses: 0,
  videoVersions: 0,
} as const;

/** A Nostr event id: 64 lowercase hex characters. */
export function randomVideoId(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The network key the api would give a viewer watching from its own home (a /24 of its own):
 * tests of anything but the network evidence see every viewer from a different network, as a
 * real audience mostly is. `extra.networkKey` puts a viewer elsewhere.
 */
export function ownNetwork(viewerId: string): string {
  return `net-${viewerId}`;
}

export function viewEnd(
  videoId: string,
  viewerId: string,
  extra: Partial<NormalizedViewEvent> = {},
): NormalizedViewEvent {
  return {
    videoId,
    viewerId,
    eventType: 'view_end',
    timestampMs: Date.now(),
    loops: 1,
    networkKey: ownNetwork(viewerId),
    ...extra,
  };
}

export function viewStart(
  videoId: string,
  viewerId: string,
  extra: Partial<NormalizedViewEvent> = {},
): NormalizedViewEvent {
  return {
    videoId,
    viewerId,
    eventType: 'view_start',
    timestampMs: Date.now(),
    loops: 0,
    networkKey: ownNetwork(viewerId),
    ...extra,
  };
}

/** One view_end from each of `count` distinct viewers; `at(i)` gives the i-th event's timestamp. */
export function distinctViews(
  videoId: string,
  count: number,
  options: { viewerPrefix?: string; at?: (i: number) => number; extra?: Partial<NormalizedViewEvent> } = {},
): NormalizedViewEvent[] {
  const prefix = options.viewerPrefix ?? `viewer-${videoId.slice(0, 8)}`;
  return Array.from({ length: count }, (_, i) =>
    viewEnd(videoId, `${prefix}-${i}`, {
      ...(options.at ? { timestampMs: options.at(i) } : {}),
      ...options.extra,
    }),
  );
}

/**
 * A video event signed by the deterministic key of `seed` (one per test: its own keys), verified
 * as the api verifies it: the record POST /v1/videos hands the aggregator. `createdAt` defaults
 * to 10 minutes before the (pinned) clock.
 */
export function signedVideo(
  seed: string,
  video: Partial<VideoTemplate> & { title?: string; hashtags?: readonly string[] },
): VideoEventRecord {
  const event = signedVideoEvent(seed, {
    d: video.d ?? 'clip',
    createdAt: video.createdAt ?? Math.floor(Date.now() / 1000) - 600,
    ...(video.title === undefined ? {} : { title: video.title }),
    ...(video.hashtags === undefined ? {} : { hashtags: video.hashtags }),
    ...(video.kind === undefined ? {} : { kind: video.kind }),
  });
  const verdict = verifyVideoEvent(JSON.parse(JSON.stringify(event)), Date.now());
  if (!verdict.ok) throw new Error(`test event refused: ${verdict.code} ${verdict.message}`);
  return verdict.record;
}

/** Registers signed video records, failing the test on a refusal. */
export async function registerVideos(stub: AggregatorStub, ...records: VideoEventRecord[]) {
  const registration = await stub.registerVideos(records);
  if (!registration.ok) throw new Error(`registration refused: ${JSON.stringify(registration.stale)}`);
  return registration;
}

/** Ingests any number of events in batches of at most 100, summing the outcomes. */
export async function ingestAll(
  stub: AggregatorStub,
  events: readonly NormalizedViewEvent[],
): Promise<IngestOutcome> {
  const total: IngestOutcome = { accepted: 0, duplicates: 0, duplicateIndexes: [] };
  for (let offset = 0; offset < events.length; offset += MAX_EVENTS_PER_BATCH) {
    const outcome = await stub.ingest(events.slice(offset, offset + MAX_EVENTS_PER_BATCH));
    total.accepted += outcome.accepted;
    total.duplicates += outcome.duplicates;
    total.duplicateIndexes.push(...outcome.duplicateIndexes.map((i) => i + offset));
  }
  return total;
}

/**
 * Ingests events as they would have arrived: each hour's events with the clock pinned to the
 * latest of them, then the clock back where it was. The per-viewer and per-network caps count
 * by arrival hour, so history loaded at once with old timestamps is a backdated replay (capped
 * as one hour); history that arrived when it happened is not.
 */
export async function ingestAsArrived(
  stub: AggregatorStub,
  events: readonly NormalizedViewEvent[],
): Promise<IngestOutcome> {
  const pinned = Date.now();
  const byHour = new Map<number, NormalizedViewEvent[]>();
  for (const e of events) {
    const hour = Math.floor(e.timestampMs / HOUR_MS);
    byHour.set(hour, [...(byHour.get(hour) ?? []), e]);
  }
  const total: IngestOutcome = { accepted: 0, duplicates: 0, duplicateIndexes: [] };
  try {
    for (const [, hourEvents] of [...byHour].sort(([a], [b]) => a - b)) {
      pinClock(Math.max(...hourEvents.map((e) => e.timestampMs)));
      const outcome = await ingestAll(stub, hourEvents);
      total.accepted += outcome.accepted;
      total.duplicates += outcome.duplicates;
    }
  } finally {
    pinClock(pinned);
  }
  return total;
}

/** The freshly recomputed ranking of a window. */
export async function ranking(stub: AggregatorStub, window: TrendingWindow): Promise<RankedVideo[]> {
  return (await stub.refresh(window)).videos;
}

export async function findVideo(
  stub: AggregatorStub,
  window: TrendingWindow,
  videoId: string,
): Promise<RankedVideo | undefined> {
  return (await ranking(stub, window)).find((v) => v.videoId === videoId);
}

/**
 * The instant every aggregator test starts at (test-setup.ts pins it before each test), so that
 * no result depends on the minute or hour the suite runs in, or on time passing between two
 * computations. The Durable Objects run in this isolate, so the pinned Date is theirs too.
 * Later than any real clock the suite runs under: an alarm the object schedules (30 s after the
 * pinned time) never comes due during a test (pinned in the past, it fires again and again).
 */
export const TEST_START = '2100-06-01T12:10:00.000Z';

/** Pins Date, here and in the objects, to `at` (an ISO time or epoch ms); returns it in ms. */
export function pinClock(at: string | number): number {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${at}`);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
  return ms;
}

export type { RecordedPoint } from '../../../scripts/lib/ae-record-reader.ts';

/** The points the view record received (see scripts/lib/ae-record-reader.ts). */
export function viewEventPoints(videoId: string): Promise<RecordedPoint[]> {
  return recordedViewEvents(env, videoId);
}
