// Compute cost as data grows: the 7d window computed from the running totals, against a rescan.
import { demoEvents, postEvents, postVideos, untilSeenKeys } from '../seed.ts';
import { rows } from './api-probes.ts';
import { fmt, median, type Run, seedProgress } from './context.ts';

export interface ComputeResult {
  events: number;
  videos: number;
  seedSeconds: number;
  seedEventsPerS: number;
  rows: Record<string, number>;
  /** The aggregator's own measure of one 7d computation (whole milliseconds in workerd), median. */
  computeMs: number;
  /** Round trip of a computation minus the round trip of a snapshot peek, median. */
  computeRoundTripMs: number;
  rankedVideos: number;
  repeats: number;
  /** The same ranking by full rescan of the rollups (no running totals): round trip minus peek, median. */
  rescanRoundTripMs?: number;
}

async function timed(
  url: string,
): Promise<{ ms: number; body: { computeMs: number | null; videos: number } }> {
  const t0 = performance.now();
  const res = await fetch(url);
  const body = (await res.json()) as { computeMs: number | null; videos: number };
  return { ms: performance.now() - t0, body };
}

/**
 * The 7d window's computation time at growing sizes of the demo workload (videos grow with
 * events, 75 events per video as in the demo): seeded through the api into an aggregator of its
 * own, then computed `computeRepeats` times through the bench's probe Worker.
 */
export async function computeCost(run: Run): Promise<ComputeResult[]> {
  const results: ComputeResult[] = [];
  for (const size of run.config.computeSizes) {
    const done = run.progress.step(`compute cost: 7d window at ${fmt(size)} events`);
    const aggregator = `bench-compute-${size}-${Date.now()}`;
    const workload = demoEvents(size, 5);
    const { events } = workload;
    const videos = new Set(events.map((e) => e.videoId)).size;
    // The ranking reads each ranked video's signed metadata: registered as in production.
    await postVideos(run.stack.url['trending-api-seams'], workload.videos, { aggregator, concurrency: 4 });
    const seeded = await postEvents(run.stack.url['trending-api-seams'], events, {
      aggregator,
      concurrency: 4,
      ingestKey: run.stack.ingestKey,
      onProgress: size >= 100_000 ? seedProgress(run, `seeding ${fmt(size)}`) : undefined,
    });
    if (seeded.accepted !== events.length)
      run.failures.push(`compute ${size}: ${seeded.accepted} of ${events.length} events accepted`);
    await untilSeenKeys(run.stack.url['trending-api-seams'], events.length, aggregator);
    const probe = run.stack.url['bench-before'];
    const computeMs: number[] = [];
    const roundTrips: number[] = [];
    const rescanTrips: number[] = [];
    let rankedVideos = 0;
    for (let i = 0; i < run.config.computeRepeats + 1; i++) {
      const computed = await timed(`${probe}/compute?window=7d&aggregator=${aggregator}`);
      const peeked = await timed(`${probe}/peek?window=7d&aggregator=${aggregator}`);
      const rescanned = await timed(`${probe}/rescan?window=7d&aggregator=${aggregator}`);
      if (i === 0) continue; // the first one also wakes the object and warms SQLite's page cache
      computeMs.push(computed.body.computeMs ?? Number.NaN);
      roundTrips.push(computed.ms - peeked.ms);
      rescanTrips.push(rescanned.ms - peeked.ms);
      rankedVideos = computed.body.videos;
    }
    const result: ComputeResult = {
      events: size,
      videos,
      seedSeconds: seeded.seconds,
      seedEventsPerS: seeded.eventsPerS,
      rows: await rows(run, aggregator),
      computeMs: median(computeMs),
      computeRoundTripMs: median(roundTrips),
      rankedVideos,
      repeats: computeMs.length,
      rescanRoundTripMs: median(rescanTrips),
    };
    results.push(result);
    done(
      `${result.computeMs.toFixed(0)} ms in the aggregator (${result.computeRoundTripMs.toFixed(1)} ms round trip; ` +
        `full rescan ${result.rescanRoundTripMs?.toFixed(1)} ms), ` +
        `${fmt(videos)} videos, seeded at ${fmt(seeded.eventsPerS)} events/s`,
    );
  }
  return results;
}
