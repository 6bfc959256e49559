// The main aggregator's data: the demo workload (its videos' signed events, then the views), posted
// through the api as clients do, then the precompute cron, as production's would run it.
import { demoEvents, postEvents, postVideos, untilSeenKeys } from '../seed.ts';
import { fmt, type Run } from './context.ts';

export async function seedMain(run: Run) {
  const done = run.progress.step('seeding the demo workload (generateDemoData, 24,000 events)');
  const { videos, events } = demoEvents(24_000);
  const registered = await postVideos(run.stack.url['trending-api'], videos, { concurrency: 4 });
  if (registered !== videos.length)
    run.failures.push(`seeding: ${registered} of ${videos.length} videos registered`);
  const result = await postEvents(run.stack.url['trending-api'], events, {
    concurrency: 4,
    ingestKey: run.stack.ingestKey,
  });
  if (result.accepted !== events.length)
    run.failures.push(`seeding: ${result.accepted} of ${events.length} events accepted`);
  await untilSeenKeys(run.stack.url['trending-api'], events.length);
  await run.stack.runCron();
  // The cache scenarios read these lists: their videos carry the seeded titles (from the signed
  // events), so the bodies measured are the size production's are.
  const top = (await (
    await fetch(`${run.stack.url['trending-api']}/v1/trending/videos?window=24h&limit=20`)
  ).json()) as {
    videos: { videoId: string; title?: string }[];
  };
  const titles = new Map(videos.map((v) => [v.videoId, v.title]));
  const untitled = top.videos.filter((v) => !v.title || v.title !== titles.get(v.videoId));
  if (top.videos.length === 0 || untitled.length > 0)
    run.failures.push(
      `seeding: ${untitled.length} of ${top.videos.length} ranked videos without their seeded title`,
    );
  done(`${fmt(events.length)} events in ${result.seconds.toFixed(1)} s, precompute ran`);
  return { events: events.length, seconds: result.seconds };
}
