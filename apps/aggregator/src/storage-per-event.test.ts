import { runInDurableObject } from 'cloudflare:test';
import { HOUR_MS, LIMITS, type NormalizedViewEvent } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { type AggregatorStub, ingestAll, newAggregator, randomVideoId, viewEnd } from './testing.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';

// What one view event costs a shard in storage (docs/scaling.md, "Storage per shard"): measured
// with the SQLite file's size (databaseSize; workerd has no dbstat), per table by deleting the
// table's rows and measuring what the file gives back (it auto-vacuums).

const VIDEOS = 500;
const VIEWERS_PER_VIDEO = 20;
const EVENTS = VIDEOS * VIEWERS_PER_VIDEO;
const TABLES = [
  'seen_digests',
  'video_viewers',
  'video_networks',
  'minute_buckets',
  'hour_buckets',
  'window_totals',
  'videos',
] as const;

/** A key as the api scopes it: keyed network (32 hex), video id (64 hex), the client's key (a UUID). */
const scopedKey = (event: NormalizedViewEvent) => `${'0'.repeat(32)}:${event.videoId}:${crypto.randomUUID()}`;

const sizeOf = (stub: AggregatorStub) =>
  runInDurableObject(stub, (_instance: TrendingAggregator, state) => state.storage.sql.databaseSize);

/** Bytes each table holds, by deleting its rows and measuring the file shrink. */
const bytesPerTable = (stub: AggregatorStub) =>
  runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
    const sql = state.storage.sql;
    const bytes: Record<string, number> = {};
    for (const table of TABLES) {
      const before = sql.databaseSize;
      sql.exec(`DELETE FROM ${table}`);
      bytes[table] = before - sql.databaseSize;
    }
    return bytes;
  });

describe('storage per view event', () => {
  it(`stays within ${LIMITS.shardStorage.bytesPerEvent} bytes an event when every event is a new viewer of its video`, async () => {
    const stub = newAggregator();
    const videos = Array.from({ length: VIDEOS }, () => randomVideoId());
    const now = Date.now();
    // Each event a distinct (video, viewer, network), spread over the last 24 hours: the most
    // rows an event can open (a viewer, a network, buckets), the 7-day steady state's worst case.
    const events = Array.from({ length: EVENTS }, (_, i) => {
      const event = viewEnd(videos[i % VIDEOS] ?? '', `viewer-${i}-${'v'.repeat(22)}`, {
        timestampMs: now - Math.floor((i / EVENTS) * 24 * HOUR_MS),
        completion: 0.5,
        watchMs: 6_000,
      });
      return { ...event, dedupKey: scopedKey(event) };
    });
    const empty = await sizeOf(stub);
    expect(await ingestAll(stub, events)).toMatchObject({ accepted: EVENTS });
    await stub.refresh('7d');
    await stub.refresh('24h');
    await stub.refresh('1h');
    const total = (await sizeOf(stub)) - empty;
    const tables = await bytesPerTable(stub);
    const perEvent = Object.fromEntries(Object.entries(tables).map(([t, b]) => [t, Math.round(b / EVENTS)]));
    console.log(
      `storage per event (${EVENTS} events, ${VIDEOS} videos): ${Math.round(total / EVENTS)} bytes`,
      perEvent,
    );
    expect(total / EVENTS).toBeLessThanOrEqual(LIMITS.shardStorage.bytesPerEvent);
  });

  it('adds little more than its idempotency key for a viewer who comes back', async () => {
    const stub = newAggregator();
    const videos = Array.from({ length: VIDEOS }, () => randomVideoId());
    const first = Array.from({ length: EVENTS }, (_, i) => {
      const event = viewEnd(videos[i % VIDEOS] ?? '', `viewer-${i % 2_000}`);
      return { ...event, dedupKey: scopedKey(event) };
    });
    await ingestAll(stub, first);
    const before = await sizeOf(stub);
    // The same viewers again (fresh keys: new views, not retries), in the same buckets.
    await ingestAll(
      stub,
      first.map((e) => ({ ...e, dedupKey: scopedKey(e) })),
    );
    const perEvent = ((await sizeOf(stub)) - before) / EVENTS;
    console.log(`storage per repeat event: ${Math.round(perEvent)} bytes`);
    expect(perEvent).toBeLessThanOrEqual(LIMITS.shardStorage.bytesPerRepeatEvent);
  });
});
