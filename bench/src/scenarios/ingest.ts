// Ingest: events/s into an aggregator of its own, then every count checked, and retries recognised.
import { hex64, seededRandom } from '../../../packages/trending-core/src/demo-data.ts';
import type { TrendingWindow } from '../../../packages/trending-core/src/windows.ts';
import { postEvents, untilSeenKeys } from '../seed.ts';
import { computedRanking, rows } from './api-probes.ts';
import { fmt, type Run } from './context.ts';

export interface IngestResult {
  events: number;
  videos: number;
  concurrency: number;
  eventsPerS: number;
  seconds: number;
  accepted: number;
  duplicates: number;
  retried: { events: number; accepted: number; duplicates: number };
  checked: Record<string, { videosListed: number; viewsListed: number; lost: number; doubled: number }>;
  seenKeys: number;
}

/**
 * Events/s through POST /v1/events/views in batches of 100 (4 batches in flight), into an
 * aggregator of its own: 100 videos, each viewed once by each of its own viewers within the last
 * 50 minutes, so every video ranks and its `views` must equal exactly what was sent. Then 10% of
 * the batches are sent again (client retries: same idempotency keys) and must all be duplicates.
 * The api answers once the events are enqueued; duplicates are counted from the idempotency keys
 * the aggregator stores once the consumer committed them (a sentinel event, posted after the
 * retries were answered, is committed with or after them).
 */
export async function ingest(run: Run): Promise<IngestResult> {
  const total = run.config.ingestEvents;
  const done = run.progress.step(`ingest: ${fmt(total)} events in batches of 100, then verify the counts`);
  const aggregator = `bench-ingest-${Date.now()}`;
  const next = seededRandom(99);
  const videos = Array.from({ length: 100 }, () => hex64(next));
  const perVideo = Math.floor(total / videos.length);
  const now = Date.now();
  const events = videos.flatMap((videoId, v) =>
    Array.from({ length: perVideo }, (_, k) => ({
      videoId,
      viewerId: `ingest-viewer-${v}-${k}`,
      eventType: 'view_end' as const,
      idempotencyKey: `${aggregator}-${v}-${k}`,
      watchMs: 4_800,
      durationMs: 6_000,
      timestamp: now - Math.floor(next() * 50 * 60_000),
    })),
  );
  // Shuffle, so each batch mixes videos as real traffic does.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [events[i], events[j]] = [events[j] as (typeof events)[number], events[i] as (typeof events)[number]];
  }
  const url = run.stack.url['trending-api-seams'];
  const concurrency = 4;
  const result = await postEvents(url, events, { aggregator, concurrency, ingestKey: run.stack.ingestKey });
  const committed = await untilSeenKeys(url, events.length, aggregator);
  const retrySlice = events.slice(0, Math.ceil(events.length / 10 / 100) * 100);
  const retriedPost = await postEvents(url, retrySlice, {
    aggregator,
    concurrency,
    ingestKey: run.stack.ingestKey,
  });
  // A video of its own, viewed once: below the ranking's evidence, so no window lists it.
  const sentinel = {
    ...(events[0] as (typeof events)[number]),
    videoId: hex64(next),
    idempotencyKey: `${aggregator}-sentinel`,
  };
  await postEvents(url, [sentinel], { aggregator, concurrency: 1, ingestKey: run.stack.ingestKey });
  const afterRetries = (await untilSeenKeys(url, committed + 1, aggregator)) - 1;
  const duplicates = events.length - committed;
  const retriedCounted = afterRetries - committed;
  const retried = {
    accepted: retriedCounted,
    duplicates: retriedPost.accepted - retriedCounted,
  };

  if (result.accepted !== events.length || duplicates !== 0)
    run.failures.push(
      `ingest: ${result.accepted} accepted, ${duplicates} duplicates of ${events.length} new events`,
    );
  if (retried.accepted !== 0 || retried.duplicates !== retrySlice.length)
    run.failures.push(
      `ingest: retries counted again (${retried.accepted} accepted, ${retried.duplicates}/${retrySlice.length} duplicates)`,
    );
  const checked: IngestResult['checked'] = {};
  for (const window of ['1h', '24h'] as TrendingWindow[]) {
    const ranking = await computedRanking(run, aggregator, window);
    const listed = new Map(ranking.videos.map((v) => [v.videoId, v]));
    let lost = 0;
    let doubled = 0;
    for (const videoId of videos) {
      const views = listed.get(videoId)?.views ?? 0;
      const viewers = listed.get(videoId)?.uniqueViewers ?? 0;
      if (views < perVideo || viewers < perVideo) lost += perVideo - Math.min(views, viewers);
      if (views > perVideo || viewers > perVideo) doubled += Math.max(views, viewers) - perVideo;
    }
    const viewsListed = ranking.videos.reduce((s, v) => s + v.views, 0);
    checked[window] = { videosListed: ranking.videos.length, viewsListed, lost, doubled };
    if (lost !== 0 || doubled !== 0 || viewsListed !== events.length)
      run.failures.push(
        `ingest (${window}): ${lost} lost, ${doubled} doubled, ${viewsListed} views listed for ${events.length} sent`,
      );
  }
  // Less the sentinel's.
  const seenKeys = ((await rows(run, aggregator)).seenKeys ?? 0) - 1;
  if (seenKeys !== events.length)
    run.failures.push(`ingest: ${seenKeys} idempotency keys stored for ${events.length}`);
  done(
    `${fmt(result.eventsPerS)} events/s, ${checked['24h']?.lost ?? '?'} lost, ${checked['24h']?.doubled ?? '?'} doubled, ` +
      `${retried.duplicates}/${retrySlice.length} retries recognised`,
  );
  return {
    events: events.length,
    videos: videos.length,
    concurrency,
    eventsPerS: result.eventsPerS,
    seconds: result.seconds,
    accepted: result.accepted,
    duplicates,
    retried: { events: retrySlice.length, accepted: retried.accepted, duplicates: retried.duplicates },
    checked,
    seenKeys,
  };
}
