// The main aggregator's data: the demo workload, posted through the api as clients do, then the
// precompute cron, as production's would run it.
import { demoEvents, postEvents } from '../seed.ts';
import { fmt, type Run } from './context.ts';

export async function seedMain(run: Run) {
  const done = run.progress.step('seeding the demo workload (generateDemoData, 24,000 events)');
  const events = demoEvents(24_000);
  const result = await postEvents(run.stack.url['trending-api'], events, {
    concurrency: 4,
    ingestKey: run.stack.ingestKey,
  });
  if (result.accepted !== events.length)
    run.failures.push(`seeding: ${result.accepted} of ${events.length} events accepted`);
  await run.stack.runCron();
  done(`${fmt(events.length)} events in ${result.seconds.toFixed(1)} s, precompute ran`);
  return { events: events.length, seconds: result.seconds };
}
