// The aggregator Worker as the api's tests run it (apps/api/vitest.config.ts loads this bundle,
// dist/test-entry, beside the api), never deployed: the production Worker with a fault seam in its
// ingest consumer that the tests arm through the `IngestFaults` entrypoint (a service binding only
// the test config creates). Production code has no hook for it: index.ts passes no seam.
import { WorkerEntrypoint } from 'cloudflare:workers';
import type { AggregatorEnv } from './env.ts';
import worker from './index.ts';
import { handleQueue } from './queue-handler.ts';

export { DeadLetterStore, MetricsAggregator, TrendingAggregator } from './index.ts';

/** Shard objects whose next commits crash the consumer right after committing, and how many. */
const crashesAfterCommit = new Map<string, number>();

/** For tests: faults of the ingest consumer, by shard object (each test's own aggregator). */
export class IngestFaults extends WorkerEntrypoint<AggregatorEnv> {
  /**
   * The next `times` deliveries that commit events of `object` throw after the commit and
   * before the ack, as a consumer killed at that instant: the queue redelivers the messages.
   */
  crashAfterCommit(object: string, times = 1): void {
    crashesAfterCommit.set(object, times);
  }

  /** Crashes still armed for `object` (0 once they all happened). */
  crashesLeft(object: string): number {
    return crashesAfterCommit.get(object) ?? 0;
  }
}

export default {
  fetch: worker.fetch,
  async queue(batch, env): Promise<void> {
    await handleQueue(batch, env, {
      afterCommit(object) {
        const left = crashesAfterCommit.get(object) ?? 0;
        if (left === 0) return;
        crashesAfterCommit.set(object, left - 1);
        throw new Error(`test fault: the consumer crashed after committing ${object}, before acking`);
      },
    });
  },
} satisfies ExportedHandler<AggregatorEnv>;
